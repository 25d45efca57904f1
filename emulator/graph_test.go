package emulator

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

func TestAuthentication(t *testing.T) {
	h := start(t, Options{})
	tests := []struct {
		name, auth, wantMsg string
	}{
		{"no token", "", "Access token is empty."},
		{"wrong token", "Bearer nope", "Access token validation failure. Invalid audience."},
		{"wrong scheme", "Basic " + h.e.Token(), "Access token validation failure. Invalid audience."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.doAuth("GET", "/v1.0/applications", nil, tc.auth)
			r.must(t, http.StatusUnauthorized)
			if diff := cmp.Diff([]string{"InvalidAuthenticationToken", tc.wantMsg}, []string{r.errCode(), r.errMessage()}); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorShape(t *testing.T) {
	h := start(t, Options{})
	r := h.do("GET", "/v1.0/applications/"+uuid.NewString(), nil, "client-request-id", "abc-123").must(t, http.StatusNotFound)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json…", ct)
	}
	e := r.body["error"].(map[string]any)
	inner := e["innerError"].(map[string]any)
	got := map[string]any{
		"code": e["code"], "hasMessage": e["message"] != "", "client-request-id": inner["client-request-id"],
		"request-id is a GUID": uuid.Validate(inner["request-id"].(string)) == nil,
		"date":                 inner["date"],
	}
	want := map[string]any{
		"code": "Request_ResourceNotFound", "hasMessage": true, "client-request-id": "abc-123",
		"request-id is a GUID": true, "date": "2026-03-01T12:00:00",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error body (-want +got):\n%s", diff)
	}
}

func TestCreateApplicationDefaults(t *testing.T) {
	h := start(t, Options{})
	// The SDK gzips bodies and adds @odata.type.
	body := gzipped(t, map[string]any{"@odata.type": "#microsoft.graph.application", "displayName": "Display name", "web": map[string]any{"redirectUris": []any{}}})
	r := h.do("POST", "/v1.0/applications", body, "Content-Encoding", "gzip").must(t, http.StatusCreated)
	for _, k := range []string{"id", "appId"} {
		if uuid.Validate(r.str(k)) != nil {
			t.Errorf("%s = %q, want a GUID", k, r.str(k))
		}
	}
	got := map[string]any{}
	for _, k := range []string{"displayName", "signInAudience", "createdDateTime", "identifierUris", "tags", "appRoles",
		"passwordCredentials", "keyCredentials", "requiredResourceAccess", "publicClient", "spa", "api", "web", "publisherDomain"} {
		got[k] = r.body[k]
	}
	want := map[string]any{
		"displayName": "Display name", "signInAudience": "AzureADMyOrg", "createdDateTime": "2026-03-01T12:00:00Z",
		"identifierUris": []any{}, "tags": []any{}, "appRoles": []any{}, "passwordCredentials": []any{},
		"keyCredentials": []any{}, "requiredResourceAccess": []any{},
		"publicClient": map[string]any{"redirectUris": []any{}}, "spa": map[string]any{"redirectUris": []any{}},
		"api": map[string]any{"acceptMappedClaims": nil, "knownClientApplications": []any{}, "oauth2PermissionScopes": []any{},
			"preAuthorizedApplications": []any{}, "requestedAccessTokenVersion": nil},
		"web": map[string]any{"homePageUrl": nil, "logoutUrl": nil, "redirectUris": []any{}, "redirectUriSettings": []any{},
			"implicitGrantSettings": map[string]any{"enableAccessTokenIssuance": false, "enableIdTokenIssuance": false}},
		"publisherDomain": "contoso.onmicrosoft.com",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created application (-want +got):\n%s", diff)
	}
}

func TestBadBodies(t *testing.T) {
	h := start(t, Options{})
	app := h.createApp(map[string]any{"displayName": "a"})
	tests := []struct {
		name, method, path string
		body               any
		wantCode           string
	}{
		{"no displayName", "POST", "/v1.0/applications", map[string]any{"tags": []any{}}, "Request_BadRequest"},
		{"unknown property", "POST", "/v1.0/applications", map[string]any{"displayName": "x", "colour": "red"}, "Request_BadRequest"},
		{"unknown nested property", "POST", "/v1.0/applications", map[string]any{"displayName": "x", "web": map[string]any{"redirects": []any{}}}, "Request_BadRequest"},
		{"string for bool", "POST", "/v1.0/applications", map[string]any{"displayName": "x", "isFallbackPublicClient": "yes"}, "Request_BadRequest"},
		{"number for string", "PATCH", "/v1.0/applications/" + app.str("id"), map[string]any{"displayName": 5}, "Request_BadRequest"},
		{"object for collection", "PATCH", "/v1.0/applications/" + app.str("id"), map[string]any{"tags": map[string]any{}}, "Request_BadRequest"},
		{"non-GUID role id", "PATCH", "/v1.0/applications/" + app.str("id"), map[string]any{"appRoles": []any{map[string]any{"id": "x"}}}, "Request_BadRequest"},
		{"float for int", "PATCH", "/v1.0/applications/" + app.str("id"), map[string]any{"api": map[string]any{"requestedAccessTokenVersion": 1.5}}, "Request_BadRequest"},
		{"not JSON", "POST", "/v1.0/applications", "{", "Request_BadRequest"},
		{"array body", "POST", "/v1.0/applications", "[]", "Request_BadRequest"},
		{"passwordCredentials by PATCH", "PATCH", "/v1.0/applications/" + app.str("id"), map[string]any{"passwordCredentials": []any{}}, "Request_BadRequest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(tc.method, tc.path, tc.body).must(t, http.StatusBadRequest)
			if r.errCode() != tc.wantCode || r.errMessage() == "" {
				t.Errorf("error %q %q, want code %q and a message", r.errCode(), r.errMessage(), tc.wantCode)
			}
		})
	}
}

func TestGetApplicationByIDAndAppID(t *testing.T) {
	h := start(t, Options{})
	app := h.createApp(map[string]any{"displayName": "a"})
	for _, path := range []string{
		"/v1.0/applications/" + app.str("id"),
		"/v1.0/applications(appId='" + app.str("appId") + "')",
	} {
		r := h.do("GET", path, nil).must(t, http.StatusOK)
		if diff := cmp.Diff([]string{app.str("id"), app.str("appId")}, []string{r.str("id"), r.str("appId")}); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", path, diff)
		}
	}
	r := h.do("GET", "/v1.0/applications/"+app.str("id")+"?$select=id,displayName", nil).must(t, http.StatusOK)
	delete(r.body, "@odata.context")
	if diff := cmp.Diff(map[string]any{"id": app.str("id"), "displayName": "a"}, r.body); diff != "" {
		t.Errorf("$select (-want +got):\n%s", diff)
	}
	h.do("GET", "/v1.0/applications(appId='"+uuid.NewString()+"')", nil).must(t, http.StatusNotFound)
}

func TestListApplicationsFilters(t *testing.T) {
	h := start(t, Options{})
	var apps []resp
	for i, spec := range []map[string]any{
		{"displayName": "Portal", "tags": []any{"regsync:set=a", "regsync:key=portal"}},
		{"displayName": "Portal Admin", "tags": []any{"regsync:set=a"}, "identifierUris": []any{"api://portal-admin"}},
		{"displayName": "Loader", "tags": []any{"regsync:set=b"}},
		{"displayName": "O'Brien", "tags": []any{}},
	} {
		_ = i
		apps = append(apps, h.createApp(spec))
	}
	id := func(i int) string { return apps[i].str("appId") }
	tests := []struct {
		filter string
		want   []string // displayNames
	}{
		{"appId eq '" + id(2) + "'", []string{"Loader"}},
		{"displayName eq 'portal'", []string{"Portal"}},
		{"startsWith(displayName,'Portal')", []string{"Portal", "Portal Admin"}},
		{"tags/any(t:t eq 'regsync:set=a')", []string{"Portal", "Portal Admin"}},
		{"tags/any(t:t eq 'regsync:set=a') and displayName eq 'Portal Admin'", []string{"Portal Admin"}},
		{"identifierUris/any(x:x eq 'api://portal-admin')", []string{"Portal Admin"}},
		{"appId in ('" + id(0) + "', '" + id(2) + "')", []string{"Portal", "Loader"}},
		{"displayName eq 'O''Brien'", []string{"O'Brien"}},
		{"tags/any(t:startsWith(t,'regsync:key='))", []string{"Portal"}},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			r := h.do("GET", "/v1.0/applications?$filter="+urlEncode(tc.filter), nil).must(t, http.StatusOK)
			var got []string
			for _, v := range r.values() {
				got = append(got, v["displayName"].(string))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	bad := []struct {
		query, code string
	}{
		{"$top=0", "Request_BadRequest"},
		{"$top=1000", "Request_BadRequest"},
		{"$top=x", "Request_BadRequest"},
		{"$filter=" + urlEncode("web eq 'x'"), "Request_UnsupportedQuery"},
		{"$filter=" + urlEncode("displayName ne 'x'"), "Request_UnsupportedQuery"},
		{"$filter=" + urlEncode("endsWith(displayName,'x')"), "Request_UnsupportedQuery"},
		{"$filter=" + urlEncode("displayName eq"), "Request_BadRequest"},
		{"$select=nope", "Request_BadRequest"},
		{"$skip=2", "Request_BadRequest"},
		{"$search=" + urlEncode(`"displayName:x"`), "Request_UnsupportedQuery"},
		{"$skiptoken=garbage", "Request_BadRequest"},
	}
	for _, tc := range bad {
		t.Run(tc.query, func(t *testing.T) {
			r := h.do("GET", "/v1.0/applications?"+tc.query, nil).must(t, http.StatusBadRequest)
			if r.errCode() != tc.code {
				t.Errorf("code %q, want %q (%s)", r.errCode(), tc.code, r.errMessage())
			}
		})
	}
	t.Run("ne with advanced query parameters", func(t *testing.T) {
		r := h.do("GET", "/v1.0/applications?$count=true&$filter="+urlEncode("displayName ne 'Loader'"), nil, "ConsistencyLevel", "eventual").must(t, http.StatusOK)
		if got := r.body["@odata.count"]; got != float64(3) {
			t.Errorf("@odata.count = %v, want 3", got)
		}
	})
	t.Run("select", func(t *testing.T) {
		r := h.do("GET", "/v1.0/applications?$select=id,appId&$filter="+urlEncode("displayName eq 'Loader'"), nil).must(t, http.StatusOK)
		want := []map[string]any{{"id": apps[2].str("id"), "appId": id(2)}}
		if diff := cmp.Diff(want, r.values()); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if !strings.HasSuffix(r.str("@odata.context"), "/$metadata#applications(id,appId)") {
			t.Errorf("@odata.context = %q", r.str("@odata.context"))
		}
	})
}

func urlEncode(s string) string {
	return strings.NewReplacer(" ", "%20", "'", "%27", "(", "%28", ")", "%29", "/", "%2F", ":", "%3A", ",", "%2C", "\"", "%22").Replace(s)
}

func TestPaging(t *testing.T) {
	h := start(t, Options{})
	for i := range 7 {
		h.createApp(map[string]any{"displayName": fmt.Sprintf("app-%d", i), "tags": []any{"paged"}})
	}
	h.createApp(map[string]any{"displayName": "other"})
	path := "/v1.0/applications?$filter=" + urlEncode("tags/any(t:t eq 'paged')") + "&$select=displayName&$top=3"
	var names []string
	var links []string
	next := path
	for next != "" {
		r := h.do("GET", next, nil).must(t, http.StatusOK)
		for _, v := range r.values() {
			names = append(names, v["displayName"].(string))
		}
		next = r.str("@odata.nextLink")
		if next != "" {
			links = append(links, next)
		}
	}
	if diff := cmp.Diff([]string{"app-0", "app-1", "app-2", "app-3", "app-4", "app-5", "app-6"}, names); diff != "" {
		t.Errorf("names across pages (-want +got):\n%s", diff)
	}
	if len(links) != 2 {
		t.Fatalf("got %d nextLinks, want 2", len(links))
	}
	for _, l := range links {
		if !strings.HasPrefix(l, h.e.GraphURL()+"/applications?") || !strings.Contains(l, "$top=3") ||
			!strings.Contains(l, "$select=displayName") || !strings.Contains(l, "$filter=") || !strings.Contains(l, "$skiptoken=") {
			t.Errorf("nextLink %q does not carry the absolute URL and every original query option", l)
		}
	}
	// Default page size is 100.
	for i := range 100 {
		h.createApp(map[string]any{"displayName": fmt.Sprintf("bulk-%d", i)})
	}
	r := h.do("GET", "/v1.0/applications", nil).must(t, http.StatusOK)
	if len(r.values()) != 100 || r.str("@odata.nextLink") == "" {
		t.Errorf("default page: %d items, nextLink %q; want 100 and a link", len(r.values()), r.str("@odata.nextLink"))
	}
	r = h.do("GET", "/v1.0/applications?$top=999", nil).must(t, http.StatusOK)
	if len(r.values()) != 108 || r.str("@odata.nextLink") != "" {
		t.Errorf("$top=999: %d items, nextLink %q; want 108 and none", len(r.values()), r.str("@odata.nextLink"))
	}
}

func TestExpand(t *testing.T) {
	h := start(t, Options{})
	app := h.createApp(map[string]any{"displayName": "a", "tags": []any{"x"}})
	id := app.str("id")
	h.do("POST", "/v1.0/applications/"+id+"/federatedIdentityCredentials", ficBody("gh")).must(t, http.StatusCreated)
	r := h.do("GET", "/v1.0/applications?$expand=owners,federatedIdentityCredentials&$select=id&$filter="+urlEncode("tags/any(t:t eq 'x')"), nil).must(t, http.StatusOK)
	v := r.values()[0]
	owners := v["owners"].([]any)
	fics := v["federatedIdentityCredentials"].([]any)
	got := []string{owners[0].(map[string]any)["id"].(string), owners[0].(map[string]any)["@odata.type"].(string), fics[0].(map[string]any)["name"].(string)}
	if diff := cmp.Diff([]string{CallerSPID, "#microsoft.graph.servicePrincipal", "gh"}, got); diff != "" {
		t.Errorf("expanded (-want +got):\n%s", diff)
	}
	h.do("GET", "/v1.0/applications?$expand=tokenIssuancePolicies", nil).must(t, http.StatusBadRequest)
}

func TestPatchApplication(t *testing.T) {
	h := start(t, Options{})
	app := h.createApp(map[string]any{
		"displayName": "a", "tags": []any{"x", "y"}, "notes": "n",
		"web": map[string]any{"homePageUrl": "https://portal.contoso.com", "redirectUris": []any{"https://portal.contoso.com/a"}},
	})
	path := "/v1.0/applications/" + app.str("id")
	r := h.do("PATCH", path, map[string]any{
		"@odata.type": "#microsoft.graph.application",
		"tags":        []any{"z"},
		"notes":       nil,
		"web":         map[string]any{"redirectUris": []any{"https://portal.contoso.com/b"}},
	}).must(t, http.StatusNoContent)
	if len(r.raw) != 0 {
		t.Errorf("PATCH body %q, want empty", r.raw)
	}
	got := h.do("GET", path, nil).must(t, http.StatusOK)
	want := map[string]any{
		"tags": []any{"z"}, "notes": nil, "displayName": "a",
		"homePageUrl": "https://portal.contoso.com", "redirectUris": []any{"https://portal.contoso.com/b"},
	}
	web := got.body["web"].(map[string]any)
	gotm := map[string]any{"tags": got.body["tags"], "notes": got.body["notes"], "displayName": got.body["displayName"],
		"homePageUrl": web["homePageUrl"], "redirectUris": web["redirectUris"]}
	if diff := cmp.Diff(want, gotm); diff != "" {
		t.Errorf("after PATCH (-want +got):\n%s", diff)
	}
	// Read-only properties copied from a GET are ignored.
	h.do("PATCH", path, map[string]any{"id": app.str("id"), "appId": app.str("appId"), "displayName": "b"}).must(t, http.StatusNoContent)
	// By appId.
	h.do("PATCH", "/v1.0/applications(appId='"+app.str("appId")+"')", map[string]any{"displayName": "c"}).must(t, http.StatusNoContent)
	if n := h.do("GET", path, nil).str("displayName"); n != "c" {
		t.Errorf("displayName %q, want c", n)
	}
}

func TestDeleteApplication(t *testing.T) {
	h := start(t, Options{})
	app := h.createApp(map[string]any{"displayName": "a"})
	h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": app.str("appId")}).must(t, http.StatusCreated)
	path := "/v1.0/applications/" + app.str("id")
	h.do("DELETE", path, nil).must(t, http.StatusNoContent)
	h.do("GET", path, nil).must(t, http.StatusNotFound)
	h.do("DELETE", path, nil).must(t, http.StatusNotFound)
	d := h.do("GET", "/v1.0/directory/deletedItems/"+app.str("id"), nil).must(t, http.StatusOK)
	if d.str("@odata.type") != "#microsoft.graph.application" || d.str("deletedDateTime") == "" {
		t.Errorf("deleted item %s", d.raw)
	}
	l := h.do("GET", "/v1.0/directory/deletedItems/microsoft.graph.application", nil).must(t, http.StatusOK)
	if len(l.values()) != 1 {
		t.Errorf("deleted applications: %d, want 1", len(l.values()))
	}
	// The app's service principal goes with it.
	sps := h.do("GET", "/v1.0/servicePrincipals?$filter="+urlEncode("appId eq '"+app.str("appId")+"'"), nil).must(t, http.StatusOK)
	if len(sps.values()) != 0 {
		t.Errorf("service principal of a deleted app still listed")
	}
	h.do("DELETE", "/v1.0/directory/deletedItems/"+app.str("id"), nil).must(t, http.StatusNoContent)
	h.do("GET", "/v1.0/directory/deletedItems/"+app.str("id"), nil).must(t, http.StatusNotFound)
}

var secretShape = regexp.MustCompile(`^[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{34}$`)

func TestPasswords(t *testing.T) {
	h := start(t, Options{})
	app := h.createApp(map[string]any{"displayName": "a"})
	path := "/v1.0/applications/" + app.str("id")
	r := h.do("POST", path+"/addPassword", map[string]any{"passwordCredential": map[string]any{"displayName": "regsync"}}).must(t, http.StatusOK)
	secret := r.str("secretText")
	if !secretShape.MatchString(secret) {
		t.Errorf("secretText does not have Entra's shape (40 chars, digit + Q~ at offset 3)")
	}
	got := map[string]any{"hint": r.str("hint") == secret[:3], "start": r.str("startDateTime"), "end": r.str("endDateTime"),
		"displayName": r.str("displayName"), "keyId": uuid.Validate(r.str("keyId")) == nil}
	want := map[string]any{"hint": true, "start": "2026-03-01T12:00:00Z", "end": "2028-03-01T12:00:00Z", "displayName": "regsync", "keyId": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("addPassword (-want +got):\n%s", diff)
	}
	second := h.do("POST", path+"/addPassword", map[string]any{"passwordCredential": map[string]any{"endDateTime": "2026-06-01T00:00:00Z"}}).must(t, http.StatusOK)
	if second.str("secretText") == secret {
		t.Errorf("two addPassword calls returned the same secret")
	}
	if second.str("endDateTime") != "2026-06-01T00:00:00Z" {
		t.Errorf("endDateTime %q", second.str("endDateTime"))
	}
	g := h.do("GET", path, nil).must(t, http.StatusOK)
	if strings.Contains(string(g.raw), secret) {
		t.Errorf("a GET returned the secret")
	}
	creds := g.body["passwordCredentials"].([]any)
	if len(creds) != 2 || creds[0].(map[string]any)["secretText"] != nil {
		t.Errorf("passwordCredentials after GET: %v", creds)
	}
	h.do("POST", path+"/removePassword", map[string]any{"keyId": uuid.NewString()}).must(t, http.StatusBadRequest)
	h.do("POST", path+"/removePassword", map[string]any{"keyId": "not-a-guid"}).must(t, http.StatusBadRequest)
	h.do("POST", path+"/removePassword", map[string]any{"keyId": r.str("keyId")}).must(t, http.StatusNoContent)
	g = h.do("GET", path, nil).must(t, http.StatusOK)
	if n := len(g.body["passwordCredentials"].([]any)); n != 1 {
		t.Errorf("%d credentials after removePassword, want 1", n)
	}
	h.do("POST", path+"/addPassword", map[string]any{"passwordCredential": map[string]any{"startDateTime": "2026-06-01T00:00:00Z", "endDateTime": "2026-05-01T00:00:00Z"}}).must(t, http.StatusBadRequest)
}

func TestOwners(t *testing.T) {
	h := start(t, Options{})
	app := h.createApp(map[string]any{"displayName": "a"})
	path := "/v1.0/applications/" + app.str("id") + "/owners"
	ids := func() []string {
		var out []string
		for _, v := range h.do("GET", path, nil).must(t, http.StatusOK).values() {
			out = append(out, v["id"].(string)+" "+v["@odata.type"].(string))
		}
		return out
	}
	if diff := cmp.Diff([]string{CallerSPID + " #microsoft.graph.servicePrincipal"}, ids()); diff != "" {
		t.Errorf("owners after create (-want +got):\n%s", diff)
	}
	ref := map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + SeedAdminUserID}
	h.do("POST", path+"/$ref", ref).must(t, http.StatusNoContent)
	dup := h.do("POST", path+"/$ref", ref).must(t, http.StatusBadRequest)
	if !strings.Contains(dup.errMessage(), "already exist") {
		t.Errorf("duplicate owner message %q", dup.errMessage())
	}
	h.do("POST", path+"/$ref", map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + uuid.NewString()}).must(t, http.StatusNotFound)
	h.do("POST", path+"/$ref", map[string]any{}).must(t, http.StatusBadRequest)
	if diff := cmp.Diff([]string{CallerSPID + " #microsoft.graph.servicePrincipal", SeedAdminUserID + " #microsoft.graph.user"}, ids()); diff != "" {
		t.Errorf("owners after add (-want +got):\n%s", diff)
	}
	h.do("DELETE", path+"/"+CallerSPID+"/$ref", nil).must(t, http.StatusNoContent)
	h.do("DELETE", path+"/"+CallerSPID+"/$ref", nil).must(t, http.StatusNotFound)
	if diff := cmp.Diff([]string{SeedAdminUserID + " #microsoft.graph.user"}, ids()); diff != "" {
		t.Errorf("owners after delete (-want +got):\n%s", diff)
	}
}

func ficBody(name string) map[string]any {
	return map[string]any{
		"name": name, "issuer": "https://token.actions.githubusercontent.com",
		"subject": "repo:contoso/" + name + ":ref:refs/heads/main", "audiences": []any{"api://AzureADTokenExchange"},
	}
}

func TestFederatedIdentityCredentials(t *testing.T) {
	h := start(t, Options{})
	app := h.createApp(map[string]any{"displayName": "a"})
	path := "/v1.0/applications/" + app.str("id") + "/federatedIdentityCredentials"
	c := h.do("POST", path, ficBody("gh")).must(t, http.StatusCreated)
	h.do("GET", path+"/"+c.str("id"), nil).must(t, http.StatusOK)
	if got := h.do("GET", path+"(name='gh')", nil).must(t, http.StatusOK).str("id"); got != c.str("id") {
		t.Errorf("by name: id %q, want %q", got, c.str("id"))
	}
	if got := h.do("GET", path, nil).must(t, http.StatusOK).values(); len(got) != 1 {
		t.Errorf("list: %d, want 1", len(got))
	}
	dup := h.do("POST", path, ficBody("gh")).must(t, http.StatusConflict)
	if dup.errCode() == "" {
		t.Error("no error code on duplicate name")
	}
	sameSubject := ficBody("other")
	sameSubject["subject"] = ficBody("gh")["subject"]
	h.do("POST", path, sameSubject).must(t, http.StatusBadRequest)
	twoAud := ficBody("two")
	twoAud["audiences"] = []any{"a", "b"}
	h.do("POST", path, twoAud).must(t, http.StatusBadRequest)
	h.do("POST", path, ficBody("bad name")).must(t, http.StatusBadRequest)
	h.do("PATCH", path+"/"+c.str("id"), map[string]any{"subject": "repo:contoso/x:environment:prod"}).must(t, http.StatusNoContent)
	if got := h.do("GET", path+"/"+c.str("id"), nil).str("subject"); got != "repo:contoso/x:environment:prod" {
		t.Errorf("subject after PATCH %q", got)
	}
	h.do("PATCH", path+"/"+c.str("id"), map[string]any{"name": "renamed"}).must(t, http.StatusBadRequest)
	// description: at most 600 characters (not bytes), kept as given.
	long := strings.Repeat("é", 599) + " "
	h.do("PATCH", path+"/"+c.str("id"), map[string]any{"description": long}).must(t, http.StatusNoContent)
	if got := h.do("GET", path+"/"+c.str("id"), nil).str("description"); got != long {
		t.Errorf("description after PATCH: %d characters, want the 600 sent", len([]rune(got)))
	}
	h.do("PATCH", path+"/"+c.str("id"), map[string]any{"description": long + "x"}).must(t, http.StatusBadRequest)
	tooLong := ficBody("too-long")
	tooLong["description"] = long + "x"
	h.do("POST", path, tooLong).must(t, http.StatusBadRequest)
	h.do("DELETE", path+"/"+c.str("id"), nil).must(t, http.StatusNoContent)
	h.do("GET", path+"/"+c.str("id"), nil).must(t, http.StatusNotFound)
	for i := range maxFICs {
		h.do("POST", path, ficBody(fmt.Sprintf("f%d", i))).must(t, http.StatusCreated)
	}
	h.do("POST", path, ficBody("one-too-many")).must(t, http.StatusBadRequest)
}

func TestEntitlementRule(t *testing.T) {
	h := start(t, Options{})
	roleID, scopeID := uuid.NewString(), uuid.NewString()
	roles := func(enabled bool, value string) []any {
		return []any{map[string]any{"id": roleID, "value": value, "displayName": "r", "description": "r", "allowedMemberTypes": []any{"Application"}, "isEnabled": enabled}}
	}
	scopes := func(enabled bool, value string) map[string]any {
		return map[string]any{"oauth2PermissionScopes": []any{map[string]any{"id": scopeID, "value": value, "type": "User", "isEnabled": enabled, "adminConsentDisplayName": "s", "adminConsentDescription": "s"}}}
	}
	app := h.createApp(map[string]any{"displayName": "api", "appRoles": roles(true, "reader"), "api": scopes(true, "user_impersonation")})
	path := "/v1.0/applications/" + app.str("id")
	steps := []struct {
		name   string
		patch  map[string]any
		status int
		code   string
	}{
		{"remove enabled role", map[string]any{"appRoles": []any{}}, 400, "CannotDeleteOrUpdateEnabledEntitlement"},
		{"rename enabled role", map[string]any{"appRoles": roles(true, "writer")}, 400, "CannotDeleteOrUpdateEnabledEntitlement"},
		{"remove enabled scope", map[string]any{"api": map[string]any{"oauth2PermissionScopes": []any{}}}, 400, "CannotDeleteOrUpdateEnabledEntitlement"},
		{"change enabled scope value", map[string]any{"api": scopes(true, "other")}, 400, "CannotDeleteOrUpdateEnabledEntitlement"},
		{"description edit is fine", map[string]any{"appRoles": []any{map[string]any{"id": roleID, "value": "reader", "displayName": "R2", "description": "d2", "allowedMemberTypes": []any{"Application"}, "isEnabled": true}}}, 204, ""},
		{"disable role", map[string]any{"appRoles": roles(false, "reader")}, 204, ""},
		{"remove disabled role", map[string]any{"appRoles": []any{}}, 204, ""},
		{"disable and remove scope in one step", map[string]any{"api": map[string]any{"oauth2PermissionScopes": []any{}}}, 400, "CannotDeleteOrUpdateEnabledEntitlement"},
		{"disable scope", map[string]any{"api": scopes(false, "user_impersonation")}, 204, ""},
		{"rename disabled scope", map[string]any{"api": scopes(false, "renamed")}, 204, ""},
		{"remove disabled scope", map[string]any{"api": map[string]any{"oauth2PermissionScopes": []any{}}}, 204, ""},
	}
	for _, s := range steps {
		r := h.do("PATCH", path, s.patch)
		if r.status != s.status || r.errCode() != s.code {
			t.Errorf("%s: %d %q, want %d %q (%s)", s.name, r.status, r.errCode(), s.status, s.code, r.raw)
		}
	}
}

func TestApplicationRules(t *testing.T) {
	h := start(t, Options{})
	h.createApp(map[string]any{"displayName": "taken", "identifierUris": []any{"https://fhir.contoso.com"}})
	role := func(id, value string) map[string]any {
		return map[string]any{"id": id, "value": value, "displayName": value, "description": value, "allowedMemberTypes": []any{"User"}, "isEnabled": true}
	}
	dupID := uuid.NewString()
	tests := []struct {
		name   string
		body   map[string]any
		status int
		code   string
		detail string
	}{
		{"api:// URI", map[string]any{"identifierUris": []any{"api://anything"}}, 201, "", ""},
		{"initial domain", map[string]any{"identifierUris": []any{"https://contoso.onmicrosoft.com/fhir"}}, 201, "", ""},
		{"verified custom domain", map[string]any{"identifierUris": []any{"https://dicom.contoso.com"}}, 201, "", ""},
		{"unverified domain", map[string]any{"identifierUris": []any{"https://fabrikam.com/api"}}, 400, "HostNameNotOnVerifiedDomain", ""},
		{"lookalike domain", map[string]any{"identifierUris": []any{"https://evilcontoso.com"}}, 400, "HostNameNotOnVerifiedDomain", ""},
		{"duplicate in tenant", map[string]any{"identifierUris": []any{"https://FHIR.contoso.com"}}, 400, "Request_BadRequest", "ObjectConflict"},
		{"wildcard", map[string]any{"identifierUris": []any{"api://*"}}, 400, "Request_BadRequest", ""},
		{"https redirect", map[string]any{"web": map[string]any{"redirectUris": []any{"https://portal.contoso.com/cb"}}}, 201, "", ""},
		{"http localhost redirect", map[string]any{"web": map[string]any{"redirectUris": []any{"http://localhost:8080/cb", "http://127.0.0.1/cb"}}}, 201, "", ""},
		{"http redirect", map[string]any{"web": map[string]any{"redirectUris": []any{"http://portal.contoso.com/cb"}}}, 400, "Request_BadRequest", "InvalidValue"},
		{"spa http redirect", map[string]any{"spa": map[string]any{"redirectUris": []any{"http://viewer.contoso.com"}}}, 400, "Request_BadRequest", "InvalidValue"},
		{"spa localhost", map[string]any{"spa": map[string]any{"redirectUris": []any{"http://localhost:3000"}}}, 201, "", ""},
		{"public client custom scheme", map[string]any{"publicClient": map[string]any{"redirectUris": []any{"msalabc://auth"}}}, 201, "", ""},
		{"web custom scheme", map[string]any{"web": map[string]any{"redirectUris": []any{"msalabc://auth"}}}, 400, "Request_BadRequest", "InvalidValue"},
		{"duplicate role value", map[string]any{"appRoles": []any{role(uuid.NewString(), "r"), role(uuid.NewString(), "r")}}, 400, "Request_BadRequest", ""},
		{"duplicate role id", map[string]any{"appRoles": []any{role(dupID, "a"), role(dupID, "b")}}, 400, "Request_BadRequest", ""},
		{"role without id", map[string]any{"appRoles": []any{map[string]any{"value": "x", "allowedMemberTypes": []any{"User"}}}}, 400, "Request_BadRequest", ""},
		{"SMART role value", map[string]any{"appRoles": []any{role(uuid.NewString(), "patient.Observation.rs?code=loinc.org|85354-9"), role(uuid.NewString(), "a<b>`{c}~")}}, 201, "", ""},
		{"role value with a space", map[string]any{"appRoles": []any{role(uuid.NewString(), "read data")}}, 400, "Request_BadRequest", ""},
		{"role value with a backslash", map[string]any{"appRoles": []any{role(uuid.NewString(), `a\b`)}}, 400, "Request_BadRequest", ""},
		{"role value starting with a dot", map[string]any{"appRoles": []any{role(uuid.NewString(), ".x")}}, 400, "Request_BadRequest", ""},
		{"bad member type", map[string]any{"appRoles": []any{map[string]any{"id": uuid.NewString(), "value": "x", "allowedMemberTypes": []any{"Group"}}}}, 400, "Request_BadRequest", ""},
		{"bad signInAudience", map[string]any{"signInAudience": "Everyone"}, 400, "Request_BadRequest", ""},
		{"bad resourceAccess type", map[string]any{"requiredResourceAccess": []any{map[string]any{"resourceAppId": MicrosoftGraphApp, "resourceAccess": []any{map[string]any{"id": uuid.NewString(), "type": "Delegated"}}}}}, 400, "Request_BadRequest", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.body["displayName"] = tc.name
			r := h.do("POST", "/v1.0/applications", tc.body)
			got := []string{fmt.Sprint(r.status), r.errCode(), r.detailCode()}
			if diff := cmp.Diff([]string{fmt.Sprint(tc.status), tc.code, tc.detail}, got); diff != "" {
				t.Errorf("(-want +got):\n%s\nbody: %s", diff, r.raw)
			}
		})
	}
	// The rules hold on PATCH too, and an app keeps its own URIs.
	own := h.createApp(map[string]any{"displayName": "own", "identifierUris": []any{"api://own"}})
	h.do("PATCH", "/v1.0/applications/"+own.str("id"), map[string]any{"identifierUris": []any{"api://own", "api://own2"}}).must(t, http.StatusNoContent)
	h.do("PATCH", "/v1.0/applications/"+own.str("id"), map[string]any{"identifierUris": []any{"https://fhir.contoso.com"}}).must(t, http.StatusBadRequest)
}

func TestServicePrincipals(t *testing.T) {
	h := start(t, Options{})
	roleID := uuid.NewString()
	app := h.createApp(map[string]any{"displayName": "api", "tags": []any{"regsync:set=a"}, "identifierUris": []any{"api://x"},
		"appRoles": []any{map[string]any{"id": roleID, "value": "reader", "displayName": "r", "description": "r", "allowedMemberTypes": []any{"Application"}, "isEnabled": true}}})
	sp := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"@odata.type": "#microsoft.graph.servicePrincipal", "appId": app.str("appId")}).must(t, http.StatusCreated)
	got := map[string]any{"appId": sp.str("appId"), "displayName": sp.str("displayName"), "type": sp.str("servicePrincipalType"),
		"roles": len(sp.body["appRoles"].([]any)), "names": sp.body["servicePrincipalNames"], "tags": sp.body["tags"], "accountEnabled": sp.body["accountEnabled"]}
	want := map[string]any{"appId": app.str("appId"), "displayName": "api", "type": "Application", "roles": 1,
		"names": []any{app.str("appId"), "api://x"}, "tags": []any{"regsync:set=a"}, "accountEnabled": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created service principal (-want +got):\n%s", diff)
	}
	dup := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": app.str("appId")}).must(t, http.StatusBadRequest)
	if dup.detailCode() != "ObjectConflict" {
		t.Errorf("duplicate: detail %q, want ObjectConflict", dup.detailCode())
	}
	none := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": uuid.NewString()}).must(t, http.StatusBadRequest)
	if none.errCode() != "Request_BadRequest" || none.detailCode() != "NoBackingApplicationObject" {
		t.Errorf("unknown appId: %s", none.raw)
	}
	// Graph's own service principal is seeded; the healthcare ones too.
	for _, a := range []string{MicrosoftGraphApp, HealthcareAPIsApp, DICOMApp} {
		r := h.do("GET", "/v1.0/servicePrincipals(appId='"+a+"')", nil).must(t, http.StatusOK)
		if len(r.body["oauth2PermissionScopes"].([]any)) == 0 {
			t.Errorf("%s has no scopes", a)
		}
	}
	// A deleted first-party service principal can be created again by appId.
	dicom := h.do("GET", "/v1.0/servicePrincipals(appId='"+DICOMApp+"')", nil)
	h.do("DELETE", "/v1.0/servicePrincipals/"+dicom.str("id"), nil).must(t, http.StatusNoContent)
	h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": DICOMApp}).must(t, http.StatusCreated)

	list := func(q string) []string {
		var out []string
		for _, v := range h.do("GET", "/v1.0/servicePrincipals?"+q, nil).must(t, http.StatusOK).values() {
			out = append(out, v["appId"].(string))
		}
		return out
	}
	if diff := cmp.Diff([]string{app.str("appId")}, list("$filter="+urlEncode("appId eq '"+app.str("appId")+"'"))); diff != "" {
		t.Errorf("appId eq (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{MicrosoftGraphApp, app.str("appId")}, list("$select=appId&$filter="+urlEncode("appId in ('"+app.str("appId")+"','"+MicrosoftGraphApp+"')"))); diff != "" {
		t.Errorf("appId in (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{app.str("appId")}, list("$filter="+urlEncode("tags/any(t:t eq 'regsync:set=a')"))); diff != "" {
		t.Errorf("tags/any (-want +got):\n%s", diff)
	}
	byAppID := h.do("GET", "/v1.0/servicePrincipals(appId='"+app.str("appId")+"')", nil).must(t, http.StatusOK)
	if byAppID.str("id") != sp.str("id") {
		t.Errorf("by appId: %q, want %q", byAppID.str("id"), sp.str("id"))
	}
	h.do("PATCH", "/v1.0/servicePrincipals/"+sp.str("id"), map[string]any{"appRoleAssignmentRequired": true, "tags": []any{"t"}}).must(t, http.StatusNoContent)
	after := h.do("GET", "/v1.0/servicePrincipals/"+sp.str("id"), nil)
	if after.body["appRoleAssignmentRequired"] != true {
		t.Errorf("appRoleAssignmentRequired not set")
	}
	// App role changes on the application reach the service principal.
	h.do("PATCH", "/v1.0/applications/"+app.str("id"), map[string]any{"appRoles": []any{
		map[string]any{"id": roleID, "value": "reader", "displayName": "r", "description": "r", "allowedMemberTypes": []any{"Application"}, "isEnabled": true},
		map[string]any{"id": uuid.NewString(), "value": "writer", "displayName": "w", "description": "w", "allowedMemberTypes": []any{"Application"}, "isEnabled": true},
	}}).must(t, http.StatusNoContent)
	if n := len(h.do("GET", "/v1.0/servicePrincipals/"+sp.str("id"), nil).body["appRoles"].([]any)); n != 2 {
		t.Errorf("service principal has %d roles after the app got 2", n)
	}
	h.do("DELETE", "/v1.0/servicePrincipals/"+sp.str("id"), nil).must(t, http.StatusNoContent)
	h.do("GET", "/v1.0/servicePrincipals/"+sp.str("id"), nil).must(t, http.StatusNotFound)
}

func TestAppRoleAssignments(t *testing.T) {
	h := start(t, Options{})
	roleID := uuid.NewString()
	api := h.createApp(map[string]any{"displayName": "api", "appRoles": []any{map[string]any{"id": roleID, "value": "reader", "displayName": "r", "description": "r", "allowedMemberTypes": []any{"Application"}, "isEnabled": true}}})
	client := h.createApp(map[string]any{"displayName": "client"})
	apiSP := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": api.str("appId")}).must(t, http.StatusCreated)
	clientSP := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": client.str("appId")}).must(t, http.StatusCreated)
	to := "/v1.0/servicePrincipals/" + apiSP.str("id") + "/appRoleAssignedTo"
	body := map[string]any{"@odata.type": "#microsoft.graph.appRoleAssignment", "principalId": clientSP.str("id"), "resourceId": apiSP.str("id"), "appRoleId": roleID}
	a := h.do("POST", to, body).must(t, http.StatusCreated)
	got := map[string]any{"principalType": a.str("principalType"), "principalDisplayName": a.str("principalDisplayName"), "resourceDisplayName": a.str("resourceDisplayName"), "hasID": a.str("id") != ""}
	if diff := cmp.Diff(map[string]any{"principalType": "ServicePrincipal", "principalDisplayName": "client", "resourceDisplayName": "api", "hasID": true}, got); diff != "" {
		t.Errorf("assignment (-want +got):\n%s", diff)
	}
	dup := h.do("POST", to, body).must(t, http.StatusBadRequest)
	if dup.errMessage() != "Permission being assigned already exists on the object." {
		t.Errorf("duplicate message %q", dup.errMessage())
	}
	unknown := map[string]any{"principalId": clientSP.str("id"), "resourceId": apiSP.str("id"), "appRoleId": uuid.NewString()}
	h.do("POST", to, unknown).must(t, http.StatusBadRequest)
	badPrincipal := map[string]any{"principalId": uuid.NewString(), "resourceId": apiSP.str("id"), "appRoleId": roleID}
	h.do("POST", to, badPrincipal).must(t, http.StatusBadRequest)
	wrongResource := map[string]any{"principalId": clientSP.str("id"), "resourceId": clientSP.str("id"), "appRoleId": roleID}
	h.do("POST", to, wrongResource).must(t, http.StatusBadRequest)
	// The default access role, by a user.
	def := map[string]any{"principalId": SeedAdminUserID, "resourceId": apiSP.str("id"), "appRoleId": defaultAppRoleID}
	if u := h.do("POST", to, def).must(t, http.StatusCreated); u.str("principalType") != "User" {
		t.Errorf("principalType %q, want User", u.str("principalType"))
	}
	if n := len(h.do("GET", to, nil).must(t, http.StatusOK).values()); n != 2 {
		t.Errorf("appRoleAssignedTo lists %d, want 2", n)
	}
	// The principal's view.
	mine := "/v1.0/servicePrincipals/" + clientSP.str("id") + "/appRoleAssignments"
	if v := h.do("GET", mine, nil).must(t, http.StatusOK).values(); len(v) != 1 || v[0]["id"] != a.str("id") {
		t.Errorf("appRoleAssignments: %v", v)
	}
	h.do("DELETE", mine+"/"+a.str("id"), nil).must(t, http.StatusNoContent)
	h.do("DELETE", to+"/"+a.str("id"), nil).must(t, http.StatusNotFound)
	// Assign again through the principal's view, remove through the resource's.
	again := h.do("POST", mine, body).must(t, http.StatusCreated)
	h.do("GET", to+"/"+again.str("id"), nil).must(t, http.StatusOK)
	h.do("DELETE", to+"/"+again.str("id"), nil).must(t, http.StatusNoContent)
	// Paging.
	for range 3 {
		u := uuid.NewString()
		h.e.graph.mu.Lock()
		h.e.graph.st.Users[u] = map[string]any{"id": u, "displayName": "u"}
		h.e.graph.mu.Unlock()
		h.do("POST", to, map[string]any{"principalId": u, "resourceId": apiSP.str("id"), "appRoleId": defaultAppRoleID}).must(t, http.StatusCreated)
	}
	p := h.do("GET", to+"?$top=2", nil).must(t, http.StatusOK)
	if len(p.values()) != 2 || p.str("@odata.nextLink") == "" {
		t.Errorf("paged appRoleAssignedTo: %d items, link %q", len(p.values()), p.str("@odata.nextLink"))
	}
	p2 := h.do("GET", p.str("@odata.nextLink"), nil).must(t, http.StatusOK)
	if len(p2.values()) != 2 || p2.str("@odata.nextLink") != "" {
		t.Errorf("second page: %d items, link %q", len(p2.values()), p2.str("@odata.nextLink"))
	}
}

// TestExpandAssignmentsAndCaps: $expand=appRoleAssignments on a service
// principal list shows the assignments each principal holds, at most 20
// of them with no link to the rest, and a query with $expand is served
// 100 objects a page whatever $top asks (the known issue on $expand).
func TestExpandAssignmentsAndCaps(t *testing.T) {
	h := start(t, Options{})
	api := h.createApp(map[string]any{"displayName": "api", "tags": []any{"x"}})
	apiSP := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": api.str("appId"), "tags": []any{"x"}}).must(t, http.StatusCreated)
	client := h.createApp(map[string]any{"displayName": "client", "tags": []any{"x"}})
	clientSP := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": client.str("appId"), "tags": []any{"x"}}).must(t, http.StatusCreated)
	// The api's principal holds 25 assignments (default role on 25
	// resources); the client's holds one.
	for i := range 25 {
		res := h.createApp(map[string]any{"displayName": fmt.Sprintf("res-%d", i)})
		resSP := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": res.str("appId")}).must(t, http.StatusCreated)
		h.do("POST", "/v1.0/servicePrincipals/"+resSP.str("id")+"/appRoleAssignedTo",
			map[string]any{"principalId": apiSP.str("id"), "resourceId": resSP.str("id"), "appRoleId": defaultAppRoleID}).must(t, http.StatusCreated)
		if i == 0 {
			h.do("POST", "/v1.0/servicePrincipals/"+resSP.str("id")+"/appRoleAssignedTo",
				map[string]any{"principalId": clientSP.str("id"), "resourceId": resSP.str("id"), "appRoleId": defaultAppRoleID}).must(t, http.StatusCreated)
		}
	}
	r := h.do("GET", "/v1.0/servicePrincipals?$select=id&$expand=appRoleAssignments&$filter="+urlEncode("tags/any(t:t eq 'x')"), nil).must(t, http.StatusOK)
	got := map[string]int{}
	for _, v := range r.values() {
		got[v["id"].(string)] = len(v["appRoleAssignments"].([]any))
		if _, ok := v["appRoleAssignments@odata.nextLink"]; ok {
			t.Errorf("an expansion carries a nextLink")
		}
	}
	if d := cmp.Diff(map[string]int{apiSP.str("id"): 20, clientSP.str("id"): 1}, got); d != "" {
		t.Errorf("expanded assignments per principal (-want +got):\n%s", d)
	}
	// The principal's own list has them all.
	if n := len(h.do("GET", "/v1.0/servicePrincipals/"+apiSP.str("id")+"/appRoleAssignments", nil).must(t, http.StatusOK).values()); n != 25 {
		t.Errorf("appRoleAssignments lists %d, want 25", n)
	}
	// 29 service principals (27 made here, Microsoft Graph's and the
	// caller's seeded) and more applications than a page: $top=999 with
	// $expand still pages by 100.
	for i := range 100 {
		h.createApp(map[string]any{"displayName": fmt.Sprintf("bulk-%d", i)})
	}
	p := h.do("GET", "/v1.0/applications?$select=id&$expand=owners&$top=999", nil).must(t, http.StatusOK)
	if len(p.values()) != 100 || p.str("@odata.nextLink") == "" {
		t.Errorf("$top=999 with $expand: %d items, nextLink %q; want 100 and a link", len(p.values()), p.str("@odata.nextLink"))
	}
	if p := h.do("GET", "/v1.0/applications?$select=id&$top=999", nil).must(t, http.StatusOK); len(p.values()) <= 100 || p.str("@odata.nextLink") != "" {
		t.Errorf("$top=999 without $expand: %d items, nextLink %q; want all in one page", len(p.values()), p.str("@odata.nextLink"))
	}
}

func TestOAuth2PermissionGrants(t *testing.T) {
	h := start(t, Options{})
	client := h.createApp(map[string]any{"displayName": "client"})
	clientSP := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": client.str("appId")}).must(t, http.StatusCreated)
	graphSP := h.do("GET", "/v1.0/servicePrincipals(appId='"+MicrosoftGraphApp+"')", nil).must(t, http.StatusOK)
	body := map[string]any{"clientId": clientSP.str("id"), "consentType": "AllPrincipals", "resourceId": graphSP.str("id"), "scope": "User.Read openid"}
	g := h.do("POST", "/v1.0/oauth2PermissionGrants", body).must(t, http.StatusCreated)
	if g.body["principalId"] != nil || g.str("scope") != "User.Read openid" {
		t.Errorf("grant %s", g.raw)
	}
	h.do("POST", "/v1.0/oauth2PermissionGrants", body).must(t, http.StatusConflict)
	bad := []map[string]any{
		{"clientId": uuid.NewString(), "consentType": "AllPrincipals", "resourceId": graphSP.str("id"), "scope": "x"},
		{"clientId": clientSP.str("id"), "consentType": "Everyone", "resourceId": graphSP.str("id"), "scope": "x"},
		{"clientId": clientSP.str("id"), "consentType": "Principal", "resourceId": graphSP.str("id"), "scope": "x"},
	}
	for _, b := range bad {
		h.do("POST", "/v1.0/oauth2PermissionGrants", b).must(t, http.StatusBadRequest)
	}
	h.do("POST", "/v1.0/oauth2PermissionGrants", map[string]any{"clientId": clientSP.str("id"), "consentType": "Principal", "principalId": SeedAdminUserID, "resourceId": graphSP.str("id"), "scope": "User.Read"}).must(t, http.StatusCreated)
	filters := []struct {
		filter string
		want   int
	}{
		{"clientId eq '" + clientSP.str("id") + "'", 2},
		{"clientId eq '" + clientSP.str("id") + "' and consentType eq 'AllPrincipals'", 1},
		{"resourceId eq '" + graphSP.str("id") + "'", 2},
		{"clientId eq '" + uuid.NewString() + "'", 0},
	}
	for _, f := range filters {
		if n := len(h.do("GET", "/v1.0/oauth2PermissionGrants?$filter="+urlEncode(f.filter), nil).must(t, http.StatusOK).values()); n != f.want {
			t.Errorf("%s: %d, want %d", f.filter, n, f.want)
		}
	}
	path := "/v1.0/oauth2PermissionGrants/" + g.str("id")
	h.do("PATCH", path, map[string]any{"scope": "User.Read"}).must(t, http.StatusNoContent)
	if s := h.do("GET", path, nil).must(t, http.StatusOK).str("scope"); s != "User.Read" {
		t.Errorf("scope after PATCH %q", s)
	}
	h.do("PATCH", path, map[string]any{"consentType": "Principal"}).must(t, http.StatusBadRequest)
	h.do("DELETE", path, nil).must(t, http.StatusNoContent)
	h.do("GET", path, nil).must(t, http.StatusNotFound)
}

func TestDomainsAndOrganization(t *testing.T) {
	h := start(t, Options{})
	d := h.do("GET", "/v1.0/domains", nil).must(t, http.StatusOK)
	var got []string
	for _, v := range d.values() {
		got = append(got, fmt.Sprintf("%s default=%v initial=%v verified=%v", v["id"], v["isDefault"], v["isInitial"], v["isVerified"]))
	}
	want := []string{"contoso.onmicrosoft.com default=true initial=true verified=true", "contoso.com default=false initial=false verified=true"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("domains (-want +got):\n%s", diff)
	}
	h.do("GET", "/v1.0/domains/contoso.com", nil).must(t, http.StatusOK)
	o := h.do("GET", "/v1.0/organization", nil).must(t, http.StatusOK).values()[0]
	var vds []string
	for _, v := range o["verifiedDomains"].([]any) {
		m := v.(map[string]any)
		vds = append(vds, fmt.Sprintf("%s default=%v initial=%v", m["name"], m["isDefault"], m["isInitial"]))
	}
	if diff := cmp.Diff([]string{"contoso.onmicrosoft.com default=true initial=true", "contoso.com default=false initial=false"}, vds); diff != "" {
		t.Errorf("verifiedDomains (-want +got):\n%s", diff)
	}
	if o["id"] != SeedTenantID || o["displayName"] != "Contoso" {
		t.Errorf("organization %v %v", o["id"], o["displayName"])
	}
	h.do("GET", "/v1.0/organization/"+SeedTenantID, nil).must(t, http.StatusOK)
	u := h.do("GET", "/v1.0/users/"+SeedAdminUserID, nil).must(t, http.StatusOK)
	if u.str("userPrincipalName") != "admin@contoso.onmicrosoft.com" || u.str("displayName") != "Platform Admin" {
		t.Errorf("admin user %s", u.raw)
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	h := start(t, Options{})
	r := h.do("GET", "/v1.0/devices", nil).must(t, http.StatusBadRequest)
	if r.errCode() == "" || r.errMessage() == "" {
		t.Errorf("unknown route: %s", r.raw)
	}
	h.do("PUT", "/v1.0/applications", map[string]any{}).must(t, http.StatusMethodNotAllowed)
}

func TestTimeIsRFC3339(t *testing.T) {
	h := start(t, Options{})
	a := h.createApp(map[string]any{"displayName": "a"})
	if _, err := time.Parse(time.RFC3339, a.str("createdDateTime")); err != nil {
		t.Errorf("createdDateTime: %v", err)
	}
}

// permissionIDs maps the values of a service principal's scopes (or app
// roles) to their ids.
func permissionIDs(r resp, collection string) map[string]string {
	out := map[string]string{}
	for _, e := range r.body[collection].([]any) {
		m := e.(map[string]any)
		out[m["value"].(string)] = m["id"].(string)
	}
	return out
}

// TestFirstPartyPermissionIDs checks a sample of the first-party
// permissions against the ids their service principals carry in every
// tenant (sources in docs/graph-quirks.md).
func TestFirstPartyPermissionIDs(t *testing.T) {
	h := start(t, Options{})
	sp := func(appID string) resp {
		return h.do("GET", "/v1.0/servicePrincipals(appId='"+appID+"')", nil).must(t, http.StatusOK)
	}
	graph, hc, dicom := sp(MicrosoftGraphApp), sp(HealthcareAPIsApp), sp(DICOMApp)
	hcScopes, hcRoles := permissionIDs(hc, "oauth2PermissionScopes"), permissionIDs(hc, "appRoles")
	got := map[string]string{
		"graph User.Read":              permissionIDs(graph, "oauth2PermissionScopes")["User.Read"],
		"graph User.Read.All":          permissionIDs(graph, "appRoles")["User.Read.All"],
		"dicom Dicom.ReadWrite":        permissionIDs(dicom, "oauth2PermissionScopes")["Dicom.ReadWrite"],
		"hc user_impersonation":        hcScopes["user_impersonation"],
		"hc fhirUser":                  hcScopes["fhirUser"],
		"hc launch":                    hcScopes["launch"],
		"hc launch.patient":            hcScopes["launch.patient"],
		"hc patient.all.read":          hcScopes["patient.all.read"],
		"hc patient.Observation.read":  hcScopes["patient.Observation.read"],
		"hc user.Patient.read":         hcScopes["user.Patient.read"],
		"hc offline_access (scope)":    hcScopes["offline_access"],
		"hc system.all.read (role)":    hcRoles["system.all.read"],
		"hc offline_access (role)":     hcRoles["offline_access"],
		"hc scope and role count":      fmt.Sprint(len(hcScopes), " ", len(hcRoles)),
		"dicom scope and role count":   fmt.Sprint(len(dicom.body["oauth2PermissionScopes"].([]any)), " ", len(dicom.body["appRoles"].([]any))),
		"hc patient/Patient.read (no)": hcScopes["patient/Patient.read"],
	}
	want := map[string]string{
		"graph User.Read":              "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
		"graph User.Read.All":          "df021288-bdef-4463-88db-98f22de89214",
		"dicom Dicom.ReadWrite":        "e69ab058-b8ae-4c0f-b687-5d97888ddccb",
		"hc user_impersonation":        "db75143a-8f20-4238-9450-8b73ef4992f4",
		"hc fhirUser":                  "a86144c7-3e19-4b56-9675-15803eb1e617",
		"hc launch":                    "fa5f9b76-5f20-4466-8b3d-6718de9744e2",
		"hc launch.patient":            "f6c8eb20-e799-4de7-a7ce-74ca0c7270e1",
		"hc patient.all.read":          "c71e9482-f052-461b-80e1-7cfeba7b2b12",
		"hc patient.Observation.read":  "890da85b-b5ad-4981-8966-4b80fd75a5b8",
		"hc user.Patient.read":         "56998e01-1f00-4832-a130-c358e252acf2",
		"hc offline_access (scope)":    "7f08bce5-b21b-4518-b783-c69c9c0cd658",
		"hc system.all.read (role)":    "a44c4c64-cdb5-48fc-adbd-070df4852b2c",
		"hc offline_access (role)":     "7f08bce5-b21b-4518-b783-c69c9c0cd658",
		"hc scope and role count":      "49 3",
		"dicom scope and role count":   "1 0",
		"hc patient/Patient.read (no)": "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first-party permission ids (-want +got):\n%s", diff)
	}
	for _, e := range hc.body["oauth2PermissionScopes"].([]any) {
		m := e.(map[string]any)
		if m["isEnabled"] != true || m["type"] != "User" {
			t.Errorf("Azure Healthcare APIs scope %v: want enabled, type User", m)
		}
	}
}

// TestRolesBesideScopes: an application's app roles and scopes share one
// namespace. A value may appear in both only as one permission under one
// id, with the same texts; a value under two ids is DuplicateValue.
func TestRolesBesideScopes(t *testing.T) {
	h := start(t, Options{})
	id := uuid.NewString()
	role := func(id, value, text string) map[string]any {
		return map[string]any{"id": id, "value": value, "displayName": text, "description": text, "allowedMemberTypes": []any{"Application"}, "isEnabled": true}
	}
	scope := func(id, value, text string) map[string]any {
		return map[string]any{"id": id, "value": value, "type": "User", "isEnabled": true,
			"adminConsentDisplayName": text, "adminConsentDescription": text}
	}
	body := func(r, s map[string]any) map[string]any {
		return map[string]any{"displayName": "api", "appRoles": []any{r}, "api": map[string]any{"oauth2PermissionScopes": []any{s}}}
	}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		code   string
		detail string
		reason string
	}{
		{"same value, other ids", body(role(uuid.NewString(), "Data.Read", "Read"), scope(uuid.NewString(), "Data.Read", "Read")),
			400, "DuplicateValue", "DuplicateValue", "Entra's 'It contains duplicate value'"},
		{"one permission under one id", body(role(id, "Data.Read", "Read"), scope(id, "Data.Read", "Read")),
			201, "", "", "as Azure Healthcare APIs' offline_access is both"},
		{"one id, other texts", body(role(id, "Data.Read", "Read"), scope(id, "Data.Read", "Read data")),
			400, "Request_BadRequest", "", "the texts must match under one id"},
		{"one id, other values", body(role(id, "Data.Read", "Read"), scope(id, "Data.Write", "Read")),
			400, "Request_BadRequest", "", "one id is one permission"},
		{"other values, other ids", body(role(uuid.NewString(), "Data.Read", "Read"), scope(uuid.NewString(), "user_impersonation", "Access")),
			201, "", "", "the usual case"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do("POST", "/v1.0/applications", tc.body)
			got := []string{fmt.Sprint(r.status), r.errCode(), r.detailCode()}
			if diff := cmp.Diff([]string{fmt.Sprint(tc.status), tc.code, tc.detail}, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s\nbody: %s", tc.reason, diff, r.raw)
			}
		})
	}
	// The rule holds on PATCH: a scope added beside a role of its value.
	kept := scope(uuid.NewString(), "user_impersonation", "Access")
	app := h.createApp(body(role(uuid.NewString(), "Data.Read", "Read"), kept))
	r := h.do("PATCH", "/v1.0/applications/"+app.str("id"), map[string]any{"api": map[string]any{"oauth2PermissionScopes": []any{
		kept, scope(uuid.NewString(), "Data.Read", "Read")}}})
	if r.status != http.StatusBadRequest || r.errCode() != "DuplicateValue" || r.errMessage() != "Request contains a property with duplicate values." {
		t.Errorf("PATCH adding a scope with a role's value: %d %s", r.status, r.raw)
	}
}

func TestPreAuthorizedNeedsExistingScopes(t *testing.T) {
	h := start(t, Options{})
	const scopeID = "6b1c1a3e-0b0e-4e57-9a1a-0c4f2b1e9d11"
	scopes := []any{map[string]any{"id": scopeID, "value": "user_impersonation", "type": "User", "isEnabled": true,
		"adminConsentDisplayName": "a", "adminConsentDescription": "a"}}
	pre := []any{map[string]any{"appId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "delegatedPermissionIds": []any{scopeID}}}
	// A create cannot pre-authorize the scope it defines.
	r := h.do("POST", "/v1.0/applications", map[string]any{"displayName": "api",
		"api": map[string]any{"oauth2PermissionScopes": scopes, "preAuthorizedApplications": pre}}).must(t, http.StatusBadRequest)
	if !strings.Contains(r.errMessage(), "cannot be found in the AppPermissions sets") {
		t.Errorf("message %q", r.errMessage())
	}
	// Once the scope exists, a later PATCH may.
	id := h.createApp(map[string]any{"displayName": "api", "api": map[string]any{"oauth2PermissionScopes": scopes}}).str("id")
	h.do("PATCH", "/v1.0/applications/"+id, map[string]any{"api": map[string]any{"preAuthorizedApplications": pre}}).must(t, http.StatusNoContent)
	got := h.do("GET", "/v1.0/applications/"+id, nil).must(t, http.StatusOK)
	api := got.body["api"].(map[string]any)
	if n := len(api["preAuthorizedApplications"].([]any)); n != 1 {
		t.Errorf("%d pre-authorized clients, want 1", n)
	}
	if n := len(api["oauth2PermissionScopes"].([]any)); n != 1 {
		t.Errorf("merging PATCH lost the scopes: %d left", n)
	}
}

func TestPatchReplacesComplex(t *testing.T) {
	h := start(t, Options{})
	id := h.createApp(map[string]any{"displayName": "web", "web": map[string]any{
		"redirectUris": []any{"https://a.contoso.com/cb"}, "homePageUrl": "https://a.contoso.com",
		"implicitGrantSettings": map[string]any{"enableIdTokenIssuance": true}}}).str("id")
	h.e.SetFaults(Faults{PatchReplacesComplex: true})
	h.do("PATCH", "/v1.0/applications/"+id, map[string]any{"web": map[string]any{"redirectUris": []any{"https://b.contoso.com/cb"}}}).must(t, http.StatusNoContent)
	web := h.do("GET", "/v1.0/applications/"+id, nil).must(t, http.StatusOK).body["web"].(map[string]any)
	if web["homePageUrl"] != nil || web["implicitGrantSettings"].(map[string]any)["enableIdTokenIssuance"] != false {
		t.Errorf("web after a replacing PATCH keeps what the body left out: %v", web)
	}
	if uris := web["redirectUris"].([]any); len(uris) != 1 || uris[0] != "https://b.contoso.com/cb" {
		t.Errorf("redirectUris %v", uris)
	}
}

func TestUpsertApplication(t *testing.T) {
	h := start(t, Options{})
	path := "/v1.0/applications(uniqueName='regsync.s.k')"
	// Without the Prefer header a missing application is an update: 404.
	h.do("PATCH", path, map[string]any{"displayName": "k"}).must(t, http.StatusNotFound)
	created := h.do("PATCH", path, map[string]any{"displayName": "k"}, "Prefer", "create-if-missing").must(t, http.StatusCreated)
	if created.str("uniqueName") != "regsync.s.k" || created.str("id") == "" {
		t.Fatalf("created %v", created.body)
	}
	// Again: the same object is updated, 204, no second application.
	h.do("PATCH", path, map[string]any{"displayName": "k2"}, "Prefer", "create-if-missing").must(t, http.StatusNoContent)
	got := h.do("GET", path, nil).must(t, http.StatusOK)
	if got.str("id") != created.str("id") || got.str("displayName") != "k2" {
		t.Errorf("after the second upsert: %v", got.body)
	}
	if n := len(h.do("GET", "/v1.0/applications?$filter=uniqueName+eq+'regsync.s.k'", nil).must(t, http.StatusOK).values()); n != 1 {
		t.Errorf("%d applications with the unique name, want 1", n)
	}
	// The key is immutable and unique.
	h.do("PATCH", "/v1.0/applications/"+created.str("id"), map[string]any{"uniqueName": "other"}).must(t, http.StatusBadRequest)
	h.do("POST", "/v1.0/applications", map[string]any{"displayName": "dup", "uniqueName": "regsync.s.k"}).must(t, http.StatusBadRequest)
	// Under replication lag the key still finds a new application.
	h.e.SetFaults(Faults{ReplicationLag: time.Hour})
	lagged := "/v1.0/applications(uniqueName='regsync.s.lag')"
	h.do("PATCH", lagged, map[string]any{"displayName": "lag"}, "Prefer", "create-if-missing").must(t, http.StatusCreated)
	h.do("PATCH", lagged, map[string]any{"displayName": "lag"}, "Prefer", "create-if-missing").must(t, http.StatusNoContent)
}
