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

// computePlan loads the spec, reads the tenant and computes the plan,
// printing diagnostics on stderr. On success the caller closes
// res.backend.
// drift also reads the vaults' soft-deleted secrets (withDeleted).
func (e *env) computePlan(ctx context.Context, file string, local localFlag, prune bool, withDeleted ...bool) (*planResult, error) {
	sp, err := e.loadSpec(file)
	if err != nil {
		return nil, err
	}
	b, err := e.connect(ctx, sp, local)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	q := readQuery(sp)
	q.DeletedSecrets = len(withDeleted) > 0 && withDeleted[0]
	snap, err := tenant.Read(ctx, b.Dir, b.Vault, q)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("reading the tenant: %w", err)
	}
	readTime := time.Since(start)
	p, ds := planner.Compute(sp, snap, planner.Options{Now: e.Now(), Prune: prune, CallerID: b.CallerID})
	ds.Sort()
	if len(ds) > 0 {
		fmt.Fprint(e.Err, ds.Format())
	}
	if ds.HasErrors() || p == nil {
		b.Close()
		return nil, errReported
	}
	return &planResult{spec: sp, backend: b, snapshot: snap, plan: p, readTime: readTime}, nil
}
