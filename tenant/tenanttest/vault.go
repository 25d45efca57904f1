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
func (f *Tenant) Vault() tenant.SecretStore { return vaultStore{f} }

type vaultStore struct{ f *Tenant }

func (v vaultStore) ListSecrets(_ context.Context, vault string) ([]tenant.SecretMeta, error) {
	f := v.f
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vaultReqs++
	var out []tenant.SecretMeta
	for k, versions := range f.vault {
		if strings.HasPrefix(k, vault+"/") {
			out = append(out, versions[len(versions)-1].Meta)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (v vaultStore) ListVersions(_ context.Context, vault, name string) ([]tenant.SecretMeta, error) {
	f := v.f
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vaultReqs++
	var out []tenant.SecretMeta
	for _, s := range f.vault[vault+"/"+name] {
		out = append(out, s.Meta)
	}
	return out, nil
}

func (v vaultStore) SetSecret(_ context.Context, vault, name string, value tenant.SecretValue, w tenant.SecretWrite) (tenant.SecretMeta, error) {
	f := v.f
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vaultReqs++
	f.calls = append(f.calls, setSecret+" "+vault+"/"+name)
	if q := f.faults[setSecret]; len(q) > 0 {
		f.faults[setSecret] = q[1:]
		return tenant.SecretMeta{}, q[0].err
	}
	k := vault + "/" + name
	tags := map[string]string{}
	for tk, tv := range w.Tags {
		tags[tk] = tv
	}
	meta := tenant.SecretMeta{Vault: vault, Name: name, Version: fmt.Sprintf("v%d", len(f.vault[k])+1), ContentType: w.ContentType,
		Tags: tags, Enabled: true, Expires: w.Expires, Created: f.now(), Updated: f.now()}
	f.vault[k] = append(f.vault[k], StoredSecret{Value: value.Reveal(), Meta: meta})
	return meta, nil
}

func (v vaultStore) Requests() int {
	v.f.mu.Lock()
	defer v.f.mu.Unlock()
	return v.f.vaultReqs
}
