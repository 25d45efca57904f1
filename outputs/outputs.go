// Package outputs computes what the consumers of a managed set need to be
// configured with once it is applied: the tenant and its authority, each
// application's client id and object ids, a resource's audience and
// issuer, where a client's secret lives. It is `regsync output`, the
// counterpart of `terraform output`: values read from the tenant, matched
// to the spec's keys, never a secret value.
package outputs

import (
	"fmt"
	"slices"

	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// Outputs is the set's values.
type Outputs struct {
	Set    string `json:"set"`
	Tenant Tenant `json:"tenant"`
	// Applications in the spec's order.
	Applications []Application `json:"applications"`
}

// Tenant identifies the tenant and where tokens come from.
type Tenant struct {
	ID     string `json:"id"`
	Domain string `json:"domain,omitempty"` // the spec's tenant when it is a domain
	Cloud  string `json:"cloud"`
	// Authority is the tenant's sign-in authority, what MSAL and the FHIR
	// and DICOM servers are configured with.
	Authority string `json:"authority"`
}

// Application is one application's values. Applied is false for an
// application that is in the spec but not yet in the tenant: its ids are
// then empty.
type Application struct {
	Key         string `json:"key"`
	Kind        string `json:"kind"`
	DisplayName string `json:"display_name"`
	Applied     bool   `json:"applied"`
	// ClientID is the appId: the client id clients sign in with.
	ClientID           string `json:"client_id,omitempty"`
	ObjectID           string `json:"object_id,omitempty"`
	ServicePrincipalID string `json:"service_principal_id,omitempty"`
	// Audience and Issuer are what a resource's access tokens carry (aud
	// and iss): the first identifier URI and the v1 issuer unless the
	// resource asks for v2 tokens, whose aud is the client id.
	Audience string `json:"audience,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
	// Scope is what a client-credentials client asks a resource for.
	Scope string `json:"scope,omitempty"`
	// SecretVault and SecretName say where the client secret is kept.
	SecretVault string `json:"secret_vault,omitempty"`
	SecretName  string `json:"secret_name,omitempty"`
}

// loginHosts are the Microsoft Entra sign-in hosts of each cloud (the
// national cloud deployment docs).
var loginHosts = map[spec.Cloud]string{
	spec.CloudPublic: "login.microsoftonline.com",
	spec.CloudUSGov:  "login.microsoftonline.us",
	spec.CloudChina:  "login.chinacloudapi.cn",
}

// Compute matches the spec's applications to the snapshot's.
func Compute(s *spec.Spec, snap *tenant.Snapshot) (*Outputs, error) {
	cloud := s.Cloud
	if cloud == "" {
		cloud = spec.CloudPublic
	}
	host, ok := loginHosts[cloud]
	if !ok {
		return nil, fmt.Errorf("unknown cloud %q", cloud)
	}
	tid := snap.Organization.ID
	out := &Outputs{Set: s.Set, Tenant: Tenant{
		ID:        tid,
		Cloud:     string(cloud),
		Authority: "https://" + host + "/" + tid,
	}}
	if s.Tenant != tid {
		out.Tenant.Domain = s.Tenant
	}
	for _, a := range s.Applications {
		o := Application{Key: a.Key, Kind: string(a.Kind), DisplayName: a.DisplayName}
		if live := find(s, a, snap.Applications); live != nil {
			o.Applied = true
			o.ClientID, o.ObjectID, o.DisplayName = live.AppID, live.ID, live.DisplayName
			for _, sp := range snap.ServicePrincipals {
				if sp.AppID == live.AppID {
					o.ServicePrincipalID = sp.ID
				}
			}
			if a.Kind == spec.KindResource {
				o.Audience, o.Issuer = audience(live, host, tid)
				if o.Audience != "" {
					o.Scope = o.Audience + "/.default"
				}
			}
		}
		if a.Secret != nil {
			o.SecretVault, o.SecretName = a.Secret.Vault, a.Secret.Name
		}
		out.Applications = append(out.Applications, o)
	}
	return out, nil
}

// find returns the live application of a spec key: adopted by appId, or
// tagged with the set and the key.
func find(s *spec.Spec, a *spec.Application, apps []*tenant.Application) *tenant.Application {
	for _, live := range apps {
		if a.AppID != "" && live.AppID == a.AppID {
			return live
		}
		if a.AppID == "" && slices.Contains(live.Tags, tenant.SetTag(s.Set)) && slices.Contains(live.Tags, tenant.KeyTag(a.Key)) {
			return live
		}
	}
	return nil
}

// audience returns a resource's token audience and issuer. Microsoft
// Entra issues v1 access tokens unless the resource's
// requestedAccessTokenVersion is 2; v1 tokens asked for by identifier URI
// carry it as aud, v2 tokens carry the client id.
func audience(live *tenant.Application, host, tid string) (aud, iss string) {
	if v := live.RequestedAccessTokenVersion; v != nil && *v == 2 {
		return live.AppID, "https://" + host + "/" + tid + "/v2.0"
	}
	iss = "https://sts.windows.net/" + tid + "/"
	if host != loginHosts[spec.CloudPublic] {
		// The national clouds' v1 issuers are their own STS hosts; the
		// v2 form is documented for every cloud, so say that instead of
		// guessing.
		iss = ""
	}
	if len(live.IdentifierURIs) > 0 {
		return live.IdentifierURIs[0], iss
	}
	return live.AppID, iss
}
