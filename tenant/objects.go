package tenant

import (
	"context"
	"sort"
	"strings"
	"sync"
)

// DirectoryObject is what regsync reads of an object it only needs to name:
// an application's owner (a user or a service principal), for display.
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

// ownerIDs lists, deduplicated and in lower case, the owner ids a plan can
// mention: the ones the spec declares and the ones the read applications
// have.
func ownerIDs(declared []string, apps []*Application) []string {
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
	sort.Strings(out)
	return out
}

// readOwnerObjects names the owners a plan can mention (ReadQuery.Owners
// and the owners of snap.Applications) in one request per
// ObjectsByIDChunk ids, beside the other reads of g; nothing when dir
// cannot resolve ids or there is no owner to name. It sets
// snap.OwnerObjectsRead, so that an id absent from snap.OwnerObjects is
// known to exist nowhere in the directory.
func readOwnerObjects(g *group, dir Directory, q ReadQuery, snap *Snapshot, mu *sync.Mutex, get func(context.Context, func(context.Context) error) error) {
	r, ok := dir.(ObjectResolver)
	if !ok {
		return
	}
	ids := ownerIDs(q.Owners, snap.Applications)
	if len(ids) == 0 {
		return
	}
	snap.OwnerObjectsRead = true
	for start := 0; start < len(ids); start += ObjectsByIDChunk {
		chunk := ids[start:min(start+ObjectsByIDChunk, len(ids))]
		g.Go(func(ctx context.Context) error {
			var objs []DirectoryObject
			err := get(ctx, func(ctx context.Context) (err error) {
				objs, err = r.ObjectsByID(ctx, chunk)
				return err
			})
			if err != nil {
				return err
			}
			mu.Lock()
			snap.OwnerObjects = append(snap.OwnerObjects, objs...)
			mu.Unlock()
			return nil
		})
	}
}

// sortOwnerObjects sorts snap.OwnerObjects by id and drops duplicates.
func sortOwnerObjects(snap *Snapshot) {
	sort.Slice(snap.OwnerObjects, func(i, j int) bool {
		return strings.ToLower(snap.OwnerObjects[i].ID) < strings.ToLower(snap.OwnerObjects[j].ID)
	})
	snap.OwnerObjects = dedupeBy(snap.OwnerObjects, func(o DirectoryObject) string { return strings.ToLower(o.ID) })
}

// OwnerObject returns the named owner with this id, and whether the
// snapshot has it. When it has not and OwnerObjectsRead is true, the
// directory has no such object.
func (s *Snapshot) OwnerObject(id string) (DirectoryObject, bool) {
	for _, o := range s.OwnerObjects {
		if strings.EqualFold(o.ID, id) {
			return o, true
		}
	}
	return DirectoryObject{}, false
}
