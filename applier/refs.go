package applier

import (
	"strings"
	"sync"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// refTable maps the references of a plan (${applications.<key>.<field>})
// to ids. It is seeded with the ids of the set's live objects and filled by
// every create, so an action can run as soon as the action it depends on
// has returned. Safe for concurrent use.
type refTable struct {
	mu  sync.Mutex
	ids map[planner.Ref]string
}

// seedRefs fills the table from the snapshot: every application tagged
// with the set and a key gives that key's object_id and app_id; every
// service principal of such an application, or tagged with the set and a
// key itself, gives service_principal_id.
func seedRefs(set string, live *tenant.Snapshot) *refTable {
	t := &refTable{ids: map[planner.Ref]string{}}
	if live == nil {
		return t
	}
	setTag := tenant.SetTag(set)
	keyByAppID := map[string]string{}
	for _, a := range live.Applications {
		if a == nil || !hasTag(a.Tags, setTag) {
			continue
		}
		key, ok := tagValue(a.Tags, tenant.TagKey)
		if !ok {
			continue
		}
		t.ids[planner.Ref{App: key, Field: planner.RefObjectID}] = a.ID
		t.ids[planner.Ref{App: key, Field: planner.RefAppID}] = a.AppID
		keyByAppID[strings.ToLower(a.AppID)] = key
	}
	for _, sp := range live.ServicePrincipals {
		if sp == nil {
			continue
		}
		key, ok := keyByAppID[strings.ToLower(sp.AppID)]
		if !ok && hasTag(sp.Tags, setTag) {
			key, ok = tagValue(sp.Tags, tenant.TagKey)
		}
		if ok {
			t.ids[planner.Ref{App: key, Field: planner.RefServicePrincipalID}] = sp.ID
		}
	}
	return t
}

func (t *refTable) lookup(r planner.Ref) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id, ok := t.ids[r]
	return id, ok
}

func (t *refTable) set(app string, field planner.RefField, id string) {
	if id == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ids[planner.Ref{App: app, Field: field}] = id
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

func tagValue(tags []string, name string) (string, bool) {
	for _, t := range tags {
		if v, ok := strings.CutPrefix(t, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// resolved returns a copy of the action with every reference replaced by
// its id; the plan's action is left untouched.
func (t *refTable) resolved(a *planner.Action) (*planner.Action, error) {
	c := *a
	for _, k := range kinds {
		k.detach(&c)
	}
	// Action.Resolve copies the application payload itself before it
	// writes into it.
	if err := c.Resolve(t.lookup); err != nil {
		return nil, err
	}
	return &c, nil
}
