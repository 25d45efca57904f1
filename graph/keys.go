package graph

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/regsync/regsync/tenant"
)

// Key credentials are written by PATCHing the object's whole keyCredentials
// collection, which replaces it (applications-how-to-add-certificate.md).
// removeKey would need a proof of possession signed by one of the object's
// own keys (application-removekey.md), which regsync does not hold for a
// certificate someone else added. So a removal reads the current list with
// a single-object GET selecting keyCredentials — the only read that returns
// each credential's key (resources/keycredential.md) — and PATCHes it back
// without the one removed. A credential missing from the list is already
// gone (NotFound). A credential to keep whose certificate did not come back
// (a signing key, whose key is not a bare certificate) stops the write:
// sending it without its key would fail or lose it.

// keysToKeep returns the key credentials of have without keyID, or a
// NotFound error when have does not hold keyID.
func keysToKeep(have []tenant.KeyCredential, keyID, owner string) ([]models.KeyCredentialable, error) {
	found := false
	var keep []models.KeyCredentialable
	for _, k := range have {
		if strings.EqualFold(k.KeyID, keyID) {
			found = true
			continue
		}
		if len(k.Cert) == 0 {
			return nil, &tenant.Error{Kind: tenant.Invalid, Message: fmt.Sprintf(
				"key credential %s of %s must be kept, but graph did not return its certificate: remove %s by hand", k.KeyID, owner, keyID)}
		}
		m, err := keyModel(k)
		if err != nil {
			return nil, err
		}
		keep = append(keep, m)
	}
	if !found {
		return nil, &tenant.Error{Kind: tenant.NotFound, Message: fmt.Sprintf("%s has no key credential %s", owner, keyID)}
	}
	if keep == nil {
		keep = []models.KeyCredentialable{}
	}
	return keep, nil
}

// keyModel is a fresh SDK model of a key credential to send back as it is.
func keyModel(k tenant.KeyCredential) (models.KeyCredentialable, error) {
	m := models.NewKeyCredential()
	id, err := parseUUID("keyId", k.KeyID)
	if err != nil {
		return nil, err
	}
	m.SetKeyId(id)
	m.SetKey(append([]byte(nil), k.Cert...))
	m.SetTypeEscaped(ptr(k.Type))
	m.SetUsage(ptr(k.Usage))
	if k.DisplayName != "" {
		m.SetDisplayName(ptr(k.DisplayName))
	}
	if k.CustomKeyIdentifier != "" {
		if b, err := hex.DecodeString(k.CustomKeyIdentifier); err == nil {
			m.SetCustomKeyIdentifier(b)
		}
	}
	if !k.Start.IsZero() {
		m.SetStartDateTime(ptr(k.Start.UTC()))
	}
	if !k.End.IsZero() {
		m.SetEndDateTime(ptr(k.End.UTC()))
	}
	return m, nil
}

func buildRemoveKeyCredential(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := needAll("application id", w.ID, "keyId", w.RefID); err != nil {
		return request{}, err
	}
	b := c.sdk.Applications().ByApplicationId(w.ID)
	got, err := b.Get(ctx, &applications.ApplicationItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &applications.ApplicationItemRequestBuilderGetQueryParameters{Select: []string{"id", "keyCredentials"}},
	})
	if err != nil {
		return request{}, mapError(err, "reading the key credentials of application %s", w.ID)
	}
	if got == nil {
		return request{}, noBody("reading the key credentials of application " + w.ID)
	}
	keep, err := keysToKeep(toKeys(got.GetKeyCredentials()), w.RefID, "application "+w.ID)
	if err != nil {
		return request{}, err
	}
	body := models.NewApplication()
	body.SetKeyCredentials(keep)
	return noContent(b.ToPatchRequestInformation(ctx, body, nil))
}

func buildRemoveServicePrincipalKey(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := needAll("service principal id", w.ID, "keyId", w.RefID); err != nil {
		return request{}, err
	}
	b := c.sdk.ServicePrincipals().ByServicePrincipalId(w.ID)
	got, err := b.Get(ctx, &serviceprincipals.ServicePrincipalItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &serviceprincipals.ServicePrincipalItemRequestBuilderGetQueryParameters{Select: []string{"id", "keyCredentials"}},
	})
	if err != nil {
		return request{}, mapError(err, "reading the key credentials of service principal %s", w.ID)
	}
	if got == nil {
		return request{}, noBody("reading the key credentials of service principal " + w.ID)
	}
	keep, err := keysToKeep(toKeys(got.GetKeyCredentials()), w.RefID, "service principal "+w.ID)
	if err != nil {
		return request{}, err
	}
	body := models.NewServicePrincipal()
	body.SetKeyCredentials(keep)
	return noContent(b.ToPatchRequestInformation(ctx, body, nil))
}

func buildRemoveServicePrincipalPassword(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := need("service principal id", w.ID); err != nil {
		return request{}, err
	}
	id, err := parseUUID("keyId", w.RefID)
	if err != nil {
		return request{}, err
	}
	body := serviceprincipals.NewItemRemovePasswordPostRequestBody()
	body.SetKeyId(id)
	return noContent(c.sdk.ServicePrincipals().ByServicePrincipalId(w.ID).RemovePassword().ToPostRequestInformation(ctx, body, nil))
}
