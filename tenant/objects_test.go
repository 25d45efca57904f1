package tenant

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// objectsDir names the objects in known, recording each call's ids.
type objectsDir struct {
	*fakeDir
	known map[string]DirectoryObject
}

func (f *objectsDir) ObjectsByID(ctx context.Context, ids []string) ([]DirectoryObject, error) {
	if err := f.record("ObjectsByID", ids...); err != nil {
		return nil, err
	}
	var out []DirectoryObject
	for _, id := range ids {
		if o, ok := f.known[id]; ok {
			out = append(out, o)
		}
	}
	return out, nil
}

// TestReadNamesOwners: the declared owners and the live ones are named in
// one request per ObjectsByIDChunk ids; an unknown id is just absent, and
// the snapshot says the directory was asked.
func TestReadNamesOwners(t *testing.T) {
	base, _ := testTenant()
	base.apps[0].Owners = []string{"u1", "SP1"}
	dir := &objectsDir{fakeDir: base, known: map[string]DirectoryObject{
		"u1":  {ID: "u1", Type: "user", DisplayName: "Dana Admin", UserPrincipalName: "dana@contoso.com"},
		"sp1": {ID: "sp1", Type: "servicePrincipal", DisplayName: "Deployer", AppID: "a1"},
	}}
	snap, err := Read(context.Background(), dir, nil, ReadQuery{Set: "fhir-prod", Owners: []string{"U1", "gone"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []DirectoryObject{dir.known["sp1"], dir.known["u1"]}
	if diff := cmp.Diff(want, snap.DirectoryObjects); diff != "" {
		t.Errorf("owner objects (-want +got):\n%s", diff)
	}
	if !snap.DirectoryObjectsRead {
		t.Error("DirectoryObjectsRead is false")
	}
	if dir.calls["ObjectsByID"] != 1 {
		t.Errorf("%d ObjectsByID calls, want 1", dir.calls["ObjectsByID"])
	}
	if diff := cmp.Diff([][]string{{"gone", "sp1", "u1"}}, dir.args["ObjectsByID"]); diff != "" {
		t.Errorf("ids asked (-want +got):\n%s", diff)
	}
	if o, ok := snap.DirectoryObject("U1"); !ok || o.UserPrincipalName != "dana@contoso.com" {
		t.Errorf("DirectoryObject(U1) = %+v, %v", o, ok)
	}
	if _, ok := snap.DirectoryObject("gone"); ok {
		t.Error("DirectoryObject(gone) found")
	}

	// Over the chunk: one request per ObjectsByIDChunk ids.
	base2, _ := testTenant()
	dir2 := &objectsDir{fakeDir: base2}
	var many []string
	for i := range ObjectsByIDChunk + 1 {
		many = append(many, fmt.Sprintf("id-%04d", i))
	}
	if _, err := Read(context.Background(), dir2, nil, ReadQuery{Set: "fhir-prod", Owners: many}); err != nil {
		t.Fatal(err)
	}
	if dir2.calls["ObjectsByID"] != 2 {
		t.Errorf("%d ObjectsByID calls for %d ids, want 2", dir2.calls["ObjectsByID"], len(many))
	}

	// No owner anywhere: no request.
	base3, _ := testTenant()
	dir3 := &objectsDir{fakeDir: base3}
	snap3, err := Read(context.Background(), dir3, nil, ReadQuery{Set: "fhir-prod"})
	if err != nil {
		t.Fatal(err)
	}
	if dir3.calls["ObjectsByID"] != 0 || snap3.DirectoryObjectsRead {
		t.Errorf("%d ObjectsByID calls and read=%v without owners, want none", dir3.calls["ObjectsByID"], snap3.DirectoryObjectsRead)
	}
}

func TestNamedIDs(t *testing.T) {
	got := namedIDs([]string{"U1", " u2 ", ""}, []*Application{{Owners: []string{"u1", "sp1"}}},
		[]RoleAssignment{{PrincipalID: "G1"}, {PrincipalID: "u2"}})
	if diff := cmp.Diff([]string{"g1", "sp1", "u1", "u2"}, got); diff != "" {
		t.Errorf("namedIDs (-want +got):\n%s", diff)
	}
}

// TestReadWithoutDirectoryPermission: a refused getByIds leaves the plan
// without names, not without a plan.
func TestReadWithoutDirectoryPermission(t *testing.T) {
	base, _ := testTenant()
	base.failOn, base.failKind = "ObjectsByID", Forbidden
	dir := &objectsDir{fakeDir: base, known: map[string]DirectoryObject{"u1": {ID: "u1", Type: "user"}}}
	snap, err := Read(context.Background(), dir, nil, ReadQuery{Set: "fhir-prod", Owners: []string{"u1"}})
	if err != nil {
		t.Fatalf("Read failed on a refused getByIds: %v", err)
	}
	if snap.DirectoryObjectsRead || len(snap.DirectoryObjects) != 0 {
		t.Errorf("read=%v objects=%v, want no names", snap.DirectoryObjectsRead, snap.DirectoryObjects)
	}
}
