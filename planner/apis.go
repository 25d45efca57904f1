package planner

import (
	"fmt"
	"strings"
)

// planAPIs creates the service principal of each API under apis that asks
// for it (createServicePrincipal) and has none in the tenant: POST
// /servicePrincipals with its appId, as az ad sp create --id does. Graph
// makes it from the application in its home tenant (Microsoft's, for a
// first-party API) and refuses an appId it finds nowhere. regsync does not
// tag it (it is not one of the set's applications) and never deletes it.
func (b *builder) planAPIs() {
	for _, api := range b.spec.APIs {
		if api == nil || !api.CreateServicePrincipal || b.spByAppID[strings.ToLower(api.AppID)] != nil {
			continue
		}
		b.addAction(&Action{
			Op: OpCreate, Type: TypeServicePrincipal, App: api.Key, Address: "apis." + api.Key + ".service_principal",
			Description:      fmt.Sprintf("create the service principal of API %s (appId %s)", api.Key, api.AppID),
			Reason:           "createServicePrincipal is on and the tenant has no service principal for this appId",
			Changes:          []Change{{Path: "app_id", After: rawJSON(api.AppID)}},
			ServicePrincipal: &ServicePrincipalAction{AppID: api.AppID},
		})
	}
}
