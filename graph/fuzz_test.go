package graph

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/regsync/regsync/graph/endpoints"
)

// cannedTransport answers every request with one status and body, as
// Graph would, without a network.
type cannedTransport struct {
	status int
	body   []byte
}

func (t cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: t.status, Status: http.StatusText(t.status), Request: r,
		Header: http.Header{"Content-Type": {"application/json;odata.metadata=minimal"}, "Retry-After": {"1"}},
		Body:   io.NopCloser(bytes.NewReader(t.body)), ContentLength: int64(len(t.body))}, nil
}

// FuzzGraphResponse feeds random bytes to the client as a list page or an
// error body, through kiota's parse nodes, msgraph-sdk-go's models,
// regsync's paging checks, conversion and error classification. Nothing
// may panic; an error is fine. make fuzz runs it.
func FuzzGraphResponse(f *testing.F) {
	for _, s := range []struct {
		status uint8
		body   string
	}{
		{0, `{"value":[{"id":"o1","appId":"a1","displayName":"one","tags":["regsync:set=s"],"owners":[{"@odata.type":"#microsoft.graph.user","id":"u1"}],` +
			`"api":{"oauth2PermissionScopes":[{"id":"00000000-0000-0000-0000-000000000001","value":"user_impersonation","isEnabled":true}]},` +
			`"passwordCredentials":[{"keyId":"f0b0b335-1d71-4883-8f98-567911bfdca6","hint":"abc","endDateTime":"2027-01-01T00:00:00Z"}]}],` +
			`"@odata.nextLink":"https://127.0.0.1:1/v1.0/applications?$skiptoken=x"}`},
		{0, `{"value":[{"id":"s1","appId":"a1","appRoles":[{"id":"00000000-0000-0000-0000-000000000002","allowedMemberTypes":["Application"],"value":"r"}]}]}`},
		{0, `{"value":[{"id":"o","verifiedDomains":[{"name":"contoso.com"}]}],"@odata.nextLink":"http://evil.example/"}`},
		{1, `{"error":{"code":"Request_BadRequest","message":"x","details":[{"code":"ObjectConflict","target":"identifierUris"}],"innerError":{"date":"2026-01-01T00:00:00"}}}`},
		{2, `{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist or one of its queried reference-property objects are not present."}}`},
		{3, `{"error":{"code":"TooManyRequests","message":"slow down"}}`},
		{4, `not json`},
		{0, `{"value":[{"id":1,"appId":null,"tags":"x","api":[]}],"@odata.nextLink":5}`},
	} {
		f.Add(s.status, []byte(s.body))
	}
	statuses := []int{200, 400, 404, 429, 500, 401, 204}
	f.Fuzz(func(t *testing.T, status uint8, body []byte) {
		c, err := New(endpoints.Config{GraphURL: "https://127.0.0.1:1/v1.0", Token: "t"},
			Options{Transport: cannedTransport{status: statuses[int(status)%len(statuses)], body: body}})
		if err != nil {
			t.Fatal(err)
		}
		c.maxPages = 3
		ctx := context.Background()
		_, _ = c.Organization(ctx)
		_, _ = c.ListApplications(ctx, "s")
		_, _ = c.ListServicePrincipals(ctx, "s")
		_, _ = c.AppRoleAssignedTo(ctx, "sp")
		_, _, _ = c.ConsentsOf(ctx, []string{"sp"})
	})
}
