package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/regsync/regsync/tenant"
)

// buildAddKeyCredential adds a certificate to an application's
// keyCredentials. Graph's addKey needs a proof of possession signed by a
// key the application already has, so the first certificate cannot go in
// that way; PATCHing keyCredentials replaces the whole collection
// (applications-how-to-add-certificate.md). So the list is read with a
// single-object GET selecting keyCredentials, the only read that returns
// each credential's key (resources/keycredential.md), and sent back whole
// with the new one. A credential with the same customKeyIdentifier (the
// thumbprint) already there means an earlier attempt landed: the list goes
// back unchanged. A credential to keep whose certificate did not come back
// stops the write, since sending it without its key would fail or lose it.
func buildAddKeyCredential(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := need("application id", w.ID); err != nil {
		return request{}, err
	}
	if w.Key == nil || len(w.Key.Cert) == 0 {
		return request{}, missing("key credential certificate")
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
	var list []models.KeyCredentialable
	there := false
	for _, k := range toKeys(got.GetKeyCredentials()) {
		if len(k.Cert) == 0 {
			return request{}, &tenant.Error{Kind: tenant.Invalid, Message: fmt.Sprintf(
				"key credential %s of application %s must be kept, but graph did not return its certificate", k.KeyID, w.ID)}
		}
		there = there || strings.EqualFold(k.CustomKeyIdentifier, w.Key.CustomKeyIdentifier)
		m, err := keyModel(k)
		if err != nil {
			return request{}, err
		}
		list = append(list, m)
	}
	if !there {
		m, err := keyModel(*w.Key)
		if err != nil {
			return request{}, err
		}
		list = append(list, m)
	}
	body := models.NewApplication()
	body.SetKeyCredentials(list)
	return noContent(b.ToPatchRequestInformation(ctx, body, nil))
}
