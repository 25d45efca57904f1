package planner

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/regsync/regsync/diag"
)

// checkTenant refuses a snapshot of another tenant than the spec's
// `tenant:`, given as an id or as one of the tenant's verified domains.
func (b *builder) checkTenant() {
	want := strings.ToLower(strings.TrimSpace(b.spec.Tenant))
	org := b.live.Organization
	if want == "" {
		b.diags.Errorf(diag.Pos{File: b.spec.File}, "tenant",
			"Set tenant: to the tenant id or one of its verified domains.",
			"the spec names no tenant")
		return
	}
	if strings.EqualFold(want, org.ID) {
		return
	}
	for _, d := range org.VerifiedDomains {
		if strings.EqualFold(want, d) {
			return
		}
	}
	detail := fmt.Sprintf("Signed in to tenant %s", org.ID)
	if org.DisplayName != "" {
		detail += fmt.Sprintf(" (%s)", org.DisplayName)
	}
	if len(org.VerifiedDomains) > 0 {
		detail += ", verified domains: " + strings.Join(org.VerifiedDomains, ", ")
	}
	detail += ". Sign in to the tenant the spec names, or fix tenant: in the spec."
	b.diags.Errorf(diag.Pos{File: b.spec.File}, "tenant", detail,
		"the spec is for tenant %q, but the signed-in tenant is %s", b.spec.Tenant, org.ID)
}

// checkIdentifierURIs reports identifier URIs whose https host is neither a
// verified domain of the tenant nor a subdomain of one: Graph rejects them
// with HostNameNotOnVerifiedDomain
// (https://learn.microsoft.com/entra/identity-platform/identifier-uri-restrictions).
// api:// URIs are left to Graph.
func (b *builder) checkIdentifierURIs() {
	domains := b.live.Organization.VerifiedDomains
	for _, st := range b.apps {
		for i, raw := range st.spec.IdentifierURIs {
			u, err := url.Parse(raw)
			if err != nil || !strings.EqualFold(u.Scheme, "https") {
				continue
			}
			host := strings.ToLower(u.Hostname())
			if onVerifiedDomain(host, domains) {
				continue
			}
			b.diags.Errorf(st.spec.Pos, fmt.Sprintf("applications.%s.identifierUris[%d]", st.key, i),
				fmt.Sprintf("Verified domains of tenant %s: %s. Verify the domain first, or use an api:// URI.",
					b.live.Organization.ID, strings.Join(domains, ", ")),
				"identifier URI %s is not on a verified domain of the tenant", raw)
		}
	}
}

func onVerifiedDomain(host string, domains []string) bool {
	for _, d := range domains {
		d = strings.ToLower(d)
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}
