package applier

import "github.com/regsync/regsync/tenant"

// RetryPolicy is tenant.RetryPolicy, the retry mechanism Apply shares with
// tenant.Read; the name stays here for callers of Options.Retry.
type RetryPolicy = tenant.RetryPolicy

// DefaultRetryPolicy is tenant.DefaultRetryPolicy.
func DefaultRetryPolicy() RetryPolicy { return tenant.DefaultRetryPolicy() }
