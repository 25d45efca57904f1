package applier

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/regsync/regsync/tenant"
)

// DefaultVaultFailures is how many vault calls in a row may fail (after
// their retries or not) before Apply stops calling that vault for the rest
// of the run: two actions' worth of attempts under DefaultRetryPolicy.
const DefaultVaultFailures = 12

// DefaultCompensationTimeout bounds the check of a failed vault write and
// the removal of its credential, which run under their own context so
// that a cancelled apply (Ctrl-C, a CI job cancelled) still finishes them:
// the lag window (the removal rides out replication lag) and a minute.
const DefaultCompensationTimeout = 3 * time.Minute

// codeVaultOpen is the Code of the error a vault call fails with, unsent,
// once the vault has failed Options.VaultFailures times in a row.
const codeVaultOpen = "RegsyncVaultUnavailable"

// vaults is the run's knowledge of the Key Vaults it writes to: a circuit
// breaker per vault, and the soft-deleted secrets of each, listed once.
type vaults struct {
	store tenant.SecretStore
	limit int // consecutive failures that open the breaker; < 0 never

	mu       sync.Mutex
	failures map[string]int   // by vault: failures in a row
	open     map[string]error // by vault: the failure that opened it
	deleted  map[string]*deletedList
	// recovered are the secrets ("vault/name", lower case) this run
	// recovered: their first writes may still meet the recovery's 409.
	recovered map[string]bool
}

// deletedList is one vault's soft-deleted secrets, listed at most once per
// run by the first secret action that needs it (the others wait for it).
type deletedList struct {
	mu      sync.Mutex
	listed  bool
	unknown bool                            // the identity may not list them
	names   map[string]tenant.DeletedSecret // by lower-case name
}

func newVaults(store tenant.SecretStore, limit int) *vaults {
	return &vaults{store: store, limit: limit, failures: map[string]int{}, open: map[string]error{},
		deleted: map[string]*deletedList{}, recovered: map[string]bool{}}
}

// guard wraps one vault call: it fails unsent, with an error that is not
// retried, while the vault's breaker is open, and counts the call's
// outcome. Throttled, transient and unknown failures count towards opening
// the breaker. When write is set, an answer of any other kind shows the
// vault takes writes and resets the count, as a success does; a read's
// success does not, since a vault may answer reads and refuse writes. A
// call cut short by the caller's context counts for nothing.
//
// check marks the one read that runs whatever the breaker says: settling a
// write that failed, where not knowing whether it landed costs more than a
// request.
func (v *vaults) guard(vault string, write, check bool, call func(ctx context.Context) error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		v.mu.Lock()
		cause := v.open[vault]
		v.mu.Unlock()
		if cause != nil && !check {
			return v.openError(vault, cause)
		}
		err := call(ctx)
		if ctx.Err() != nil {
			return err
		}
		v.mu.Lock()
		defer v.mu.Unlock()
		switch k := tenant.KindOf(err); {
		case err == nil, k != tenant.Throttled && k != tenant.Transient && k != tenant.Unknown:
			if write {
				v.failures[vault] = 0
			}
		default:
			v.failures[vault]++
			if v.limit >= 0 && v.failures[vault] >= v.limit && v.open[vault] == nil {
				v.open[vault] = err
			}
		}
		return err
	}
}

func (v *vaults) openError(vault string, cause error) error {
	n := v.limit
	return &tenant.Error{Kind: tenant.Unknown, Code: codeVaultOpen, Err: cause, Message: fmt.Sprintf(
		"Key Vault %s failed %d times in a row in this run (last: %v); regsync calls it no more until the next apply", vault, n, cause)}
}

// isOpen reports whether the vault's breaker is open, and why.
func (v *vaults) isOpen(vault string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if cause := v.open[vault]; cause != nil {
		return v.openError(vault, cause)
	}
	return nil
}

func (v *vaults) list(vault string) *deletedList {
	v.mu.Lock()
	defer v.mu.Unlock()
	d := v.deleted[vault]
	if d == nil {
		d = &deletedList{}
		v.deleted[vault] = d
	}
	return d
}

func (v *vaults) markRecovered(vault, name string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.recovered[strings.ToLower(vault+"/"+name)] = true
}

func (v *vaults) wasRecovered(vault, name string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.recovered[strings.ToLower(vault+"/"+name)]
}

// vaultRead runs one vault read under the run's retry policy and the
// vault's breaker; vaultWrite one write (a SetSecret, a recovery);
// vaultCheck the read that settles a failed write, which an open breaker
// does not stop (see guard).
func (x *exec) vaultRead(ctx context.Context, vault string, call func(ctx context.Context) error) error {
	return x.retryAt(ctx, x.vaultGate, false, x.vaults.guard(vault, false, false, call))
}

func (x *exec) vaultWrite(ctx context.Context, vault string, call func(ctx context.Context) error) error {
	return x.retryAt(ctx, x.vaultGate, false, x.vaults.guard(vault, true, false, call))
}

func (x *exec) vaultCheck(ctx context.Context, vault string, call func(ctx context.Context) error) error {
	return x.retryAt(ctx, x.vaultGate, false, x.vaults.guard(vault, false, true, call))
}

// prepareVault is what a new client secret needs of its vault before
// addPassword, so that no credential is made whose value cannot be stored:
//
//   - the vault's breaker is closed;
//   - the secret's name is not held by a soft-deleted secret. Key Vault's
//     soft delete is always on, and a secret deleted by hand keeps its name
//     until it is recovered or purged; a write to it answers 409
//     ObjectIsDeletedButRecoverable. Apply lists the vault's deleted
//     secrets once per run (one request per vault, not per secret) and
//     recovers the secret when the identity may, so that the new version
//     is written on top of the old ones. When it may not, the action stops
//     here with a message naming the secret and the two ways out.
//
// An identity that may not list deleted secrets is not stopped: the write
// then tells.
func (x *exec) prepareVault(ctx context.Context, vault, name string) error {
	if err := x.vaults.isOpen(vault); err != nil {
		return fmt.Errorf("not adding a client secret to be stored in %s: %w; no credential was added", vault, err)
	}
	d := x.vaults.list(vault)
	// Another action may be listing: wait for it without holding a slot.
	_ = waitFree(ctx, func() error { d.mu.Lock(); return nil })
	if !d.listed {
		var found []tenant.DeletedSecret
		err := x.vaultRead(ctx, vault, func(ctx context.Context) (err error) {
			found, err = x.vault.DeletedSecrets(ctx, vault)
			return err
		})
		switch {
		case err == nil:
			d.names = map[string]tenant.DeletedSecret{}
			for _, s := range found {
				d.names[strings.ToLower(s.Name)] = s
			}
			d.listed = true
		case tenant.KindOf(err) == tenant.Forbidden:
			d.listed, d.unknown = true, true
		default:
			d.mu.Unlock()
			return fmt.Errorf("reading the deleted secrets of Key Vault %s failed: %w; no credential was added", vault, err)
		}
	}
	gone, isDeleted := d.names[strings.ToLower(name)]
	if isDeleted {
		// Recover once, for every action of this run that writes the name.
		err := x.vaultWrite(ctx, vault, func(ctx context.Context) error { return x.vault.RecoverSecret(ctx, vault, name) })
		if err != nil && !gone404(err) {
			d.mu.Unlock()
			return deletedSecretError(vault, name, gone, err)
		}
		delete(d.names, strings.ToLower(name))
		x.vaults.markRecovered(vault, name)
		x.note("recovered secret %s of Key Vault %s, deleted %s, before writing its new version", name, vault, gone.DeletedDate.Format(time.RFC3339))
	}
	d.mu.Unlock()
	return nil
}

// gone404 reports whether a recovery failed because there is no deleted
// secret of that name (any more): someone recovered or purged it meanwhile.
func gone404(err error) bool { return tenant.KindOf(err) == tenant.NotFound }

// deletedSecretError is the stop before addPassword when a soft-deleted
// secret holds the name and Apply could not recover it.
func deletedSecretError(vault, name string, d tenant.DeletedSecret, err error) error {
	why := "recovering it failed"
	if tenant.KindOf(err) == tenant.Forbidden {
		why = "this identity may not recover it (it needs the recover permission on secrets)"
	}
	when := ""
	if !d.DeletedDate.IsZero() {
		when = fmt.Sprintf(" since %s", d.DeletedDate.Format(time.RFC3339))
	}
	purge := ""
	if !d.ScheduledPurgeDate.IsZero() {
		purge = fmt.Sprintf(" (Key Vault purges it on its own on %s)", d.ScheduledPurgeDate.Format(time.DateOnly))
	}
	return fmt.Errorf("secret %s of Key Vault %s is deleted%s and its name stays reserved until it is recovered or purged%s; %s: %w. "+
		"Either recover it (az keyvault secret recover --vault-name %s --name %s) or purge it (az keyvault secret purge --vault-name %s --name %s), "+
		"then apply again; no credential was added",
		name, vault, when, purge, why, err, vault, name, vault, name)
}

// mayHaveLanded reports whether a failed vault write may nevertheless have
// been carried out: the answer was lost (a gateway timeout, a broken
// connection, a timeout, a cancelled call) or the service failed while
// doing it (500, 502). An answer that says the write was refused or not
// attempted (429, 503, any 4xx) does not, nor does a call the breaker
// never sent.
func mayHaveLanded(err error) bool {
	var te *tenant.Error
	if !errors.As(err, &te) {
		return true
	}
	if te.Code == codeVaultOpen {
		return false
	}
	switch te.Kind {
	case tenant.Unknown:
		return true
	case tenant.Transient:
		switch te.Status {
		case 0, http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
			return true
		default: // 503, 408, a 409 of a recovery still under way
			return false
		}
	default:
		return false
	}
}
