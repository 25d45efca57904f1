package tenanttest

import (
	"strings"

	"github.com/regsync/regsync/tenant"
)

// AddFirstParty makes an application of another tenant (Microsoft's, for
// a first-party API) known, without a service principal here: creating a
// service principal for its appId copies its name, roles and scopes, as
// Graph does from the application's home tenant.
func (f *Tenant) AddFirstParty(home tenant.ServicePrincipal) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.home == nil {
		f.home = map[string]tenant.ServicePrincipal{}
	}
	f.home[strings.ToLower(home.AppID)] = home
}

// homeApp returns the first-party application of appID as an application
// of this tenant would look for creating its service principal. Callers
// hold f.mu.
func (f *Tenant) homeApp(appID string) *tenant.Application {
	h, ok := f.home[strings.ToLower(appID)]
	if !ok {
		return nil
	}
	return &tenant.Application{AppID: h.AppID, DisplayName: h.DisplayName,
		AppRoles: append([]tenant.AppRole(nil), h.AppRoles...), Scopes: append([]tenant.PermissionScope(nil), h.Scopes...)}
}
