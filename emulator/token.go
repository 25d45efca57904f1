package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// newCallerToken makes the bearer token the emulator accepts. It is shaped
// like an Entra app-only access token — a JWT whose payload names the tenant
// (tid), the calling application (appid) and its service principal (oid,
// sub) — so a client can learn who it is signed in as the way it would from
// a real token. The signature is random: the emulator compares the whole
// token, it never verifies a signature, and no client should either.
// DefaultTokenRoles is the roles claim of the emulator's token: the Graph
// application permissions docs/permissions.md asks of apply's identity.
var DefaultTokenRoles = []string{"Application.ReadWrite.OwnedBy", "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All", "Directory.Read.All", "Organization.Read.All"}

// newCallerToken makes the token; roles nil means DefaultTokenRoles.
func newCallerToken(now time.Time, roles []string) (string, error) {
	if roles == nil {
		roles = DefaultTokenRoles
	}
	sig := make([]byte, 32)
	if _, err := rand.Read(sig); err != nil {
		return "", fmt.Errorf("generating token: %w", err)
	}
	header, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "RS256", "kid": "regsync-emulator"})
	payload, _ := json.Marshal(map[string]any{
		"aud":   "https://graph.microsoft.com",
		"iss":   "https://sts.windows.net/" + SeedTenantID + "/",
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   now.Add(24 * time.Hour * 365).Unix(),
		"tid":   SeedTenantID,
		"oid":   CallerSPID,
		"sub":   CallerSPID,
		"appid": CallerAppID,
		"idtyp": "app",
		"roles": roles,
	})
	enc := base64.RawURLEncoding
	return enc.EncodeToString(header) + "." + enc.EncodeToString(payload) + "." + enc.EncodeToString(sig), nil
}
