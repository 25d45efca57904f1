package planner_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
)

// consentYAML: a web app that asks for a scope and a role of its API; the
// test sets its adminConsent.
const consentYAML = `version: 1
tenant: contoso.onmicrosoft.com
set: consent
applications:
  api:
    kind: resource
    identifierUris: [api://consent.contoso.com]
    scopes: { read: {} }
    appRoles: { reader: { memberTypes: [Application] } }
  web:
    kind: confidential
    redirectUris: [https://web.contoso.com/cb]
    access: { api: { scopes: [read], roles: [reader] } }
    adminConsent: CONSENT
    secret: { vault: contoso-kv }
`

// consentActions lists the plan's grant and assignment actions.
func consentActions(p *planner.Plan) []string {
	var out []string
	for _, id := range actionIDs(p) {
		if strings.Contains(id, "permission_grants") || strings.Contains(id, "app_role_assignments") {
			out = append(out, id)
		}
	}
	return out
}

func TestConsentPerPart(t *testing.T) {
	grant := `applications.web.permission_grants["api"]:create`
	assign := `applications.web.app_role_assignments["api/reader"]:create`
	for _, tc := range []struct {
		consent string
		want    []string
	}{
		{"true", []string{assign, grant}},
		{"false", nil},
		{"{ roles: true }", []string{assign}},
		{"{ scopes: true }", []string{grant}},
		{"{ scopes: true, roles: false }", []string{grant}},
		{"{ scopes: true, roles: true }", []string{assign, grant}},
	} {
		t.Run(tc.consent, func(t *testing.T) {
			s := parseSpec(t, strings.Replace(consentYAML, "CONSENT", tc.consent, 1))
			p := compute(t, s, emptyTenant(), planner.Options{})
			if d := cmp.Diff(tc.want, consentActions(p)); d != "" {
				t.Errorf("consent actions (-want +got):\n%s", d)
			}
		})
	}
}

// Turning one part off leaves the live consent of that kind alone: the plan
// neither revokes nor compares it (drift reports it as unmanaged).
func TestConsentPartOffLeavesItAlone(t *testing.T) {
	_, sim := converged(t, strings.Replace(consentYAML, "CONSENT", "true", 1))
	for _, part := range []string{"{ roles: true }", "{ scopes: true }", "false"} {
		s := parseSpec(t, strings.Replace(consentYAML, "CONSENT", part, 1))
		if p := compute(t, s, sim.snap, planner.Options{}); !p.Summary.Empty() {
			t.Errorf("adminConsent: %s plans %v, want nothing", part, actionIDs(p))
		}
	}
}
