package spec

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regsync/regsync/diag"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// aboutTheFile are the parts of a Spec that describe the file it was read
// from rather than what it says; a round trip through Marshal changes them.
var aboutTheFile = []cmp.Option{
	cmpopts.IgnoreFields(Spec{}, "File", "Digest"),
	cmpopts.IgnoreTypes(diag.Pos{}),
}

// roundTripInputs are every valid file the package's tests know: the
// examples, the fixtures of the parser tests and the rule cases that have
// no error.
func roundTripInputs(t *testing.T) map[string][]byte {
	t.Helper()
	in := map[string][]byte{
		"full":                []byte(full),
		"header and base":     []byte(header + base),
		"minimal":             []byte(minimal),
		"large":               largeSpec(64 << 10),
		"owners declared":     []byte(ownersDeclared),
		"defaults everywhere": []byte(defaultsEverywhere),
	}
	examples, err := filepath.Glob("../examples/*/registrations.yaml")
	if err != nil || len(examples) < 2 {
		t.Fatalf("examples: %v, %v", examples, err)
	}
	for _, p := range examples {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		in[p] = data
	}
	for _, tc := range ruleCases {
		if onlyWarnings(tc.want) {
			in["rule: "+tc.name] = []byte(header + base + tc.doc)
		}
	}
	return in
}

// onlyWarnings reports whether every diagnostic in brief form is a warning.
func onlyWarnings(brief []string) bool {
	for _, d := range brief {
		if !strings.Contains(d, ": warning: ") {
			return false
		}
	}
	return true
}

const minimal = "version: 1\ntenant: contoso.com\nset: s\napplications:\n  svc: {kind: service, secret: {vault: kv-one}}\n"

// ownersDeclared has defaults that every application overrides or repeats,
// and values that equal the built-in defaults but not the file's.
const ownersDeclared = `version: 1
tenant: contoso.com
set: owners
cloud: public
defaults:
  owners: [5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60]
  signInAudience: AzureADMultipleOrgs
  secrets: {vault: kv-one, lifetime: 60d}
applications:
  api:
    kind: resource
    displayName: api
    signInAudience: AzureADMyOrg
    owners: [5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60]
    identifierUris: [api://api]
    scopes:
      read: {adminConsentDisplayName: read, userConsentDescription: Read yours., enabled: true}
      "2fa": {type: User, userConsentDisplayName: Two factors}
    appRoles:
      "true": {memberTypes: [Application], description: "null"}
  web:
    kind: confidential
    owners: []
    tags: []
    redirectUris: []
    implicitGrant: {}
    secret: {vault: kv-one, name: web-client-secret, lifetime: 180d, renewBefore: 30d, overlap: 7d}
    federatedCredentials:
      gh: {issuer: https://token.actions.githubusercontent.com, subject: "repo:a/b:ref:refs/heads/main", audiences: [api://custom]}
  spa:
    kind: public
    platform: spa
    implicitGrant: {}
    optionalClaims: {idToken: [], accessToken: [{name: groups, additionalProperties: []}]}
    description: |
      Two lines
      of text.
    notes: ""
`

// defaultsEverywhere writes out every default Parse would fold in.
const defaultsEverywhere = `version: 1
tenant: contoso.com
set: defaults
defaults:
  signInAudience: AzureADMyOrg
  secrets: {lifetime: 180d, renewBefore: 30d, overlap: 7d, vault: kv-one}
applications:
  api:
    kind: resource
    displayName: api
    identifierUris: [api://api]
    scopes:
      read:
        type: User
        adminConsentDisplayName: read
        adminConsentDescription: read
        userConsentDisplayName: read
        userConsentDescription: read
        enabled: true
    appRoles:
      reader: {displayName: reader, description: reader, memberTypes: [Application], enabled: true}
  svc:
    kind: service
    signInAudience: AzureADMyOrg
    secret: {vault: kv-one, name: svc-client-secret, lifetime: 180d}
    federatedCredentials:
      gh: {issuer: https://token.actions.githubusercontent.com, subject: repo:a/b:environment:prod, audiences: [api://AzureADTokenExchange]}
`

// TestMarshalRoundTrip parses each input, marshals it and parses the output:
// the two specs are equal (apart from positions and the file), the output
// gives the same warnings, and marshalling the second spec gives the same
// bytes.
func TestMarshalRoundTrip(t *testing.T) {
	for name, data := range roundTripInputs(t) {
		t.Run(name, func(t *testing.T) {
			first, ds := Parse("in.yaml", data)
			if first == nil {
				t.Fatalf("input does not parse:\n%s", ds.Format())
			}
			out, err := Marshal(first)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			second, ds2 := Parse("out.yaml", out)
			if second == nil {
				t.Fatalf("output does not parse:\n%s\n%s", ds2.Format(), out)
			}
			if diff := cmp.Diff(first, second, aboutTheFile...); diff != "" {
				t.Errorf("Parse(Marshal(s)) differs from s (-want +got):\n%s\n%s", diff, out)
			}
			if diff := cmp.Diff(warnings(ds), warnings(ds2)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			again, err := Marshal(second)
			if err != nil {
				t.Fatalf("Marshal of the round trip: %v", err)
			}
			if diff := cmp.Diff(string(out), string(again)); diff != "" {
				t.Errorf("Marshal is not idempotent (-want +got):\n%s", diff)
			}
		})
	}
}

// warnings are the addresses and summaries of ds's warnings, sorted:
// positions differ between a file and its marshalled form.
func warnings(ds diag.Diagnostics) []string {
	var out []string
	for _, d := range ds {
		if d.Severity == diag.Warning {
			out = append(out, d.Address+": "+d.Summary)
		}
	}
	sort.Strings(out)
	return out
}

// TestMarshalGolden pins the canonical form: key order, flow and block
// style, blank lines, comments and the defaults left out.
func TestMarshalGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		opts MarshalOptions
	}{
		{name: "full", in: full, opts: MarshalOptions{
			Schema: "../schema/registrations.schema.json",
			Header: []string{"Every field of the format once.", "", "A header line is never wrapped, however long it is: it goes on and on past the ninetieth column.", "A line break\nstarts a new line."},
			Comments: map[string][]string{
				"web": {"A confidential client.", "Its secret overrides every default of defaults.secrets, so each field of it is written out below."},
				"svc": {"The  white   space\tof a comment\nis collapsed."},
			},
		}},
		{name: "defaults-everywhere", in: defaultsEverywhere},
		{name: "owners-declared", in: ownersDeclared, opts: MarshalOptions{Header: []string{"No schema line."}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ds := Parse(tc.name+".yaml", []byte(tc.in))
			if s == nil {
				t.Fatal(ds.Format())
			}
			got, err := tc.opts.Marshal(s)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			back, ds := Parse("out.yaml", got)
			if back == nil {
				t.Fatalf("output does not parse:\n%s\n%s", ds.Format(), got)
			}
			if diff := cmp.Diff(s, back, aboutTheFile...); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			golden := filepath.Join("testdata", "marshal", tc.name+".yaml")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

// TestMarshalZeroValuesAreDefaults builds a spec by hand, leaving out what
// Parse fills in, and reads back the spec with the defaults folded in.
func TestMarshalZeroValuesAreDefaults(t *testing.T) {
	in := &Spec{
		Version: 1, Tenant: "contoso.com", Set: "hand",
		Defaults: Defaults{Secrets: SecretPolicy{Vault: "kv-one"}},
		Applications: []*Application{
			{Key: "api", Kind: KindResource, IdentifierURIs: []string{"api://api"},
				Scopes:   []Scope{{Value: "read", AdminConsentDescription: "Reads.", Enabled: true}},
				AppRoles: []AppRole{{Value: "reader", DisplayName: "Reader", AllowedMemberTypes: []string{"Application"}}}},
			{Key: "svc", Kind: KindService, Secret: &Secret{},
				FederatedCredentials: []FederatedCredential{{Name: "gh", Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:a/b:environment:prod"}}},
		},
	}
	out, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	got, ds := Parse("hand.yaml", out)
	if got == nil {
		t.Fatalf("%s\n%s", ds.Format(), out)
	}
	policy := SecretPolicy{Vault: "kv-one", Lifetime: DefaultLifetime, RenewBefore: DefaultRenewBefore, Overlap: DefaultOverlap}
	want := &Spec{
		Version: 1, Tenant: "contoso.com", Set: "hand", Cloud: CloudPublic,
		Defaults: Defaults{SignInAudience: DefaultSignInAudience, Secrets: policy},
		Applications: []*Application{
			{Key: "api", Kind: KindResource, DisplayName: "api", SignInAudience: DefaultSignInAudience, IdentifierURIs: []string{"api://api"},
				Scopes: []Scope{{Value: "read", Type: "User", AdminConsentDisplayName: "read", AdminConsentDescription: "Reads.",
					UserConsentDisplayName: "read", UserConsentDescription: "Reads.", Enabled: true}},
				AppRoles: []AppRole{{Value: "reader", DisplayName: "Reader", Description: "Reader", AllowedMemberTypes: []string{"Application"}, Enabled: false}}},
			{Key: "svc", Kind: KindService, DisplayName: "svc", SignInAudience: DefaultSignInAudience,
				Secret: &Secret{Vault: "kv-one", Name: "svc-client-secret", Lifetime: DefaultLifetime, RenewBefore: DefaultRenewBefore, Overlap: DefaultOverlap},
				FederatedCredentials: []FederatedCredential{{Name: "gh", Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:a/b:environment:prod",
					Audiences: []string{DefaultFederatedAudience}}}},
		},
	}
	if diff := cmp.Diff(want, got, aboutTheFile...); diff != "" {
		t.Errorf("(-want +got):\n%s\n%s", diff, out)
	}
}

// TestMarshalErrors lists what the format cannot say: writing it would read
// back as a different spec.
func TestMarshalErrors(t *testing.T) {
	app := func(f func(a *Application)) *Spec {
		a := &Application{Key: "app", Kind: KindConfidential, Web: &Web{}}
		f(a)
		return &Spec{Version: 1, Tenant: "contoso.com", Set: "s", Applications: []*Application{a}}
	}
	for _, tc := range []struct {
		name string
		s    *Spec
		opts MarshalOptions
		want string
	}{
		{name: "nil spec", want: "the spec is nil"},
		{name: "duplicate application", s: &Spec{Applications: []*Application{{Key: "a"}, {Key: "a"}}},
			want: `applications: key "a" appears twice`},
		{name: "nil application", s: &Spec{Applications: []*Application{nil}}, want: "applications: a nil entry"},
		{name: "duplicate scope", s: app(func(a *Application) { a.Scopes = []Scope{{Value: "x"}, {Value: "x"}} }),
			want: `applications.app.scopes: key "x" appears twice`},
		{name: "SPA URIs on a service", s: app(func(a *Application) { a.Kind, a.Web, a.SPARedirectURIs = KindService, nil, []string{} }),
			want: `applications.app: SPA redirect URIs cannot be written for kind "service" with platform ""`},
		{name: "web URIs on a service", s: app(func(a *Application) { a.Kind = KindService; a.Web.RedirectURIs = []string{"https://x"} }),
			want: `applications.app: web redirect URIs cannot be written for kind "service"`},
		{name: "public-client URIs on a SPA", s: app(func(a *Application) {
			a.Kind, a.Platform, a.Web, a.PublicClientRedirectURIs = KindPublic, PlatformSPA, nil, []string{"myapp://x"}
		}), want: "public-client redirect URIs cannot be written"},
		{name: "owners undeclared under default owners", s: func() *Spec {
			s := app(func(*Application) {})
			s.Defaults.Owners = []string{"5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60"}
			return s
		}(), want: "applications.app.owners: not declared, but defaults.owners is"},
		{name: "fractional duration", s: app(func(a *Application) { a.Secret = &Secret{Lifetime: 90*Day + time.Millisecond} }),
			want: "applications.app.secret.lifetime: 2160h0m0.001s is not a positive number of whole seconds"},
		{name: "negative default duration", s: func() *Spec {
			s := app(func(*Application) {})
			s.Defaults.Secrets.Overlap = -time.Hour
			return s
		}(), want: "defaults.secrets.overlap: -1h0m0s is not a positive number of whole seconds"},
		{name: "comments for an unknown application", s: app(func(*Application) {}),
			opts: MarshalOptions{Comments: map[string][]string{"nope": {"x"}}}, want: `comments for application "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.opts.Marshal(tc.s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Marshal error = %v, want one containing %q\n%s", err, tc.want, out)
			}
		})
	}
}

// TestMarshalQuotesText writes texts YAML would otherwise misread (other
// types, indicators, comments, line breaks, escapes) and reads them back.
func TestMarshalQuotesText(t *testing.T) {
	texts := []string{
		"", " ", "  leading", "trailing  ", "null", "~", "true", "yes", "on", "No", "1", "1e3", "0x1F", ".inf", "1_000",
		"2026-03-01", "a: b", "a #b", "#c", "- x", "? x", "[x]", "{x}", "*alias", "&anchor", "!tag", "%dir", "@x", "`x",
		"'single'", `"double"`, `back\slash`, "---", "...", "line\nbreak", "two\n\nbreaks\n", "trailing\n", "\n", "\n\n", "\r", "\r\n", "\n\r\n", " \n \n", "tab\there",
		"\ttab first", "cr\rhere", "bell\x07", "nel\u0085here", "bom\ufeffhere", "ünïcödé ✓", "emoji 🙂", "\u2028sep", "a\u00a0b",
		strings.Repeat("long words ", 30), "long line without spaces " + strings.Repeat("x", 200),
	}
	for _, text := range texts {
		s := &Spec{Version: 1, Tenant: "contoso.com", Set: "text", Applications: []*Application{{
			Key: "svc", Kind: KindService, DisplayName: text, Description: &text, Notes: &text, Tags: []string{text},
			AppRoles: []AppRole{{Value: "r", DisplayName: text, Description: text, AllowedMemberTypes: []string{"User"}, Enabled: true}},
		}}}
		out, err := Marshal(s)
		if err != nil {
			t.Fatalf("Marshal(%q): %v", text, err)
		}
		back, ds := Parse("text.yaml", out)
		if back == nil {
			// Parse reports the invalid texts (an empty display name, a
			// tag with a line break) after reading them: check the reading.
			root := parseYAML("text.yaml", out, &ds)
			if root == nil {
				t.Errorf("%q: output is not YAML:\n%s\n%s", text, ds.Format(), out)
				continue
			}
			back = buildSpec("text.yaml", root.n, &ds)
		}
		a, want := back.Applications[0], s.Applications[0]
		got := []any{*a.Description, *a.Notes, a.Tags, a.AppRoles[0].DisplayName, a.AppRoles[0].Description}
		exp := []any{text, text, []string{text}, orDefault(text, "r"), orDefault(text, "r")}
		if text != "" {
			got, exp = append(got, a.DisplayName), append(exp, want.DisplayName)
		}
		if diff := cmp.Diff(exp, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s\n%s", text, diff, out)
		}
	}
}
