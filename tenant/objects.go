package tenant

import (
	"context"
	"sort"
	"strings"
	"sync"
)

// DirectoryObject is what regsync reads of an object it only needs to name,
// for display: an application's owner (a user or a service principal), or
// the holder of an Azure role assignment.
type DirectoryObject struct {
	ID string
	// Type is Graph's type without its namespace: "user",
	// "servicePrincipal", "group", ...
	Type              string
	DisplayName       string
	UserPrincipalName string `json:",omitempty"` // users
	AppID             string `json:",omitempty"` // service principals
}

// ObjectsByIDChunk is how many ids one ObjectsByID request may carry:
// directoryObject: getByIds takes up to 1,000.
const ObjectsByIDChunk = 1000

// ObjectResolver names directory objects by id. graph.Client and
// tenanttest.Tenant implement it; a Directory that does not is read without
// names (plans then show bare ids).
type ObjectResolver interface {
	// ObjectsByID returns the users, service principals and groups with
	// the given object ids, at most ObjectsByIDChunk of them per call, in
	// one request. An unknown id is simply absent from the result.
	ObjectsByID(ctx context.Context, ids []string) ([]DirectoryObject, error)
}

// namedIDs lists, deduplicated and in lower case, the object ids a plan
// names without knowing what they are: the owners the spec declares, the
// owners the read applications have, and the holders of the role
// assignments read at the spec's Azure scopes.
func namedIDs(declared []string, apps []*Application, roles []RoleAssignment) []string {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		id = strings.ToLower(strings.TrimSpace(id))
		if id == "" || seen[id] {
			return
		}
		seen[id] = true
		out = append(out, id)
	}
	for _, id := range declared {
		add(id)
	}
	for _, a := range apps {
		for _, id := range a.Owners {
			add(id)
		}
	}
	for _, x := range roles {
		add(x.PrincipalID)
	}
	sort.Strings(out)
	return out
}

// readDirectoryObjects names the objects a plan can mention by id (see
// namedIDs) in one request per ObjectsByIDChunk ids, beside the other reads
// of g; nothing when dir cannot resolve ids or there is nothing to name. It
// sets snap.DirectoryObjectsRead, so that an id absent from
// snap.DirectoryObjects is known to exist nowhere in the directory. It runs
// once the applications and the role assignments are read.
func readDirectoryObjects(g *group, dir Directory, q ReadQuery, snap *Snapshot, mu *sync.Mutex, get func(context.Context, func(context.Context) error) error) {
	r, ok := dir.(ObjectResolver)
	if !ok {
		return
	}
	ids := namedIDs(q.Owners, snap.Applications, snap.RoleAssignments)
	if len(ids) == 0 {
		return
	}
	snap.DirectoryObjectsRead = true
	for start := 0; start < len(ids); start += ObjectsByIDChunk {
		chunk := ids[start:min(start+ObjectsByIDChunk, len(ids))]
		g.Go(func(ctx context.Context) error {
			var objs []DirectoryObject
			err := get(ctx, func(ctx context.Context) (err error) {
				objs, err = r.ObjectsByID(ctx, chunk)
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case KindOf(err) == Forbidden:
				// The names are for display: an identity that may not
				// read the directory (getByIds needs Directory.Read.All;
				// export and doctor ask for less) still plans, with ids.
				snap.DirectoryObjectsRead = false
				return nil
			case err != nil:
				return err
			}
			snap.DirectoryObjects = append(snap.DirectoryObjects, objs...)
			return nil
		})
	}
}

// sortDirectoryObjects sorts snap.DirectoryObjects by id and drops duplicates.
func sortDirectoryObjects(snap *Snapshot) {
	if !snap.DirectoryObjectsRead {
		snap.DirectoryObjects = nil // a chunk was refused: names from none
	}
	sort.Slice(snap.DirectoryObjects, func(i, j int) bool {
		return strings.ToLower(snap.DirectoryObjects[i].ID) < strings.ToLower(snap.DirectoryObjects[j].ID)
	})
	snap.DirectoryObjects = dedupeBy(snap.DirectoryObjects, func(o DirectoryObject) string { return strings.ToLower(o.ID) })
}

// DirectoryObject returns the named object with this id, and whether the
// snapshot has it. When it has not and DirectoryObjectsRead is true, the
// directory has no such object.
func (s *Snapshot) DirectoryObject(id string) (DirectoryObject, bool) {
	for _, o := range s.DirectoryObjects {
		if strings.EqualFold(o.ID, id) {
			return o, true
		}
	}
	return DirectoryObject{}, false
}
