package tenanttest

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/regsync/regsync/tenant"
)

// Vault is the tenant's Key Vault half, a tenant.SecretStore (a separate
// value because both interfaces have Requests).
//
// Like Key Vault, it soft-deletes: a secret deleted with DeleteSecret keeps
// its name reserved (a write answers Conflict, ObjectIsDeletedButRecoverable)
// until it is recovered or purged.
func (f *Tenant) Vault() tenant.SecretStore { return vaultStore{f} }

type vaultStore struct{ f *Tenant }

// Vault calls, as Calls and the fault queues name them.
const (
	setSecret      = "SetSecret"
	secretVersions = "SecretVersions"
	deletedSecrets = "DeletedSecrets"
	recoverSecret  = "RecoverSecret"
	listSecrets    = "ListSecrets"
)

// vaultCall counts a vault request, records it, runs the OnVault hook and
// returns the pending fault of the call, if any. Callers hold no lock.
func (f *Tenant) vaultCall(ctx context.Context, name, about string) (fault, bool, error) {
	f.mu.Lock()
	f.vaultReqs++
	f.calls = append(f.calls, name+" "+about)
	hook := f.onVault
	f.mu.Unlock()
	if hook != nil {
		hook(name, about)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return fault{}, false, cancelled(err)
	}
	if q := f.faults[name]; len(q) > 0 {
		f.faults[name] = q[1:]
		return q[0], true, nil
	}
	return fault{}, false, nil
}

func (v vaultStore) ListSecrets(ctx context.Context, vault string) ([]tenant.SecretMeta, error) {
	f := v.f
	flt, faulty, err := f.vaultCall(ctx, listSecrets, vault)
	if err != nil {
		return nil, err
	}
	if faulty {
		return nil, flt.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []tenant.SecretMeta
	for k, versions := range f.vault {
		if strings.HasPrefix(k, vault+"/") {
			out = append(out, versions[len(versions)-1].Meta)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (v vaultStore) SetSecret(ctx context.Context, vault, name string, value tenant.SecretValue, w tenant.SecretWrite) (tenant.SecretMeta, error) {
	f := v.f
	flt, faulty, err := f.vaultCall(ctx, setSecret, vault+"/"+name)
	if err != nil {
		return tenant.SecretMeta{}, err
	}
	if faulty && !flt.lost {
		return tenant.SecretMeta{}, flt.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k := vault + "/" + name
	if _, ok := f.deleted[k]; ok {
		return tenant.SecretMeta{}, &tenant.Error{Kind: tenant.Conflict, Status: 409, Code: "Conflict",
			Message: fmt.Sprintf("Secret %s is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.", name)}
	}
	tags := map[string]string{}
	for tk, tv := range w.Tags {
		tags[tk] = tv
	}
	meta := tenant.SecretMeta{Vault: vault, Name: name, Version: fmt.Sprintf("v%d", len(f.vault[k])+1), ContentType: w.ContentType,
		Tags: tags, Enabled: true, Expires: w.Expires, Created: f.now(), Updated: f.now()}
	f.vault[k] = append(f.vault[k], StoredSecret{Value: value.Reveal(), Meta: meta})
	if faulty {
		return tenant.SecretMeta{}, flt.err
	}
	return meta, nil
}

func (v vaultStore) SecretVersions(ctx context.Context, vault, name string) ([]tenant.SecretMeta, error) {
	f := v.f
	flt, faulty, err := f.vaultCall(ctx, secretVersions, vault+"/"+name)
	if err != nil {
		return nil, err
	}
	if faulty {
		return nil, flt.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []tenant.SecretMeta
	for _, s := range f.vault[vault+"/"+name] {
		out = append(out, s.Meta)
	}
	return out, nil
}

func (v vaultStore) DeletedSecrets(ctx context.Context, vault string) ([]tenant.DeletedSecret, error) {
	f := v.f
	flt, faulty, err := f.vaultCall(ctx, deletedSecrets, vault)
	if err != nil {
		return nil, err
	}
	if faulty {
		return nil, flt.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []tenant.DeletedSecret
	for k, d := range f.deleted {
		if strings.HasPrefix(k, vault+"/") {
			out = append(out, d.info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (v vaultStore) RecoverSecret(ctx context.Context, vault, name string) error {
	f := v.f
	flt, faulty, err := f.vaultCall(ctx, recoverSecret, vault+"/"+name)
	if err != nil {
		return err
	}
	if faulty {
		return flt.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k := vault + "/" + name
	d, ok := f.deleted[k]
	if !ok {
		return &tenant.Error{Kind: tenant.NotFound, Status: 404, Code: "SecretNotFound", Message: "Deleted Secret not found: " + name}
	}
	delete(f.deleted, k)
	f.vault[k] = d.versions
	return nil
}

func (v vaultStore) Requests() int {
	v.f.mu.Lock()
	defer v.f.mu.Unlock()
	return v.f.vaultReqs
}

// deletedSecret is a soft-deleted secret: its versions wait for recovery.
type deletedSecret struct {
	info     tenant.DeletedSecret
	versions []StoredSecret
}

// DeleteSecret soft-deletes a vault secret, as someone might by hand: it
// leaves the live secrets and its name stays reserved until RecoverSecret
// or PurgeSecret.
func (f *Tenant) DeleteSecret(vault, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := vault + "/" + name
	versions := f.vault[k]
	if len(versions) == 0 {
		return
	}
	delete(f.vault, k)
	now := f.now()
	f.deleted[k] = deletedSecret{versions: versions, info: tenant.DeletedSecret{SecretMeta: versions[len(versions)-1].Meta,
		DeletedDate: now, ScheduledPurgeDate: now.AddDate(0, 0, 90)}}
}

// PurgeSecret removes a soft-deleted secret for good; its name is free.
func (f *Tenant) PurgeSecret(vault, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.deleted, vault+"/"+name)
}

// OnVault sets a function called at the start of every vault call, with
// the call's name ("SetSecret") and what it is about ("vault/name"), before
// the call looks at its context: a test can cancel the apply's context
// there, as Ctrl-C would during the request. Nil removes it.
func (f *Tenant) OnVault(fn func(call, about string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onVault = fn
}

// cancelled is what a client returns for a call whose context ended: the
// request may or may not have reached the service.
func cancelled(err error) error {
	return &tenant.Error{Kind: tenant.Unknown, Message: "cancelled", Err: err}
}
