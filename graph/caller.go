package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// CallerID returns the object id of the signed-in principal: the oid claim
// of the Graph access token (for an app-only token, the service principal's
// object id). It reads the token's payload without verifying it — the
// token is the one regsync itself was just given, and the id only keeps the
// planner from removing regsync's own ownership. A token that is not a JWT
// yields "" and no error: the caller is then unknown.
func (c *Client) CallerID(ctx context.Context) (string, error) {
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return "", fmt.Errorf("getting a token for Microsoft Graph: %w", err)
	}
	return oidOf(tok.Token), nil
}

// oidOf returns the oid claim of a JWT, or "" when s is not one.
func oidOf(s string) string {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		OID string `json:"oid"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	return claims.OID
}

// TokenClaims returns the decoded payload (the claims, as JSON) of the
// access token the credential gives for Microsoft Graph, so a caller can
// see which permissions it carries (roles, scp, wids). The token itself is
// never returned: its signature part is what authenticates.
func (c *Client) TokenClaims(ctx context.Context) ([]byte, error) {
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return nil, fmt.Errorf("getting a token for Microsoft Graph: %w", err)
	}
	parts := strings.Split(tok.Token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("the token for Microsoft Graph is not a JWT; its permissions cannot be read")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil || !json.Valid(payload) {
		return nil, fmt.Errorf("the token for Microsoft Graph has no readable claims")
	}
	return payload, nil
}
