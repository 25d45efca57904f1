package kv_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/google/go-cmp/cmp"
)

// staticCredential hands out one token and records what it was asked for.
type staticCredential struct {
	token string
	mu    sync.Mutex
	asked []policy.TokenRequestOptions
}

func (c *staticCredential) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, o)
	return azcore.AccessToken{Token: c.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// newSDKClient returns an azsecrets client for vault on e's server,
// configured only with the vault URL, the server's trust, and a credential.
func newSDKClient(t *testing.T, e *env, vault string) (*azsecrets.Client, *staticCredential) {
	t.Helper()
	cred := &staticCredential{token: testToken}
	c, err := azsecrets.NewClient(e.srv.URL+"/vaults/"+vault, cred, &azsecrets.ClientOptions{
		ClientOptions:                        azcore.ClientOptions{Transport: e.srv.Client()},
		DisableChallengeResourceVerification: true, // a loopback host never matches vault.azure.net
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, cred
}

// wantResponseError checks that err is an *azcore.ResponseError with the
// given status and error code.
func wantResponseError(t *testing.T, what string, err error, status int, code string) {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Errorf("%s: error %v is not an *azcore.ResponseError", what, err)
		return
	}
	if re.StatusCode != status || re.ErrorCode != code {
		t.Errorf("%s: got %d %s, want %d %s", what, re.StatusCode, re.ErrorCode, status, code)
	}
}

func TestSDKChallengeAndToken(t *testing.T) {
	e := newEnv(t)
	c, cred := newSDKClient(t, e, "myvault")
	ctx := context.Background()
	if _, err := c.SetSecret(ctx, "s1", azsecrets.SetSecretParameters{Value: to.Ptr("v1")}, nil); err != nil {
		t.Fatalf("SetSecret: %v", err)
	}
	if _, err := c.GetSecret(ctx, "s1", "", nil); err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	cred.mu.Lock()
	defer cred.mu.Unlock()
	if len(cred.asked) == 0 {
		t.Fatal("the credential was never asked for a token")
	}
	got := cred.asked[0]
	if diff := cmp.Diff([]string{"https://vault.azure.net/.default"}, got.Scopes); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}
	if got.TenantID != testTenant {
		t.Errorf("tenant = %q, want %q", got.TenantID, testTenant)
	}
}

func TestSDKSetGetUpdate(t *testing.T) {
	e := newEnv(t)
	c, _ := newSDKClient(t, e, "myvault")
	ctx := context.Background()

	set, err := c.SetSecret(ctx, "app-secret", azsecrets.SetSecretParameters{
		Value:       to.Ptr("first"),
		ContentType: to.Ptr("text/plain"),
		Tags:        map[string]*string{"client-id": to.Ptr("c1"), "key-id": to.Ptr("k1")},
		SecretAttributes: &azsecrets.SecretAttributes{
			Expires: to.Ptr(time.Unix(1800000000, 0)),
		},
	}, nil)
	if err != nil {
		t.Fatalf("SetSecret: %v", err)
	}
	v1 := versionFromID(t, string(*set.ID))
	type view struct {
		Value, ContentType string
		Tags               map[string]string
		Enabled            bool
		Created, Expires   int64
		RecoveryLevel      string
		RecoverableDays    int32
	}
	viewOf := func(s azsecrets.Secret) view {
		v := view{Tags: map[string]string{}}
		if s.Value != nil {
			v.Value = *s.Value
		}
		if s.ContentType != nil {
			v.ContentType = *s.ContentType
		}
		for k, p := range s.Tags {
			v.Tags[k] = *p
		}
		if a := s.Attributes; a != nil {
			v.Enabled = a.Enabled != nil && *a.Enabled
			if a.Created != nil {
				v.Created = a.Created.Unix()
			}
			if a.Expires != nil {
				v.Expires = a.Expires.Unix()
			}
			if a.RecoveryLevel != nil {
				v.RecoveryLevel = *a.RecoveryLevel
			}
			if a.RecoverableDays != nil {
				v.RecoverableDays = *a.RecoverableDays
			}
		}
		return v
	}
	want := view{
		Value: "first", ContentType: "text/plain",
		Tags:    map[string]string{"client-id": "c1", "key-id": "k1"},
		Enabled: true, Created: t0, Expires: 1800000000,
		RecoveryLevel: "Recoverable+Purgeable", RecoverableDays: 90,
	}
	if diff := cmp.Diff(want, viewOf(set.Secret)); diff != "" {
		t.Errorf("SetSecret (-want +got):\n%s", diff)
	}

	latest, err := c.GetSecret(ctx, "app-secret", "", nil)
	if err != nil {
		t.Fatalf("GetSecret latest: %v", err)
	}
	if diff := cmp.Diff(want, viewOf(latest.Secret)); diff != "" {
		t.Errorf("GetSecret latest (-want +got):\n%s", diff)
	}
	if _, err := c.SetSecret(ctx, "app-secret", azsecrets.SetSecretParameters{Value: to.Ptr("second")}, nil); err != nil {
		t.Fatalf("second SetSecret: %v", err)
	}
	byVersion, err := c.GetSecret(ctx, "app-secret", v1, nil)
	if err != nil {
		t.Fatalf("GetSecret by version: %v", err)
	}
	if diff := cmp.Diff(want, viewOf(byVersion.Secret)); diff != "" {
		t.Errorf("GetSecret by version (-want +got):\n%s", diff)
	}
	latest, _ = c.GetSecret(ctx, "app-secret", "", nil)
	if got := *latest.Value; got != "second" {
		t.Errorf("latest value = %q, want second", got)
	}

	upd, err := c.UpdateSecretProperties(ctx, "app-secret", v1, azsecrets.UpdateSecretPropertiesParameters{
		ContentType:      to.Ptr("application/json"),
		Tags:             map[string]*string{"rotated": to.Ptr("yes")},
		SecretAttributes: &azsecrets.SecretAttributes{Enabled: to.Ptr(false)},
	}, nil)
	if err != nil {
		t.Fatalf("UpdateSecretProperties: %v", err)
	}
	if upd.Value != nil {
		t.Errorf("UpdateSecretProperties returned the value")
	}
	if *upd.ContentType != "application/json" || *upd.Attributes.Enabled || *upd.Tags["rotated"] != "yes" {
		t.Errorf("UpdateSecretProperties = %+v", upd.Secret)
	}
	_, err = c.GetSecret(ctx, "app-secret", v1, nil)
	wantResponseError(t, "GetSecret of a disabled version", err, http.StatusForbidden, "Forbidden")

	_, err = c.GetSecret(ctx, "no-such-secret", "", nil)
	wantResponseError(t, "GetSecret of a missing secret", err, http.StatusNotFound, "SecretNotFound")
	_, err = c.SetSecret(ctx, "bad_name", azsecrets.SetSecretParameters{Value: to.Ptr("x")}, nil)
	wantResponseError(t, "SetSecret with an invalid name", err, http.StatusBadRequest, "BadParameter")
}

func TestSDKPagers(t *testing.T) {
	e := newEnv(t)
	c, _ := newSDKClient(t, e, "myvault")
	ctx := context.Background()
	var want []string
	for i := 0; i < 30; i++ {
		name := fmt.Sprintf("secret-%02d", i)
		want = append(want, name)
		if _, err := c.SetSecret(ctx, name, azsecrets.SetSecretParameters{Value: to.Ptr("v" + name)}, nil); err != nil {
			t.Fatalf("SetSecret %s: %v", name, err)
		}
	}
	var got []string
	pages := 0
	for p := c.NewListSecretPropertiesPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("NextPage: %v", err)
		}
		pages++
		for _, item := range page.Value {
			got = append(got, nameFromID(t, string(*item.ID)))
		}
	}
	if pages != 2 {
		t.Errorf("secret pages = %d, want 2", pages)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("listed secrets (-want +got):\n%s", diff)
	}

	var versions []string
	for i := 0; i < 3; i++ {
		r, err := c.SetSecret(ctx, "rotating", azsecrets.SetSecretParameters{Value: to.Ptr(fmt.Sprint("r", i))}, nil)
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, versionFromID(t, string(*r.ID)))
	}
	var gotVersions []string
	for p := c.NewListSecretPropertiesVersionsPager("rotating", nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("versions NextPage: %v", err)
		}
		for _, item := range page.Value {
			gotVersions = append(gotVersions, versionFromID(t, string(*item.ID)))
		}
	}
	sort.Strings(versions)
	sort.Strings(gotVersions)
	if diff := cmp.Diff(versions, gotVersions); diff != "" {
		t.Errorf("listed versions (-want +got):\n%s", diff)
	}
}

func TestSDKSoftDelete(t *testing.T) {
	e := newEnv(t)
	c, _ := newSDKClient(t, e, "myvault")
	ctx := context.Background()
	if _, err := c.SetSecret(ctx, "s1", azsecrets.SetSecretParameters{Value: to.Ptr("one")}, nil); err != nil {
		t.Fatal(err)
	}
	del, err := c.DeleteSecret(ctx, "s1", nil)
	if err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	if del.DeletedDate.Unix() != t0 || del.ScheduledPurgeDate.Unix() != t0+90*24*3600 {
		t.Errorf("DeleteSecret dates = %v, %v", del.DeletedDate, del.ScheduledPurgeDate)
	}
	if got, want := *del.RecoveryID, e.srv.URL+"/vaults/myvault/deletedsecrets/s1"; got != want {
		t.Errorf("RecoveryID = %s, want %s", got, want)
	}
	if _, err := c.GetDeletedSecret(ctx, "s1", nil); err != nil {
		t.Fatalf("GetDeletedSecret: %v", err)
	}
	var deleted []string
	for p := c.NewListDeletedSecretPropertiesPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("deleted NextPage: %v", err)
		}
		for _, item := range page.Value {
			deleted = append(deleted, *item.RecoveryID)
		}
	}
	if diff := cmp.Diff([]string{e.srv.URL + "/vaults/myvault/deletedsecrets/s1"}, deleted); diff != "" {
		t.Errorf("deleted secrets (-want +got):\n%s", diff)
	}

	_, err = c.SetSecret(ctx, "s1", azsecrets.SetSecretParameters{Value: to.Ptr("again")}, nil)
	wantResponseError(t, "SetSecret of a soft-deleted name", err, http.StatusConflict, "Conflict")
	_, err = c.GetSecret(ctx, "s1", "", nil)
	wantResponseError(t, "GetSecret of a soft-deleted secret", err, http.StatusNotFound, "SecretNotFound")

	if _, err := c.RecoverDeletedSecret(ctx, "s1", nil); err != nil {
		t.Fatalf("RecoverDeletedSecret: %v", err)
	}
	got, err := c.GetSecret(ctx, "s1", "", nil)
	if err != nil || *got.Value != "one" {
		t.Fatalf("GetSecret after recover: %v", err)
	}

	if _, err := c.DeleteSecret(ctx, "s1", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PurgeDeletedSecret(ctx, "s1", nil); err != nil {
		t.Fatalf("PurgeDeletedSecret: %v", err)
	}
	_, err = c.GetDeletedSecret(ctx, "s1", nil)
	wantResponseError(t, "GetDeletedSecret after purge", err, http.StatusNotFound, "SecretNotFound")
	_, err = c.PurgeDeletedSecret(ctx, "s1", nil)
	wantResponseError(t, "second PurgeDeletedSecret", err, http.StatusNotFound, "SecretNotFound")
	if _, err := c.SetSecret(ctx, "s1", azsecrets.SetSecretParameters{Value: to.Ptr("fresh")}, nil); err != nil {
		t.Fatalf("SetSecret after purge: %v", err)
	}
}

// TestSDKIDNameMisparsesVaultPrefix pins a quirk of azsecrets v1.5.1: ID.Name
// and ID.Version take the first path segments after the host as "secrets",
// name and version, so with the emulator's /vaults/{vault} prefix they return
// the vault name and "secrets". The ids themselves are right; callers that
// need the name parse the id themselves (see docs/keyvault-quirks.md).
func TestSDKIDNameMisparsesVaultPrefix(t *testing.T) {
	e := newEnv(t)
	c, _ := newSDKClient(t, e, "myvault")
	r, err := c.SetSecret(context.Background(), "s1", azsecrets.SetSecretParameters{Value: to.Ptr("v")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{r.ID.Name(), r.ID.Version(), nameFromID(t, string(*r.ID))}
	if diff := cmp.Diff([]string{"myvault", "secrets", "s1"}, got); diff != "" {
		t.Errorf("ID.Name, ID.Version, parsed name (-want +got):\n%s", diff)
	}
}

// idParts returns the path segments of a secret id after checking that it
// has the form https://HOST/vaults/{vault}/secrets/{name}[/{version}].
func idParts(t *testing.T, id string) []string {
	t.Helper()
	u, err := url.Parse(id)
	if err != nil {
		t.Fatalf("id %q: %v", id, err)
	}
	parts := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	if u.Scheme != "https" || len(parts) < 4 || len(parts) > 5 || parts[0] != "vaults" || parts[2] != "secrets" {
		t.Fatalf("id %q is not https://HOST/vaults/{vault}/secrets/{name}[/{version}]", id)
	}
	return parts
}

// nameFromID returns the secret name in an id.
func nameFromID(t *testing.T, id string) string {
	t.Helper()
	return idParts(t, id)[3]
}

// versionFromID returns the version at the end of a versioned secret id.
func versionFromID(t *testing.T, id string) string {
	t.Helper()
	parts := idParts(t, id)
	if len(parts) != 5 || !versionRE.MatchString(parts[4]) {
		t.Fatalf("id %q has no version", id)
	}
	return parts[4]
}
