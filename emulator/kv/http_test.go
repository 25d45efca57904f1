package kv_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/regsync/regsync/emulator/kv"
)

const wantChallenge = `Bearer authorization="https://login.microsoftonline.com/` + testTenant + `", resource="https://vault.azure.net"`

func TestChallenge(t *testing.T) {
	e := newEnv(t)
	path := "/vaults/myvault/secrets/s1?api-version=" + apiVersion
	tests := []struct {
		name    string
		headers map[string]string
		want    string
	}{
		{"no Authorization", nil, `{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}`},
		{"wrong token", map[string]string{"Authorization": "Bearer nope"}, `{"error":{"code":"Unauthorized","message":"The bearer token is not valid for this vault."}}`},
		{"not a bearer token", map[string]string{"Authorization": "Basic " + testToken}, `{"error":{"code":"Unauthorized","message":"The bearer token is not valid for this vault."}}`},
		{"no api-version still challenged", nil, `{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := path
			if strings.HasPrefix(tt.name, "no api-version") {
				p = "/vaults/myvault/secrets/s1"
			}
			r := e.send(http.MethodGet, p, "", tt.headers)
			if r.status != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401", r.status)
			}
			if got := r.header.Get("WWW-Authenticate"); got != wantChallenge {
				t.Errorf("WWW-Authenticate:\n got %s\nwant %s", got, wantChallenge)
			}
			if diff := cmp.Diff(js(t, tt.want), r.body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChallengeDefaultsTenantToCommon(t *testing.T) {
	srv := newServer(t, kv.Options{Token: testToken})
	resp, err := srv.Client().Get(srv.URL + "/vaults/myvault/secrets?api-version=" + apiVersion)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := `Bearer authorization="https://login.microsoftonline.com/common", resource="https://vault.azure.net"`
	if got := resp.Header.Get("WWW-Authenticate"); got != want {
		t.Errorf("WWW-Authenticate = %s, want %s", got, want)
	}
}

func TestEmptyTokenAuthorizesNothing(t *testing.T) {
	srv := newServer(t, kv.Options{TenantID: testTenant})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/vaults/myvault/secrets?api-version="+apiVersion, nil)
	req.Header.Set("Authorization", "Bearer ")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", resp.StatusCode)
	}
}

func TestUnauthenticatedPutIsNotAWrite(t *testing.T) {
	e := newEnv(t)
	// The SDK's first request has its body stripped; a request that does carry
	// a body but no token must not be stored either.
	for _, body := range []string{"", `{"value":"v1"}`} {
		r := e.send(http.MethodPut, "/vaults/myvault/secrets/s1?api-version="+apiVersion, body, nil)
		if r.status != http.StatusUnauthorized {
			t.Fatalf("status = %d, want 401", r.status)
		}
	}
	if r := e.call(http.MethodGet, "/vaults/myvault/secrets/s1", ""); r.status != http.StatusNotFound {
		t.Errorf("GET after unauthenticated PUT: status = %d, want 404", r.status)
	}
	if got := e.kv.Vaults(); len(got) != 0 {
		t.Errorf("Vaults() = %v, want none", got)
	}
	if got := e.kv.SecretValues(); len(got) != 0 {
		t.Errorf("SecretValues() = %v, want none", got)
	}
}

func TestVaultNames(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name  string
		valid bool
	}{
		{"myvault", true},
		{"abc", true},
		{"a-b-c", true},
		{"A1b", true},
		{"abcdefghijklmnopqrstuvwx", true}, // 24
		{"ab", false},
		{"abcdefghijklmnopqrstuvwxy", false}, // 25
		{"1abc", false},
		{"-abc", false},
		{"abc-", false},
		{"ab--c", false},
		{"ab_c", false},
		{"ab.c", false},
		{"ab%20c", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// No token: a valid vault answers with the challenge, an invalid
			// one with 400 before any challenge.
			r := e.send(http.MethodGet, "/vaults/"+tt.name+"/secrets?api-version="+apiVersion, "", nil)
			if tt.valid {
				if r.status != http.StatusUnauthorized {
					t.Errorf("status = %d, want 401", r.status)
				}
				return
			}
			if r.status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400", r.status)
			}
			u, _ := url.PathUnescape(tt.name)
			want := fmt.Sprintf(`{"error":{"code":"VaultNameNotValid","message":"The vault name '%s' is invalid. A vault name is 3 to 24 characters: letters, digits and single hyphens, starting with a letter and ending with a letter or digit."}}`, u)
			if diff := cmp.Diff(js(t, want), r.body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAPIVersion(t *testing.T) {
	e := newEnv(t)
	for _, v := range []string{"7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01", "2026-04-01"} {
		if r := e.call(http.MethodGet, "/vaults/myvault/secrets?api-version="+v, ""); r.status != http.StatusOK {
			t.Errorf("api-version %s: status = %d, want 200", v, r.status)
		}
	}
	tests := []struct {
		query string
		want  string
	}{
		{"", `{"error":{"code":"BadParameter","message":"The api-version query parameter is required."}}`},
		{"?api-version=", `{"error":{"code":"BadParameter","message":"The api-version query parameter is required."}}`},
		{"?api-version=7.7", `{"error":{"code":"BadParameter","message":"The specified version (7.7) is not recognized. Consider using the latest supported version (2026-04-01)."}}`},
		{"?api-version=2016-10-01", `{"error":{"code":"BadParameter","message":"The specified version (2016-10-01) is not recognized. Consider using the latest supported version (2026-04-01)."}}`},
	}
	for _, tt := range tests {
		r := e.send(http.MethodGet, "/vaults/myvault/secrets"+tt.query, "", map[string]string{"Authorization": "Bearer " + testToken})
		if r.status != http.StatusBadRequest {
			t.Errorf("%q: status = %d, want 400", tt.query, r.status)
		}
		if diff := cmp.Diff(js(t, tt.want), r.body); diff != "" {
			t.Errorf("%q: body (-want +got):\n%s", tt.query, diff)
		}
	}
}

func TestCommonHeaders(t *testing.T) {
	e := newEnv(t)
	for _, r := range []response{
		e.call(http.MethodPut, "/vaults/myvault/secrets/s1", `{"value":"v"}`),
		e.call(http.MethodGet, "/vaults/myvault/secrets/missing", ""),
		e.send(http.MethodGet, "/vaults/myvault/secrets", "", nil),
	} {
		if _, err := uuid.Parse(r.header.Get("x-ms-request-id")); err != nil {
			t.Errorf("status %d: x-ms-request-id %q is not a UUID", r.status, r.header.Get("x-ms-request-id"))
		}
		if r.header.Get("x-ms-keyvault-service-version") == "" {
			t.Errorf("status %d: no x-ms-keyvault-service-version", r.status)
		}
		if got := r.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
			t.Errorf("status %d: Content-Type = %q", r.status, got)
		}
	}
}

func TestSetAndGetSecret(t *testing.T) {
	e := newEnv(t)
	put := e.call(http.MethodPut, "/vaults/myvault/secrets/app-secret",
		`{"value":"s3cr3t","extra":1,"contentType":"text/plain","tags":{"client-id":"c1","key-id":"k1"},"attributes":{"enabled":true,"nbf":1700000100,"exp":1800000000,"created":1,"recoveryLevel":"Purgeable"}}`)
	want := js(t, `{
		"value": "s3cr3t",
		"id": "https://HOST/vaults/myvault/secrets/app-secret/VERSION",
		"contentType": "text/plain",
		"tags": {"client-id": "c1", "key-id": "k1"},
		"attributes": {"enabled": true, "nbf": 1700000100, "exp": 1800000000, "created": 1700000000, "updated": 1700000000,
			"recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90}
	}`)
	if put.status != http.StatusOK {
		t.Fatalf("PUT status = %d, want 200: %s", put.status, put.raw)
	}
	if diff := cmp.Diff(want, put.body); diff != "" {
		t.Errorf("PUT body (-want +got):\n%s", diff)
	}
	v1 := versionOf(t, put)
	for _, path := range []string{
		"/vaults/myvault/secrets/app-secret",
		"/vaults/myvault/secrets/app-secret/",
		"/vaults/myvault/secrets/app-secret/" + v1,
		"/vaults/myvault/secrets/APP-SECRET/" + strings.ToUpper(v1),
		"/vaults/MyVault/secrets/app-secret",
	} {
		r := e.call(http.MethodGet, path, "")
		if r.status != http.StatusOK {
			t.Errorf("GET %s: status = %d, want 200", path, r.status)
			continue
		}
		if diff := cmp.Diff(want, r.body); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", path, diff)
		}
		if v := versionOf(t, r); v != v1 {
			t.Errorf("GET %s: version %s, want %s", path, v, v1)
		}
	}

	// A second PUT makes a new current version with its own attributes.
	e.clock.advance(60)
	put2 := e.call(http.MethodPut, "/vaults/myvault/secrets/app-secret", `{"value":"second"}`)
	v2 := versionOf(t, put2)
	if v2 == v1 {
		t.Fatalf("second PUT reused version %s", v1)
	}
	want2 := js(t, `{"value":"second","id":"https://HOST/vaults/myvault/secrets/app-secret/VERSION",
		"attributes":{"enabled":true,"created":1700000060,"updated":1700000060,"recoveryLevel":"Recoverable+Purgeable","recoverableDays":90}}`)
	if diff := cmp.Diff(want2, e.call(http.MethodGet, "/vaults/myvault/secrets/app-secret/", "").body); diff != "" {
		t.Errorf("latest after second PUT (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, e.call(http.MethodGet, "/vaults/myvault/secrets/app-secret/"+v1, "").body); diff != "" {
		t.Errorf("first version after second PUT (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"myvault"}, e.kv.Vaults()); diff != "" {
		t.Errorf("Vaults() (-want +got):\n%s", diff)
	}
}

func TestNamesAreCaseInsensitive(t *testing.T) {
	e := newEnv(t)
	e.call(http.MethodPut, "/vaults/MyVault/secrets/MySecret", `{"value":"a"}`)
	e.call(http.MethodPut, "/vaults/myvault/secrets/mysecret", `{"value":"b"}`)
	r := e.call(http.MethodGet, "/vaults/myvault/secrets/MYSECRET/versions", "")
	want := js(t, `{"value":[
		{"id":"https://HOST/vaults/myvault/secrets/MySecret/VERSION","attributes":{"enabled":true,"created":1700000000,"updated":1700000000,"recoveryLevel":"Recoverable+Purgeable","recoverableDays":90}},
		{"id":"https://HOST/vaults/myvault/secrets/MySecret/VERSION","attributes":{"enabled":true,"created":1700000000,"updated":1700000000,"recoveryLevel":"Recoverable+Purgeable","recoverableDays":90}}
	],"nextLink":null}`)
	if diff := cmp.Diff(want, r.body); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"myvault"}, e.kv.Vaults()); diff != "" {
		t.Errorf("Vaults() (-want +got):\n%s", diff)
	}
}

func TestSetSecretValidation(t *testing.T) {
	e := newEnv(t)
	tags := func(n int) string {
		var parts []string
		for i := 0; i < n; i++ {
			parts = append(parts, fmt.Sprintf(`"t%d":"v"`, i))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	bad := func(msg string) string {
		return `{"error":{"code":"BadParameter","message":` + fmt.Sprintf("%q", msg) + `}}`
	}
	tests := []struct {
		name   string
		secret string
		body   string
		status int
		want   string // error body; empty for success
	}{
		{"empty body", "s", "", 400, bad("The request body is required.")},
		{"no value", "s", `{"contentType":"x"}`, 400, bad("Property value is required.")},
		{"null value", "s", `{"value":null}`, 400, bad("Property value is required.")},
		{"value not a string", "s", `{"value":5}`, 400, bad("The request body is not a valid JSON object: property value has the wrong type.")},
		{"not an object", "s", `["value"]`, 400, bad("The request body is not a valid JSON object: expected an object.")},
		{"syntax error", "s", `{"value":`, 400, bad("The request body is not a valid JSON object: syntax error.")},
		{"fractional exp", "s", `{"value":"v","attributes":{"exp":1.5}}`, 400, bad("The request body is not a valid JSON object: property attributes.exp has the wrong type.")},
		{"empty value", "s", `{"value":""}`, 200, ""},
		{"value at limit", "s", `{"value":"` + strings.Repeat("x", 25*1024) + `"}`, 200, ""},
		{"value over limit", "s", `{"value":"` + strings.Repeat("x", 25*1024+1) + `"}`, 400, bad("Property value has invalid value: a secret value is at most 25600 bytes.")},
		{"body over 1 MiB", "s", `{"value":"` + strings.Repeat("x", 1<<20) + `"}`, 413, bad("The request body is too large.")},
		{"15 tags", "s", `{"value":"v","tags":` + tags(15) + `}`, 200, ""},
		{"16 tags", "s", `{"value":"v","tags":` + tags(16) + `}`, 400, bad("Property has invalid value")},
		{"tag name 512", "s", `{"value":"v","tags":{"` + strings.Repeat("n", 512) + `":"v"}}`, 200, ""},
		{"tag name 513", "s", `{"value":"v","tags":{"` + strings.Repeat("n", 513) + `":"v"}}`, 400, bad("Property has invalid value")},
		{"tag value 513", "s", `{"value":"v","tags":{"n":"` + strings.Repeat("v", 513) + `"}}`, 400, bad("Property has invalid value")},
		{"content type 255", "s", `{"value":"v","contentType":"` + strings.Repeat("c", 255) + `"}`, 200, ""},
		{"content type 256", "s", `{"value":"v","contentType":"` + strings.Repeat("c", 256) + `"}`, 400, bad("Property contentType has invalid value: it is longer than 255 characters.")},
		{"underscore in name", "a_b", `{"value":"v"}`, 400, bad("The request URI contains an invalid name: a_b")},
		{"dot in name", "a.b", `{"value":"v"}`, 400, bad("The request URI contains an invalid name: a.b")},
		{"name 128 chars", strings.Repeat("a", 128), `{"value":"v"}`, 400, bad("The request URI contains an invalid name: " + strings.Repeat("a", 128))},
		{"name 127 chars", strings.Repeat("a", 127), `{"value":"v"}`, 200, ""},
		{"name starts with digit", "1abc", `{"value":"v"}`, 200, ""},
		{"name starts with hyphen", "-abc", `{"value":"v"}`, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call(http.MethodPut, "/vaults/myvault/secrets/"+tt.secret, tt.body)
			if r.status != tt.status {
				t.Fatalf("status = %d, want %d: %.300s", r.status, tt.status, r.raw)
			}
			if tt.want == "" {
				return
			}
			if diff := cmp.Diff(js(t, tt.want), r.body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpdateSecret(t *testing.T) {
	e := newEnv(t)
	put := e.call(http.MethodPut, "/vaults/myvault/secrets/s1", `{"value":"v1","contentType":"a","tags":{"x":"1"}}`)
	v1 := versionOf(t, put)
	e.clock.advance(30)

	r := e.call(http.MethodPatch, "/vaults/myvault/secrets/s1/"+v1,
		`{"value":"ignored","contentType":"b","tags":{"y":"2"},"attributes":{"enabled":false,"exp":1900000000}}`)
	want := js(t, `{"id":"https://HOST/vaults/myvault/secrets/s1/VERSION","contentType":"b","tags":{"y":"2"},
		"attributes":{"enabled":false,"exp":1900000000,"created":1700000000,"updated":1700000030,"recoveryLevel":"Recoverable+Purgeable","recoverableDays":90}}`)
	if r.status != http.StatusOK {
		t.Fatalf("PATCH status = %d: %s", r.status, r.raw)
	}
	if diff := cmp.Diff(want, r.body); diff != "" {
		t.Errorf("PATCH body (-want +got):\n%s", diff)
	}

	// A disabled secret cannot be read.
	for _, path := range []string{"/vaults/myvault/secrets/s1", "/vaults/myvault/secrets/s1/" + v1} {
		g := e.call(http.MethodGet, path, "")
		if g.status != http.StatusForbidden {
			t.Errorf("GET %s of disabled secret: status = %d, want 403", path, g.status)
		}
		wantErr := js(t, `{"error":{"code":"Forbidden","message":"Operation get is not allowed on a disabled secret.","innererror":{"code":"SecretDisabled"}}}`)
		if diff := cmp.Diff(wantErr, g.body); diff != "" {
			t.Errorf("GET %s of disabled secret (-want +got):\n%s", path, diff)
		}
	}

	// Re-enable through the latest-version path; an empty tags object
	// removes every tag; the value never changed.
	r = e.call(http.MethodPatch, "/vaults/myvault/secrets/s1/", `{"tags":{},"attributes":{"enabled":true}}`)
	if r.status != http.StatusOK {
		t.Fatalf("second PATCH status = %d: %s", r.status, r.raw)
	}
	want = js(t, `{"value":"v1","id":"https://HOST/vaults/myvault/secrets/s1/VERSION","contentType":"b",
		"attributes":{"enabled":true,"exp":1900000000,"created":1700000000,"updated":1700000030,"recoveryLevel":"Recoverable+Purgeable","recoverableDays":90}}`)
	if diff := cmp.Diff(want, e.call(http.MethodGet, "/vaults/myvault/secrets/s1", "").body); diff != "" {
		t.Errorf("GET after re-enable (-want +got):\n%s", diff)
	}

	for _, tt := range []struct{ path, body string }{
		{"/vaults/myvault/secrets/s1/" + strings.Repeat("0", 32), `{"contentType":"c"}`},
		{"/vaults/myvault/secrets/nosuch/", `{"contentType":"c"}`},
	} {
		if r := e.call(http.MethodPatch, tt.path, tt.body); r.status != http.StatusNotFound {
			t.Errorf("PATCH %s: status = %d, want 404", tt.path, r.status)
		}
	}
	if r := e.call(http.MethodPatch, "/vaults/myvault/secrets/s1/", `{"tags":5}`); r.status != http.StatusBadRequest {
		t.Errorf("PATCH with tags 5: status = %d, want 400", r.status)
	}
}

func TestNotFound(t *testing.T) {
	e := newEnv(t)
	e.call(http.MethodPut, "/vaults/myvault/secrets/present", `{"value":"v"}`)
	notFound := func(what string) string {
		return `{"error":{"code":"SecretNotFound","message":"A secret with (name/id) ` + what + ` was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"}}`
	}
	deletedNotFound := func(name string) string {
		return `{"error":{"code":"SecretNotFound","message":"Deleted Secret not found: ` + name + `"}}`
	}
	version := strings.Repeat("ab", 16)
	tests := []struct {
		method, path string
		want         string
	}{
		{http.MethodGet, "/vaults/myvault/secrets/absent", notFound("absent")},
		{http.MethodGet, "/vaults/myvault/secrets/absent/", notFound("absent")},
		{http.MethodGet, "/vaults/myvault/secrets/present/" + version, notFound("present/VERSION")}, // the body is normalised
		{http.MethodGet, "/vaults/myvault/secrets/present/not-a-version", notFound("present/not-a-version")},
		{http.MethodGet, "/vaults/othervault/secrets/present", notFound("present")},
		{http.MethodDelete, "/vaults/myvault/secrets/absent", notFound("absent")},
		{http.MethodGet, "/vaults/myvault/deletedsecrets/present", deletedNotFound("present")},
		{http.MethodPost, "/vaults/myvault/deletedsecrets/present/recover", deletedNotFound("present")},
		{http.MethodDelete, "/vaults/myvault/deletedsecrets/present", deletedNotFound("present")},
		{http.MethodDelete, "/vaults/myvault/deletedsecrets/absent", deletedNotFound("absent")},
	}
	for _, tt := range tests {
		r := e.call(tt.method, tt.path, "")
		if r.status != http.StatusNotFound {
			t.Errorf("%s %s: status = %d, want 404", tt.method, tt.path, r.status)
		}
		if diff := cmp.Diff(js(t, tt.want), r.body); diff != "" {
			t.Errorf("%s %s (-want +got):\n%s", tt.method, tt.path, diff)
		}
	}
}

func TestRoutes(t *testing.T) {
	e := newEnv(t)
	e.checkRoutes([]routeCase{
		{http.MethodGet, "/vaults/myvault/keys", 404, "NotFound", ""},
		{http.MethodGet, "/vaults/myvault", 404, "NotFound", ""},
		{http.MethodGet, "/vaults/myvault/secrets/s/v/extra", 404, "NotFound", ""},
		{http.MethodGet, "/vaults/myvault/deletedsecrets/s/other", 404, "NotFound", ""},
		{http.MethodPost, "/vaults/myvault/secrets", 405, "MethodNotAllowed", "GET"},
		{http.MethodPost, "/vaults/myvault/secrets/s", 405, "MethodNotAllowed", "DELETE, GET, PATCH, PUT"},
		{http.MethodDelete, "/vaults/myvault/secrets/s/versions", 405, "MethodNotAllowed", "GET"},
		{http.MethodPut, "/vaults/myvault/secrets/s/" + strings.Repeat("a", 32), 405, "MethodNotAllowed", "GET, PATCH"},
		{http.MethodPut, "/vaults/myvault/deletedsecrets", 405, "MethodNotAllowed", "GET"},
		{http.MethodPost, "/vaults/myvault/deletedsecrets/s", 405, "MethodNotAllowed", "DELETE, GET"},
		{http.MethodGet, "/vaults/myvault/deletedsecrets/s/recover", 405, "MethodNotAllowed", "POST"},
		{http.MethodPost, "/vaults/myvault/secrets/s/backup", 501, "NotImplemented", ""},
		{http.MethodPost, "/vaults/myvault/secrets/restore", 501, "NotImplemented", ""},
	})
}

func TestListSecretsPaging(t *testing.T) {
	e := newEnv(t)
	var names []string
	for i := 0; i < 30; i++ {
		name := fmt.Sprintf("s%02d", 29-i) // stored out of order
		names = append(names, fmt.Sprintf("s%02d", i))
		e.call(http.MethodPut, "/vaults/myvault/secrets/"+name, `{"value":"v-`+name+`","contentType":"c"}`)
	}
	item := func(name string) string {
		return `{"id":"https://HOST/vaults/myvault/secrets/` + name + `","contentType":"c","attributes":{"enabled":true,"created":1700000000,"updated":1700000000,"recoveryLevel":"Recoverable+Purgeable","recoverableDays":90}}`
	}
	page := func(names []string) []any {
		out := []any{}
		for _, n := range names {
			out = append(out, js(t, item(n)))
		}
		return out
	}

	first := e.call(http.MethodGet, "/vaults/myvault/secrets", "")
	body := first.body.(map[string]any)
	if diff := cmp.Diff(page(names[:25]), body["value"]); diff != "" {
		t.Errorf("first page (-want +got):\n%s", diff)
	}
	next, _ := body["nextLink"].(string)
	if !strings.HasPrefix(next, "https://HOST/vaults/myvault/secrets?api-version="+apiVersion+"&$skiptoken=") {
		t.Fatalf("nextLink = %q", next)
	}
	second := e.send(http.MethodGet, strings.Replace(next, "https://HOST", e.srv.URL, 1), "", map[string]string{"Authorization": "Bearer " + testToken})
	want := map[string]any{"value": page(names[25:]), "nextLink": nil}
	if diff := cmp.Diff(any(want), second.body); diff != "" {
		t.Errorf("second page (-want +got):\n%s", diff)
	}

	// maxresults pages of 10, and the links carry it.
	var got []string
	link := e.srv.URL + "/vaults/myvault/secrets?api-version=7.4&maxresults=10"
	pages := 0
	for link != "" {
		r := e.send(http.MethodGet, link, "", map[string]string{"Authorization": "Bearer " + testToken})
		pages++
		b := r.body.(map[string]any)
		for _, v := range b["value"].([]any) {
			id := v.(map[string]any)["id"].(string)
			got = append(got, id[strings.LastIndex(id, "/")+1:])
		}
		link = ""
		if n, ok := b["nextLink"].(string); ok {
			if !strings.Contains(n, "api-version=7.4") || !strings.HasSuffix(n, "&maxresults=10") {
				t.Errorf("nextLink %q lacks api-version or maxresults", n)
			}
			link = strings.Replace(n, "https://HOST", e.srv.URL, 1)
		}
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3", pages)
	}
	if diff := cmp.Diff(names, got); diff != "" {
		t.Errorf("names over maxresults pages (-want +got):\n%s", diff)
	}
	if strings.Contains(first.raw, `"value":"v-`) {
		t.Errorf("list carries secret values: %s", first.raw)
	}

	for _, q := range []string{"maxresults=0", "maxresults=26", "maxresults=x", "$skiptoken=%21%21"} {
		r := e.call(http.MethodGet, "/vaults/myvault/secrets?api-version="+apiVersion+"&"+q, "")
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: status = %d, want 400", q, r.status)
		}
	}
	if r := e.call(http.MethodGet, "/vaults/emptyvault/secrets", ""); r.raw != `{"value":[],"nextLink":null}` {
		t.Errorf("empty vault list = %s", r.raw)
	}
}

func TestListVersions(t *testing.T) {
	e := newEnv(t)
	var versions []string
	for i := 0; i < 3; i++ {
		versions = append(versions, versionOf(t, e.call(http.MethodPut, "/vaults/myvault/secrets/s1", fmt.Sprintf(`{"value":"v%d"}`, i))))
		e.clock.advance(1)
	}
	r := e.call(http.MethodGet, "/vaults/myvault/secrets/s1/versions?api-version="+apiVersion+"&maxresults=2", "")
	b := r.body.(map[string]any)
	next, _ := b["nextLink"].(string)
	wantNext := "https://HOST/vaults/myvault/secrets/s1/versions?api-version=" + apiVersion + "&$skiptoken="
	if !strings.HasPrefix(next, wantNext) || !strings.HasSuffix(next, "&maxresults=2") {
		t.Errorf("nextLink = %q", next)
	}
	r2 := e.send(http.MethodGet, strings.Replace(next, "https://HOST", e.srv.URL, 1), "", map[string]string{"Authorization": "Bearer " + testToken})
	var got []string
	for _, page := range []response{r, r2} {
		for _, v := range page.body.(map[string]any)["value"].([]any) {
			m := v.(map[string]any)
			if _, ok := m["value"]; ok {
				t.Errorf("version item carries a value: %v", m)
			}
		}
	}
	for _, raw := range []string{r.raw, r2.raw} {
		for _, m := range versionRE.FindAllString(raw, -1) {
			got = append(got, m)
		}
	}
	if diff := cmp.Diff(versions, got); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	if r2.body.(map[string]any)["nextLink"] != nil {
		t.Errorf("last page nextLink = %v, want null", r2.body.(map[string]any)["nextLink"])
	}
	if r := e.call(http.MethodGet, "/vaults/myvault/secrets/nosuch/versions", ""); r.status != http.StatusOK || r.raw != `{"value":[],"nextLink":null}` {
		t.Errorf("versions of unknown secret: %d %s", r.status, r.raw)
	}
}

func TestSoftDeleteLifecycle(t *testing.T) {
	e := newEnv(t)
	e.call(http.MethodPut, "/vaults/myvault/secrets/s1", `{"value":"one","tags":{"k":"v"}}`)
	e.call(http.MethodPut, "/vaults/myvault/secrets/s2", `{"value":"two"}`)
	e.clock.advance(100)

	del := e.call(http.MethodDelete, "/vaults/myvault/secrets/s1", "")
	wantDeleted := js(t, `{
		"recoveryId": "https://HOST/vaults/myvault/deletedsecrets/s1",
		"deletedDate": 1700000100, "scheduledPurgeDate": 1707776100,
		"id": "https://HOST/vaults/myvault/secrets/s1/VERSION",
		"tags": {"k": "v"},
		"attributes": {"enabled": true, "created": 1700000000, "updated": 1700000000, "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90}
	}`)
	if del.status != http.StatusOK {
		t.Fatalf("DELETE status = %d: %s", del.status, del.raw)
	}
	if diff := cmp.Diff(wantDeleted, del.body); diff != "" {
		t.Errorf("DELETE body (-want +got):\n%s", diff)
	}
	if r := e.call(http.MethodGet, "/vaults/myvault/secrets/s1", ""); r.status != http.StatusNotFound {
		t.Errorf("GET of deleted secret: status = %d, want 404", r.status)
	}
	if r := e.call(http.MethodGet, "/vaults/myvault/secrets/s1/versions", ""); r.raw != `{"value":[],"nextLink":null}` {
		t.Errorf("versions of deleted secret = %s", r.raw)
	}
	if r := e.call(http.MethodDelete, "/vaults/myvault/secrets/s1", ""); r.status != http.StatusNotFound {
		t.Errorf("second DELETE: status = %d, want 404", r.status)
	}
	list := e.call(http.MethodGet, "/vaults/myvault/secrets", "")
	if strings.Contains(list.raw, "/s1") {
		t.Errorf("list shows the deleted secret: %s", list.raw)
	}

	conflict := e.call(http.MethodPut, "/vaults/myvault/secrets/S1", `{"value":"again"}`)
	wantConflict := js(t, `{"error":{"code":"Conflict","message":"Secret S1 is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.","innererror":{"code":"ObjectIsDeletedButRecoverable"}}}`)
	if conflict.status != http.StatusConflict {
		t.Errorf("PUT of deleted name: status = %d, want 409", conflict.status)
	}
	if diff := cmp.Diff(wantConflict, conflict.body); diff != "" {
		t.Errorf("PUT of deleted name (-want +got):\n%s", diff)
	}

	if diff := cmp.Diff(wantDeleted, e.call(http.MethodGet, "/vaults/myvault/deletedsecrets/s1", "").body); diff != "" {
		t.Errorf("GET deleted (-want +got):\n%s", diff)
	}
	wantList := js(t, `{"value":[{
		"recoveryId": "https://HOST/vaults/myvault/deletedsecrets/s1",
		"deletedDate": 1700000100, "scheduledPurgeDate": 1707776100,
		"id": "https://HOST/vaults/myvault/secrets/s1",
		"tags": {"k": "v"},
		"attributes": {"enabled": true, "created": 1700000000, "updated": 1700000000, "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90}
	}],"nextLink":null}`)
	if diff := cmp.Diff(wantList, e.call(http.MethodGet, "/vaults/myvault/deletedsecrets", "").body); diff != "" {
		t.Errorf("list deleted (-want +got):\n%s", diff)
	}

	rec := e.call(http.MethodPost, "/vaults/myvault/deletedsecrets/s1/recover", "")
	wantRecovered := js(t, `{"id":"https://HOST/vaults/myvault/secrets/s1/VERSION","tags":{"k":"v"},
		"attributes":{"enabled":true,"created":1700000000,"updated":1700000000,"recoveryLevel":"Recoverable+Purgeable","recoverableDays":90}}`)
	if rec.status != http.StatusOK {
		t.Fatalf("recover status = %d: %s", rec.status, rec.raw)
	}
	if diff := cmp.Diff(wantRecovered, rec.body); diff != "" {
		t.Errorf("recover body (-want +got):\n%s", diff)
	}
	if r := e.call(http.MethodGet, "/vaults/myvault/secrets/s1", ""); r.status != http.StatusOK || !strings.Contains(r.raw, `"value":"one"`) {
		t.Errorf("GET after recover: %d %s", r.status, r.raw)
	}

	e.call(http.MethodDelete, "/vaults/myvault/secrets/s1", "")
	purge := e.call(http.MethodDelete, "/vaults/myvault/deletedsecrets/s1", "")
	if purge.status != http.StatusNoContent || purge.raw != "" {
		t.Errorf("purge: %d %q, want 204 and no body", purge.status, purge.raw)
	}
	if r := e.call(http.MethodGet, "/vaults/myvault/deletedsecrets/s1", ""); r.status != http.StatusNotFound {
		t.Errorf("GET deleted after purge: status = %d, want 404", r.status)
	}
	put := e.call(http.MethodPut, "/vaults/myvault/secrets/s1", `{"value":"fresh"}`)
	if put.status != http.StatusOK {
		t.Fatalf("PUT after purge: status = %d", put.status)
	}
	if n := len(versionRE.FindAllString(e.call(http.MethodGet, "/vaults/myvault/secrets/s1/versions", "").raw, -1)); n != 1 {
		t.Errorf("versions after purge and re-create = %d, want 1", n)
	}
	if diff := cmp.Diff([]string{"one", "two", "fresh"}, e.kv.SecretValues()); diff != "" {
		t.Errorf("SecretValues() (-want +got):\n%s", diff)
	}
}

func TestScheduledPurge(t *testing.T) {
	e := newEnv(t)
	e.call(http.MethodPut, "/vaults/myvault/secrets/s1", `{"value":"v"}`)
	e.call(http.MethodDelete, "/vaults/myvault/secrets/s1", "")
	e.clock.advance(90*24*60*60 - 1)
	if r := e.call(http.MethodGet, "/vaults/myvault/deletedsecrets/s1", ""); r.status != http.StatusOK {
		t.Fatalf("deleted secret gone before its purge date: %d", r.status)
	}
	e.clock.advance(1)
	if r := e.call(http.MethodGet, "/vaults/myvault/deletedsecrets/s1", ""); r.status != http.StatusNotFound {
		t.Errorf("deleted secret still there at its purge date: %d", r.status)
	}
	if r := e.call(http.MethodPut, "/vaults/myvault/secrets/s1", `{"value":"w"}`); r.status != http.StatusOK {
		t.Errorf("PUT after scheduled purge: %d", r.status)
	}
	if diff := cmp.Diff([]string{"myvault"}, e.kv.Vaults()); diff != "" {
		t.Errorf("Vaults() (-want +got):\n%s", diff)
	}
}

func TestStateRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.call(http.MethodPut, "/vaults/vault-a/secrets/s1", `{"value":"a1","tags":{"k":"v"},"attributes":{"exp":1800000000}}`)
	e.call(http.MethodPut, "/vaults/vault-b/secrets/s2", `{"value":"b2"}`)
	e.call(http.MethodPut, "/vaults/vault-b/secrets/gone", `{"value":"purged-value"}`)
	e.call(http.MethodDelete, "/vaults/vault-b/secrets/s2", "")
	e.call(http.MethodDelete, "/vaults/vault-b/secrets/gone", "")
	e.call(http.MethodDelete, "/vaults/vault-b/deletedsecrets/gone", "")
	doc, err := e.kv.MarshalState()
	if err != nil {
		t.Fatal(err)
	}

	e2 := newEnv(t)
	if err := e2.kv.UnmarshalState(doc); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"/vaults/vault-a/secrets/s1",
		"/vaults/vault-a/secrets",
		"/vaults/vault-b/deletedsecrets/s2",
		"/vaults/vault-b/deletedsecrets",
	} {
		a, b := e.call(http.MethodGet, path, ""), e2.call(http.MethodGet, path, "")
		if diff := cmp.Diff(a.body, b.body); diff != "" {
			t.Errorf("GET %s before and after restore (-before +after):\n%s", path, diff)
		}
	}
	if diff := cmp.Diff(e.kv.Vaults(), e2.kv.Vaults()); diff != "" {
		t.Errorf("Vaults() (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a1", "b2", "purged-value"}, e2.kv.SecretValues()); diff != "" {
		t.Errorf("SecretValues() after restore (-want +got):\n%s", diff)
	}

	for _, bad := range []string{
		`not json`,
		`{"formatVersion":2,"vaults":{}}`,
		`{"formatVersion":1,"vaults":{"x":{}}}`,
		`{"formatVersion":1,"vaults":{"okvault":{"secrets":{"s":{"name":"s","versions":[]}}}}}`,
		`{"formatVersion":1,"vaults":{"okvault":{"secrets":{"s":{"name":"t","versions":[{"id":"00000000000000000000000000000000"}]}}}}}`,
		`{"formatVersion":1,"vaults":{"okvault":{"secrets":{"s":{"name":"s","versions":[{"id":"short"}]}}}}}`,
	} {
		if err := e2.kv.UnmarshalState([]byte(bad)); err == nil {
			t.Errorf("UnmarshalState(%s) succeeded", bad)
		}
	}
	if diff := cmp.Diff(e.kv.Vaults(), e2.kv.Vaults()); diff != "" {
		t.Errorf("a rejected state changed Vaults() (-before +after):\n%s", diff)
	}
	if err := e2.kv.UnmarshalState([]byte(`{"formatVersion":1}`)); err != nil {
		t.Errorf("empty state: %v", err)
	}
	if got := e2.kv.Vaults(); len(got) != 0 {
		t.Errorf("Vaults() after empty state = %v", got)
	}
}

func TestConcurrentWrites(t *testing.T) {
	e := newEnv(t)
	const writers, each = 8, 10
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				req, _ := http.NewRequest(http.MethodPut, e.srv.URL+"/vaults/myvault/secrets/shared?api-version="+apiVersion,
					strings.NewReader(fmt.Sprintf(`{"value":"w%d-%d"}`, w, i)))
				req.Header.Set("Authorization", "Bearer "+testToken)
				resp, err := e.srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				lr, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/vaults/myvault/secrets?api-version="+apiVersion, nil)
				lr.Header.Set("Authorization", "Bearer "+testToken)
				if resp, err = e.srv.Client().Do(lr); err == nil {
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	n := 0
	link := e.srv.URL + "/vaults/myvault/secrets/shared/versions?api-version=" + apiVersion
	for link != "" {
		r := e.send(http.MethodGet, link, "", map[string]string{"Authorization": "Bearer " + testToken})
		b := r.body.(map[string]any)
		n += len(b["value"].([]any))
		link = ""
		if next, ok := b["nextLink"].(string); ok {
			link = strings.Replace(next, "https://HOST", e.srv.URL, 1)
		}
	}
	if n != writers*each {
		t.Errorf("versions = %d, want %d", n, writers*each)
	}
	if got := len(e.kv.SecretValues()); got != writers*each {
		t.Errorf("SecretValues() has %d values, want %d", got, writers*each)
	}
}

func TestDatesAreInformational(t *testing.T) {
	e := newEnv(t)
	for name, attrs := range map[string]string{
		"expired":       `{"exp":1699999000}`,
		"not-yet-valid": `{"nbf":1800000000}`,
	} {
		e.call(http.MethodPut, "/vaults/myvault/secrets/"+name, `{"value":"v","attributes":`+attrs+`}`)
		if r := e.call(http.MethodGet, "/vaults/myvault/secrets/"+name, ""); r.status != http.StatusOK {
			t.Errorf("GET of %s secret: status = %d, want 200", name, r.status)
		}
	}
}
