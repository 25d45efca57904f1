package applier

import (
	"context"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// ownerKind: an owner is added or removed, in a $batch when it can be.
// Graph refuses a duplicate owner, so adding one twice is safe.
type ownerKind struct{}

func (ownerKind) has(a *planner.Action) bool { return a.Owner != nil }

func (ownerKind) detach(c *planner.Action) { c.Owner = detached(c.Owner) }

func (ownerKind) write(a *planner.Action) (tenant.Write, string, bool) {
	o := a.Owner
	switch a.Op {
	case planner.OpCreate:
		return tenant.AddOwner(o.ApplicationID, o.OwnerID), o.OwnerID, true
	case planner.OpDelete:
		return tenant.RemoveOwner(o.ApplicationID, o.OwnerID), o.OwnerID, true
	default:
		return tenant.Write{}, "", false
	}
}

func (k ownerKind) run(ctx context.Context, x *exec) error {
	x.objectID = x.a.Owner.OwnerID
	w, _, _ := k.write(x.a)
	switch x.a.Op {
	case planner.OpCreate:
		err := x.retry(ctx, x.lag, func(ctx context.Context) error { return x.do(ctx, w) })
		if tenant.KindOf(err) == tenant.Conflict {
			// "One or more added object references already exist".
			x.note("already an owner")
			return nil
		}
		return err
	case planner.OpDelete:
		return x.remove(ctx, "already not an owner", func(ctx context.Context) error { return x.do(ctx, w) })
	default:
		panic(unknownOp(x.a))
	}
}
