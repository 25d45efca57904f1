package main

import (
	"context"
	"fmt"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// planResult is a spec, the tenant as read for it, and the plan between them.
type planResult struct {
	spec     *spec.Spec
	backend  *backend
	snapshot *tenant.Snapshot
	plan     *planner.Plan
	readTime time.Duration
}

// planWith reads the tenant for sp over b and computes the plan, printing
// diagnostics on stderr (errReported when they hold an error). drift also
// reads the vaults' soft-deleted secrets (withDeleted). b stays open.
// pr, when set, shows the read's progress and retries.
func (e *env) planWith(ctx context.Context, sp *spec.Spec, b *backend, prune, withDeleted bool, pr *progress) (*planResult, error) {
	start := time.Now()
	q := readQuery(sp, b)
	q.DeletedSecrets = withDeleted
	snap, err := readTenant(ctx, sp, b, q, pr)
	if err != nil {
		return nil, fmt.Errorf("reading the tenant: %w", err)
	}
	readTime := time.Since(start)
	p, ds := planner.Compute(sp, snap, planner.Options{Now: e.Now(), Prune: prune, CallerID: b.CallerID,
		MissingPrincipalsAreDrift: q.DeletedSecrets})
	ds.Sort()
	if len(ds) > 0 {
		fmt.Fprint(e.Err, ds.Format())
	}
	if ds.HasErrors() || p == nil {
		return nil, errReported
	}
	return &planResult{spec: sp, backend: b, snapshot: snap, plan: p, readTime: readTime}, nil
}
