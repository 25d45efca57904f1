package graph

import (
	"context"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/tenant"
)

// TestEmulatorFindByIdentifierURI: the lookup the applier makes after a
// create answered that an identifier URI is taken finds the holder with
// its tags, only once replication lets it see it, and nothing for a URI
// nobody holds.
func TestEmulatorFindByIdentifierURI(t *testing.T) {
	e := startEmulator(t, emulator.Faults{})
	c := emulatorClient(t, e, Options{})
	ctx := context.Background()
	name, uris, tags := "FHIR API", []string{"https://fhir.contoso.com"}, []string{tenant.SetTag("s"), tenant.KeyTag("fhir-api")}
	made, err := c.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &name, IdentifierURIs: &uris, Tags: &tags}))
	mustNoErr(t, "create", err)

	_, err = c.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &name, IdentifierURIs: &uris}))
	if k := kindOf(err); k != tenant.Conflict {
		t.Fatalf("second create with the URI: kind %v (%v), want conflict", k, err)
	}
	got, err := c.FindApplicationByIdentifierURI(ctx, "https://FHIR.contoso.com")
	mustNoErr(t, "find", err)
	if got == nil || got.ID != made.ID || !sameStrings(got.Tags, tags) {
		t.Errorf("found %+v, want %s with its tags", got, made.ID)
	}
	none, err := c.FindApplicationByIdentifierURI(ctx, "api://nobody")
	if err != nil || none != nil {
		t.Errorf("unheld URI: %+v, %v; want nothing", none, err)
	}

	e.SetFaults(emulator.Faults{ReplicationLag: time.Hour})
	uris2 := []string{"api://young"}
	if _, err := c.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &name, IdentifierURIs: &uris2})); err != nil {
		t.Fatal(err)
	}
	if young, err := c.FindApplicationByIdentifierURI(ctx, "api://young"); err != nil || young != nil {
		t.Errorf("an application inside the replication lag: %+v, %v; want nothing yet", young, err)
	}
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
