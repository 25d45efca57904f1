package planner_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
	"github.com/regsync/regsync/tenant/tenanttest"
)

const dicomAppID = "75e725bf-66ce-4cea-9b9a-5c4caae57f33"

// firstPartyYAML: a client of Azure API for DICOM, whose service
// principal the tenant does not have yet; FLAG is the apis entry's extra.
const firstPartyYAML = `version: 1
tenant: contoso.onmicrosoft.com
set: dicom
apis:
  azure-dicom: { appId: 75e725bf-66ce-4cea-9b9a-5c4caae57f33FLAG }
applications:
  viewer:
    kind: public
    platform: spa
    redirectUris: [https://viewer.contoso.com/cb]
    access: { azure-dicom: { scopes: [Dicom.ReadWrite] } }
    adminConsent: true
`

func dicomTenant() *tenanttest.Tenant {
	f := tenanttest.New(func() time.Time { return now })
	f.AddFirstParty(tenant.ServicePrincipal{AppID: dicomAppID, DisplayName: "Azure API for DICOM",
		Scopes: []tenant.PermissionScope{{ID: "e69ab058-b8ae-4c0f-b687-5d97888ddccb", Value: "Dicom.ReadWrite", Type: "User", IsEnabled: true}}})
	return f
}

// TestCreateFirstPartyServicePrincipal: with createServicePrincipal the
// plan creates the API's service principal and notes that the client's
// permissions on it come next; the next plan grants them, and the one
// after is empty. Without it, the missing service principal is the error
// it always was, naming the fix.
func TestCreateFirstPartyServicePrincipal(t *testing.T) {
	f := dicomTenant()
	src := strings.Replace(firstPartyYAML, "FLAG", ", createServicePrincipal: true", 1)
	snap, plan := readPeople(t, f, src)
	p, ds := plan(planner.Options{})
	if ds.HasErrors() {
		t.Fatal(ds.Format())
	}
	if got := actionIDs(p); len(got) == 0 || got[0] != "apis.azure-dicom.service_principal:create" {
		t.Fatalf("actions = %v, want the API's service principal created first", got)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0].Message, `the permissions on API "azure-dicom" are planned once its service principal exists`) {
		t.Errorf("notes = %+v", p.Notes)
	}
	applyPlan(t, f, p, snap)

	snap, plan = readPeople(t, f, src)
	p, ds = plan(planner.Options{})
	if ds.HasErrors() {
		t.Fatal(ds.Format())
	}
	want := []string{"applications.viewer:update", `applications.viewer.permission_grants["azure-dicom"]:create`}
	if diff := cmp.Diff(want, actionIDs(p)); diff != "" {
		t.Errorf("second plan (-want +got):\n%s", diff)
	}
	applyPlan(t, f, p, snap)
	_, plan = readPeople(t, f, src)
	if p, _ := plan(planner.Options{}); !p.Summary.Empty() {
		t.Errorf("third plan: %v", actionIDs(p))
	}

	_, plan = readPeople(t, dicomTenant(), strings.Replace(firstPartyYAML, "FLAG", "", 1))
	p, ds = plan(planner.Options{})
	if p != nil || len(ds) != 1 || !strings.Contains(ds[0].Summary, `API "azure-dicom" (appId `+dicomAppID+`) has no service principal`) ||
		!strings.Contains(ds[0].Detail, "createServicePrincipal: true") {
		t.Errorf("without the flag: %s", ds.Format())
	}
}
