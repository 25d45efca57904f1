package tenanttest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/regsync/regsync/tenant"
)

// The vault's certificates: Vault() is a tenant.CertificateStore too. A
// create makes a real self-signed certificate (ECDSA, for speed; the key is
// dropped at once) and answers "inProgress"; CertificateOperation then
// answers "completed". Like Key Vault, a deleted certificate keeps its name
// reserved until it is recovered.
var _ tenant.CertificateStore = vaultStore{}

// Certificate calls, as Calls and InjectVaultCall name them.
const (
	createCertificate    = "CreateCertificate"
	certificateOperation = "CertificateOperation"
	getCertificate       = "GetCertificate"
	listCertificates     = "ListCertificates"
	certificateVersions  = "CertificateVersions"
	deletedCertificates  = "DeletedCertificates"
	recoverCertificate   = "RecoverCertificate"
)

// fakeCerts holds the certificates of every vault.
type fakeCerts struct {
	versions map[string][]tenant.Certificate // vault/name (lower case) → versions, oldest first
	deleted  map[string]bool
}

func (f *Tenant) certStore() *fakeCerts {
	if f.certs == nil {
		f.certs = &fakeCerts{versions: map[string][]tenant.Certificate{}, deleted: map[string]bool{}}
	}
	return f.certs
}

func certKey(vault, name string) string { return strings.ToLower(vault + "/" + name) }

func (v vaultStore) certFault(ctx context.Context, call, about string) error {
	flt, faulty, err := v.f.vaultCall(ctx, call, about)
	if err != nil {
		return err
	}
	if faulty {
		return flt.err
	}
	return nil
}

func (v vaultStore) CreateCertificate(ctx context.Context, vault, name string, req tenant.CertificateRequest) (tenant.CertificateOperation, error) {
	if err := v.certFault(ctx, createCertificate, vault+"/"+name); err != nil {
		return tenant.CertificateOperation{}, err
	}
	f := v.f
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tenant.CertificateOperation{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	cs := f.certStore()
	k := certKey(vault, name)
	if cs.deleted[k] {
		return tenant.CertificateOperation{}, &tenant.Error{Kind: tenant.Conflict, Status: 409, Code: "Conflict",
			Message: "certificate " + name + " is deleted but recoverable (ObjectIsDeletedButRecoverable)"}
	}
	now := f.now().UTC().Truncate(1e9)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(len(cs.versions[k]) + 1)), Subject: pkix.Name{CommonName: strings.TrimPrefix(req.Subject, "CN=")},
		NotBefore: now, NotAfter: now.AddDate(0, req.ValidityMonths, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tenant.CertificateOperation{}, err
	}
	sum := sha1.Sum(der)
	nbf, exp := tmpl.NotBefore, tmpl.NotAfter
	tags := map[string]string{}
	for tk, tv := range req.Tags {
		tags[tk] = tv
	}
	c := tenant.Certificate{CER: der, CertificateMeta: tenant.CertificateMeta{Vault: vault, Name: name, Version: f.id("certver"),
		Thumbprint: strings.ToUpper(hex.EncodeToString(sum[:])), Tags: tags, Enabled: true, NotBefore: &nbf, Expires: &exp, Created: now, Updated: now}}
	cs.versions[k] = append(cs.versions[k], c)
	return tenant.CertificateOperation{Status: tenant.CertificateInProgress}, nil
}

func (v vaultStore) CertificateOperation(ctx context.Context, vault, name string) (tenant.CertificateOperation, error) {
	if err := v.certFault(ctx, certificateOperation, vault+"/"+name); err != nil {
		return tenant.CertificateOperation{}, err
	}
	f := v.f
	f.mu.Lock()
	defer f.mu.Unlock()
	k := certKey(vault, name)
	if len(f.certStore().versions[k]) == 0 || f.certStore().deleted[k] {
		return tenant.CertificateOperation{}, NotFound(name)
	}
	return tenant.CertificateOperation{Status: tenant.CertificateCompleted}, nil
}

func (v vaultStore) GetCertificate(ctx context.Context, vault, name, version string) (tenant.Certificate, error) {
	if err := v.certFault(ctx, getCertificate, vault+"/"+name); err != nil {
		return tenant.Certificate{}, err
	}
	f := v.f
	f.mu.Lock()
	defer f.mu.Unlock()
	k := certKey(vault, name)
	vs := f.certStore().versions[k]
	if len(vs) == 0 || f.certStore().deleted[k] {
		return tenant.Certificate{}, NotFound(name)
	}
	if version == "" {
		return vs[len(vs)-1], nil
	}
	for _, c := range vs {
		if strings.EqualFold(c.Version, version) {
			return c, nil
		}
	}
	return tenant.Certificate{}, NotFound(name + "/" + version)
}

func (v vaultStore) ListCertificates(ctx context.Context, vault string) ([]tenant.CertificateMeta, error) {
	if err := v.certFault(ctx, listCertificates, vault); err != nil {
		return nil, err
	}
	f := v.f
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []tenant.CertificateMeta
	for k, vs := range f.certStore().versions {
		if strings.HasPrefix(k, strings.ToLower(vault)+"/") && !f.certStore().deleted[k] {
			out = append(out, vs[len(vs)-1].CertificateMeta)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (v vaultStore) CertificateVersions(ctx context.Context, vault, name string) ([]tenant.CertificateMeta, error) {
	if err := v.certFault(ctx, certificateVersions, vault+"/"+name); err != nil {
		return nil, err
	}
	f := v.f
	f.mu.Lock()
	defer f.mu.Unlock()
	k := certKey(vault, name)
	if f.certStore().deleted[k] {
		return nil, nil
	}
	var out []tenant.CertificateMeta
	for _, c := range f.certStore().versions[k] {
		out = append(out, c.CertificateMeta)
	}
	return out, nil
}

func (v vaultStore) DeletedCertificates(ctx context.Context, vault string) ([]tenant.DeletedCertificate, error) {
	if err := v.certFault(ctx, deletedCertificates, vault); err != nil {
		return nil, err
	}
	f := v.f
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []tenant.DeletedCertificate
	for k := range f.certStore().deleted {
		if vs := f.certStore().versions[k]; strings.HasPrefix(k, strings.ToLower(vault)+"/") && len(vs) > 0 {
			out = append(out, tenant.DeletedCertificate{CertificateMeta: vs[len(vs)-1].CertificateMeta, DeletedDate: f.now().UTC()})
		}
	}
	return out, nil
}

func (v vaultStore) RecoverCertificate(ctx context.Context, vault, name string) error {
	if err := v.certFault(ctx, recoverCertificate, vault+"/"+name); err != nil {
		return err
	}
	f := v.f
	f.mu.Lock()
	defer f.mu.Unlock()
	k := certKey(vault, name)
	if !f.certStore().deleted[k] {
		return NotFound(name)
	}
	delete(f.certStore().deleted, k)
	return nil
}

// DeleteCertificate soft-deletes a certificate, as someone would by hand.
func (f *Tenant) DeleteCertificate(vault, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.certStore().deleted[certKey(vault, name)] = true
}

// Certificates returns every version of a vault certificate, oldest first.
func (f *Tenant) Certificates(vault, name string) []tenant.Certificate {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]tenant.Certificate(nil), f.certStore().versions[certKey(vault, name)]...)
}

// certSnapshot adds the certificates to a snapshot as tenant.Read lists
// them (every version; a superset is the same to the planner). The caller
// holds mu.
func (f *Tenant) certSnapshot(s *tenant.Snapshot) {
	if f.certs == nil {
		return
	}
	vaults := map[string]string{}
	for k, vs := range f.certs.versions {
		if len(vs) == 0 {
			continue
		}
		latest := vs[len(vs)-1].CertificateMeta
		vaults[strings.ToLower(latest.Vault)] = latest.Vault
		if f.certs.deleted[k] {
			s.DeletedCertificates = append(s.DeletedCertificates, tenant.DeletedCertificate{CertificateMeta: latest, DeletedDate: f.now().UTC()})
			continue
		}
		s.Certificates = append(s.Certificates, latest)
		for _, c := range vs {
			s.CertificateVersions = append(s.CertificateVersions, c.CertificateMeta)
		}
	}
	for _, v := range vaults {
		s.CertificateVaultsRead = append(s.CertificateVaultsRead, v)
	}
	sort.Strings(s.CertificateVaultsRead)
	sort.Slice(s.Certificates, func(i, j int) bool { return s.Certificates[i].Name < s.Certificates[j].Name })
	sort.Slice(s.CertificateVersions, func(i, j int) bool {
		return fmt.Sprint(s.CertificateVersions[i].Name, s.CertificateVersions[i].Version) < fmt.Sprint(s.CertificateVersions[j].Name, s.CertificateVersions[j].Version)
	})
}
