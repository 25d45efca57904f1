package kv

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// Certificates, after the Key Vault certificates REST reference and
// "About Azure Key Vault certificates" (docs/keyvault-quirks.md):
//
//   - POST /certificates/{name}/create with a policy answers 202 Accepted
//     and the pending certificate operation (status "inProgress"); GET
//     /certificates/{name}/pending then reports it "completed". The
//     emulator makes the key pair and a real self-signed X.509 certificate
//     at once; only the first answer says "inProgress".
//   - A certificate comes with a key and a secret of the same name. The
//     secret (listed among the vault's secrets, "managed": true) holds the
//     certificate with its private key, as PEM (exportable keys only); the
//     emulator keeps the key inside that secret and never sends it
//     anywhere else. The keys API itself is not emulated.
//   - GET /certificates/{name}[/{version}] answers the bundle with cer (the
//     DER certificate, base64) and x5t (its SHA-1 thumbprint, base64url),
//     and kid and sid naming the key and secret versions.
//   - DELETE soft-deletes the certificate with its secret; the name stays
//     reserved (create answers 409 ObjectIsDeletedButRecoverable) until
//     POST /deletedcertificates/{name}/recover or a purge.

// certificate is one named certificate with every version, oldest first,
// and the policy of its latest create.
type certificate struct {
	Name     string         `json:"name"`
	Policy   policyDoc      `json:"policy"`
	Versions []*certVersion `json:"versions"`
	// Polled is set once the pending operation has been read after the
	// create that made the latest version.
	Polled  bool      `json:"polled"`
	Deleted *deletion `json:"deleted,omitempty"`
}

// certVersion is one version: the public certificate and its attributes.
type certVersion struct {
	ID        string            `json:"id"`
	DER       []byte            `json:"der"`
	Tags      map[string]string `json:"tags,omitempty"`
	Enabled   bool              `json:"enabled"`
	NotBefore int64             `json:"nbf"`
	Expires   int64             `json:"exp"`
	Created   int64             `json:"created"`
	Updated   int64             `json:"updated"`
}

// policyDoc is a certificate policy on the wire (the members regsync and
// the SDK use; anything else in a request is ignored).
type policyDoc struct {
	ID       string         `json:"id,omitempty"`
	Key      keyProps       `json:"key_props"`
	Secret   *secretProps   `json:"secret_props,omitempty"`
	X509     x509Props      `json:"x509_props"`
	Lifetime []lifetimeDoc  `json:"lifetime_actions,omitempty"`
	Issuer   issuerDoc      `json:"issuer"`
	Attrs    *policyAttribs `json:"attributes,omitempty"`
}

type keyProps struct {
	Exportable *bool  `json:"exportable,omitempty"`
	KeyType    string `json:"kty,omitempty"`
	KeySize    int    `json:"key_size,omitempty"`
	ReuseKey   *bool  `json:"reuse_key,omitempty"`
	Curve      string `json:"crv,omitempty"`
}

type secretProps struct {
	ContentType string `json:"contentType,omitempty"`
}

type x509Props struct {
	Subject        string   `json:"subject,omitempty"`
	EKUs           []string `json:"ekus,omitempty"`
	KeyUsage       []string `json:"key_usage,omitempty"`
	ValidityMonths int      `json:"validity_months,omitempty"`
}

type lifetimeDoc struct {
	Trigger map[string]int    `json:"trigger"`
	Action  map[string]string `json:"action"`
}

type issuerDoc struct {
	Name string `json:"name,omitempty"`
	Type string `json:"cty,omitempty"`
}

type policyAttribs struct {
	Enabled bool  `json:"enabled"`
	Created int64 `json:"created,omitempty"`
	Updated int64 `json:"updated,omitempty"`
}

// certBundle is a CertificateBundle, a CertificateItem (list entry) or,
// with the deletion fields, a DeletedCertificateBundle or item.
type certBundle struct {
	ID                 string            `json:"id"`
	KID                string            `json:"kid,omitempty"`
	SID                string            `json:"sid,omitempty"`
	X5T                string            `json:"x5t"`
	CER                string            `json:"cer,omitempty"`
	ContentType        string            `json:"contentType,omitempty"`
	Policy             *policyDoc        `json:"policy,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
	Attributes         attributes        `json:"attributes"`
	RecoveryID         string            `json:"recoveryId,omitempty"`
	DeletedDate        *int64            `json:"deletedDate,omitempty"`
	ScheduledPurgeDate *int64            `json:"scheduledPurgeDate,omitempty"`
}

type certList struct {
	Value    []certBundle `json:"value"`
	NextLink *string      `json:"nextLink"`
}

// operationDoc is a CertificateOperation.
type operationDoc struct {
	ID                    string     `json:"id"`
	Issuer                issuerDoc  `json:"issuer"`
	CSR                   string     `json:"csr,omitempty"`
	CancellationRequested bool       `json:"cancellation_requested"`
	Status                string     `json:"status"`
	StatusDetails         string     `json:"status_details,omitempty"`
	Target                string     `json:"target,omitempty"`
	RequestID             string     `json:"request_id"`
	Error                 *opErrorIn `json:"error,omitempty"`
}

type opErrorIn struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// createIn is the body of Create Certificate.
type createIn struct {
	Policy     *policyDoc         `json:"policy"`
	Tags       *map[string]string `json:"tags"`
	Attributes *attributesIn      `json:"attributes"`
}

func certNotFound(what string) *kvError {
	return &kvError{
		status:  http.StatusNotFound,
		code:    "CertificateNotFound",
		message: "A certificate with (name/id) " + what + " was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182",
	}
}

func deletedCertNotFound(name string) *kvError {
	return &kvError{status: http.StatusNotFound, code: "CertificateNotFound", message: "Deleted Certificate not found: " + name}
}

// certHandler answers one certificate operation; name is the
// certificate's name from the path ("" for a list), sub the segment after
// it ("" for none).
type certHandler func(s *Server, q *request, name, sub string) (int, any, *kvError)

// certOp is one method of a certificate route.
type certOp struct {
	method string
	run    certHandler
}

// byName adapts a handler that takes the certificate's name only.
func byName(h func(*Server, *request, string) (int, any, *kvError)) certHandler {
	return func(s *Server, q *request, name, _ string) (int, any, *kvError) { return h(s, q, name) }
}

// certRoutes are the certificate routes, by collection, "{name}" when
// the path names a certificate, and the segment after it. Any other
// segment after a certificate's name is a version id (certVersionRoute).
var certRoutes = map[string][]certOp{
	"certificates":        {{http.MethodGet, func(s *Server, q *request, _, _ string) (int, any, *kvError) { return s.listCerts(q, false) }}},
	"deletedcertificates": {{http.MethodGet, func(s *Server, q *request, _, _ string) (int, any, *kvError) { return s.listCerts(q, true) }}},
	"certificates/{name}": {
		{http.MethodGet, func(s *Server, q *request, name, _ string) (int, any, *kvError) { return s.getCert(q, name, "") }},
		{http.MethodDelete, byName((*Server).deleteCert)},
	},
	"certificates/{name}/create":   {{http.MethodPost, byName((*Server).createCert)}},
	"certificates/{name}/pending":  {{http.MethodGet, byName((*Server).pendingCert)}},
	"certificates/{name}/policy":   {{http.MethodGet, byName((*Server).certPolicy)}},
	"certificates/{name}/versions": {{http.MethodGet, byName((*Server).listCertVersions)}},
	"deletedcertificates/{name}": {
		{http.MethodGet, byName((*Server).getDeletedCert)},
		{http.MethodDelete, byName((*Server).purgeCert)},
	},
	"deletedcertificates/{name}/recover": {{http.MethodPost, byName((*Server).recoverCert)}},
}

// certVersionRoute is GET /certificates/{name}/{version}.
var certVersionRoute = []certOp{{http.MethodGet, func(s *Server, q *request, name, version string) (int, any, *kvError) {
	return s.getCert(q, name, version)
}}}

// routeCertificates dispatches the certificate operations; segs start with
// "certificates" or "deletedcertificates". A vault closed to certificates
// refuses them all; then the path must be known, the name valid and the
// method one the route answers.
func (s *Server) routeCertificates(q *request, segs []string) (int, any, *kvError) {
	method := q.r.Method
	if s.certsForbidden(q.vault) {
		return 0, nil, &kvError{status: http.StatusForbidden, code: "Forbidden",
			message: "Caller is not authorized to perform action on resource. Action: 'Microsoft.KeyVault/vaults/certificates/" + certAction(method, segs) + "'",
			inner:   "ForbiddenByRbac"}
	}
	if len(segs) > 3 {
		return 0, nil, ptr(notFoundRoute())
	}
	route, name, sub := segs[0], "", ""
	if len(segs) > 1 {
		name = segs[1]
		if !validSecretName(name) {
			return 0, nil, badParameter("The request URI contains an invalid name: " + name)
		}
		route += "/{name}"
	}
	if len(segs) > 2 {
		sub = segs[2]
		route += "/" + sub
	}
	ops, ok := certRoutes[route]
	if !ok && segs[0] == "certificates" && sub != "" {
		ops, ok = certVersionRoute, true
	}
	if !ok {
		return 0, nil, ptr(notFoundRoute())
	}
	allowed := make([]string, 0, len(ops))
	for _, op := range ops {
		if op.method == method {
			return op.run(s, q, name, sub)
		}
		allowed = append(allowed, op.method)
	}
	return methodNotAllowed(q, allowed...)
}

// certAction names the data action a forbidden request needed, as the
// service's 403 does.
func certAction(method string, segs []string) string {
	switch {
	case len(segs) == 3 && segs[2] == "create":
		return "create/action"
	case len(segs) == 3 && segs[2] == "recover":
		return "recover/action"
	case method == http.MethodDelete:
		return "delete"
	}
	return "read"
}

// certsForbidden reports whether certificate operations in vault are
// refused (Options.CertificatesForbidden).
func (s *Server) certsForbidden(vault string) bool {
	return s.noCerts != nil && s.noCerts(vault)
}

// lookupCert returns the certificate called name in q's vault, deleted or
// not, or nil. The caller holds mu.
func (s *Server) lookupCert(q *request, name string) *certificate {
	v := s.vaultFor(q)
	if v == nil {
		return nil
	}
	return v.Certificates[strings.ToLower(name)]
}

// liveCert is lookupCert for a certificate that is not deleted, and
// deletedCert for one that is; nil otherwise. The caller holds mu.
func (s *Server) liveCert(q *request, name string) *certificate {
	if c := s.lookupCert(q, name); c != nil && c.Deleted == nil {
		return c
	}
	return nil
}

func (s *Server) deletedCert(q *request, name string) *certificate {
	if c := s.lookupCert(q, name); c != nil && c.Deleted != nil {
		return c
	}
	return nil
}

// createCert makes a new version of a certificate from the policy in the
// body, or from the certificate's current policy when the body has none.
func (s *Server) createCert(q *request, name string) (int, any, *kvError) {
	var in createIn
	if e := readBody(q, &in); e != nil {
		return 0, nil, e
	}
	if in.Tags != nil {
		if e := checkMeta(&secretIn{Tags: in.Tags}); e != nil {
			return 0, nil, e
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.vaultFor(q)
	key := strings.ToLower(name)
	var cert *certificate
	if v != nil {
		cert = v.Certificates[key]
	}
	if cert != nil && cert.Deleted != nil {
		return 0, nil, &kvError{
			status:  http.StatusConflict,
			code:    "Conflict",
			message: "Certificate " + name + " is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the certificate can only be recovered or purged.",
			inner:   "ObjectIsDeletedButRecoverable",
		}
	}
	if v != nil {
		if sec := v.Secrets[key]; sec != nil && cert == nil {
			return 0, nil, &kvError{status: http.StatusConflict, code: "Conflict",
				message: "A secret with the name " + name + " already exists and is not managed by a certificate; a certificate's secret takes its name."}
		}
	}
	var pol policyDoc
	switch {
	case in.Policy != nil:
		pol = *in.Policy
	case cert != nil:
		pol = cert.Policy
	default:
		return 0, nil, badParameter("Property policy is required.")
	}
	if e := checkPolicy(&pol); e != nil {
		return 0, nil, e
	}
	now := time.Unix(q.now, 0).UTC()
	der, keyPEM, err := selfSigned(pol, now)
	if err != nil {
		return 0, nil, badParameter("Property policy.x509_props.subject has invalid value: " + err.Error())
	}
	ver := &certVersion{
		ID:        newVersionID(),
		DER:       der,
		Enabled:   true,
		NotBefore: now.Unix(),
		Expires:   now.AddDate(0, pol.X509.ValidityMonths, 0).Unix(),
		Created:   q.now,
		Updated:   q.now,
	}
	if in.Tags != nil && len(*in.Tags) > 0 {
		ver.Tags = copyTags(*in.Tags)
	}
	if v == nil {
		v = &vault{Secrets: map[string]*secret{}}
		s.vaults[q.vault] = v
	}
	if v.Certificates == nil {
		v.Certificates = map[string]*certificate{}
	}
	if cert == nil {
		cert = &certificate{Name: name}
		v.Certificates[key] = cert
	}
	pol.ID = ""
	cert.Policy = pol
	cert.Versions = append(cert.Versions, ver)
	cert.Polled = false

	// The companion secret: the certificate with its private key when the
	// key is exportable, the certificate alone otherwise.
	value := pemBlock("CERTIFICATE", der)
	if exportable(pol) {
		value = keyPEM + value
	}
	ct := "application/x-pem-file"
	sec := v.Secrets[key]
	if sec == nil {
		sec = &secret{Name: name}
		v.Secrets[key] = sec
	}
	exp := ver.Expires
	nbf := ver.NotBefore
	sec.Versions = append(sec.Versions, &version{ID: ver.ID, Value: value, ContentType: &ct, Enabled: true,
		NotBefore: &nbf, Expires: &exp, Created: q.now, Updated: q.now, Managed: true})
	s.remember(value)
	s.remember(keyPEM)
	s.remember(strings.Join(strings.Split(strings.TrimSpace(keyPEM), "\n")[1:2], ""))
	return http.StatusAccepted, q.operation(cert, "inProgress"), nil
}

// exportable is the policy's exportable flag; the service's default is
// exportable.
func exportable(p policyDoc) bool { return p.Key.Exportable == nil || *p.Key.Exportable }

// checkPolicy validates and completes a policy: a self-signed issuer
// (the only one emulated), RSA 2048, 3072 or 4096, a subject, 1 to 1200
// months.
func checkPolicy(p *policyDoc) *kvError {
	if p.Issuer.Name == "" {
		return badParameter("Property policy.issuer.name is required.")
	}
	if !strings.EqualFold(p.Issuer.Name, "Self") {
		return badParameter("The emulator only issues self-signed certificates (issuer Self); issuer " + p.Issuer.Name + " is not known to this vault.")
	}
	if p.Key.KeyType == "" {
		p.Key.KeyType = "RSA"
	}
	if p.Key.KeyType != "RSA" && p.Key.KeyType != "RSA-HSM" {
		return badParameter("Property policy.key_props.kty has invalid value: the emulator makes RSA keys only.")
	}
	if p.Key.KeySize == 0 {
		p.Key.KeySize = 2048
	}
	if p.Key.KeySize != 2048 && p.Key.KeySize != 3072 && p.Key.KeySize != 4096 {
		return badParameter(fmt.Sprintf("Property policy.key_props.key_size has invalid value %d: RSA keys are 2048, 3072 or 4096 bits.", p.Key.KeySize))
	}
	if strings.TrimSpace(p.X509.Subject) == "" {
		return badParameter("Property policy.x509_props.subject is required.")
	}
	if p.X509.ValidityMonths == 0 {
		p.X509.ValidityMonths = 12
	}
	if p.X509.ValidityMonths < 1 || p.X509.ValidityMonths > 1200 {
		return badParameter("Property policy.x509_props.validity_months has invalid value: 1 to 1200.")
	}
	return nil
}

// selfSigned makes a key pair and a certificate signed by it, from the
// policy. It returns the certificate (DER) and the private key (PKCS#8
// PEM), which stays in the emulator's vault.
func selfSigned(p policyDoc, now time.Time) ([]byte, string, error) {
	subject, err := parseSubject(p.X509.Subject)
	if err != nil {
		return nil, "", err
	}
	key, err := rsa.GenerateKey(rand.Reader, p.Key.KeySize)
	if err != nil {
		return nil, "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject,
		Issuer:                subject,
		NotBefore:             now,
		NotAfter:              now.AddDate(0, p.X509.ValidityMonths, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, "", err
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, "", err
	}
	return der, pemBlock("PRIVATE KEY", pk), nil
}

func pemBlock(typ string, b []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}))
}

// subjectOIDs are the attribute types a subject may name.
var subjectOIDs = map[string]asn1.ObjectIdentifier{
	"CN": {2, 5, 4, 3}, "SERIALNUMBER": {2, 5, 4, 5}, "C": {2, 5, 4, 6}, "L": {2, 5, 4, 7},
	"ST": {2, 5, 4, 8}, "S": {2, 5, 4, 8}, "STREET": {2, 5, 4, 9}, "O": {2, 5, 4, 10}, "OU": {2, 5, 4, 11},
	"E": {1, 2, 840, 113549, 1, 9, 1}, "DC": {0, 9, 2342, 19200300, 100, 1, 25},
}

// parseSubject reads a distinguished name written NAME=value, NAME=value
// (a backslash escapes the next character).
func parseSubject(dn string) (pkix.Name, error) {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(dn); i++ {
		switch c := dn[i]; {
		case c == '\\' && i+1 < len(dn):
			i++
			cur.WriteByte(dn[i])
		case c == ',' || c == ';':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	var name pkix.Name
	for _, p := range parts {
		k, val, ok := strings.Cut(p, "=")
		k, val = strings.ToUpper(strings.TrimSpace(k)), strings.TrimSpace(val)
		oid, known := subjectOIDs[k]
		if !ok || !known || val == "" {
			return pkix.Name{}, fmt.Errorf("%q is not a NAME=value part of a distinguished name", strings.TrimSpace(p))
		}
		name.ExtraNames = append(name.ExtraNames, pkix.AttributeTypeAndValue{Type: oid, Value: val})
	}
	return name, nil
}

// operation describes a certificate's pending (or last) operation.
func (q *request) operation(c *certificate, status string) operationDoc {
	op := operationDoc{
		ID:        q.base() + "/certificates/" + c.Name + "/pending",
		Issuer:    issuerDoc{Name: c.Policy.Issuer.Name},
		Status:    status,
		RequestID: c.Versions[len(c.Versions)-1].ID,
	}
	if status == "inProgress" {
		op.StatusDetails = "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later."
	} else {
		op.Target = q.base() + "/certificates/" + c.Name
	}
	return op
}

// pendingCert reports the certificate's operation: completed once read
// (GET /certificates/{name}/pending).
func (s *Server) pendingCert(q *request, name string) (int, any, *kvError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.liveCert(q, name)
	if c == nil {
		return 0, nil, &kvError{status: http.StatusNotFound, code: "PendingCertificateNotFound", message: "Pending certificate not found: " + name}
	}
	c.Polled = true
	return http.StatusOK, q.operation(c, "completed"), nil
}

// certBundleOf describes version v of c.
func (q *request) certBundleOf(c *certificate, v *certVersion, full, withDeletion bool) certBundle {
	sum := sha1.Sum(v.DER)
	b := certBundle{
		ID:   q.base() + "/certificates/" + c.Name + "/" + v.ID,
		X5T:  base64.RawURLEncoding.EncodeToString(sum[:]),
		Tags: v.Tags,
		Attributes: attributes{
			Enabled: v.Enabled, NotBefore: ptr(v.NotBefore), Expires: ptr(v.Expires),
			Created: v.Created, Updated: v.Updated, RecoveryLevel: recoveryLevel, RecoverableDays: retentionDays,
		},
	}
	if full {
		b.KID = q.base() + "/keys/" + c.Name + "/" + v.ID
		b.SID = q.base() + "/secrets/" + c.Name + "/" + v.ID
		b.CER = base64.StdEncoding.EncodeToString(v.DER)
		b.ContentType = "application/x-pem-file"
		pol := c.Policy
		pol.ID = q.base() + "/certificates/" + c.Name + "/policy"
		b.Policy = &pol
	}
	if withDeletion && c.Deleted != nil {
		b.ID = q.base() + "/deletedcertificates/" + c.Name
		b.RecoveryID = q.base() + "/deletedcertificates/" + c.Name
		b.DeletedDate = ptr(c.Deleted.Date)
		b.ScheduledPurgeDate = ptr(c.Deleted.ScheduledPurge)
	}
	return b
}

// getCert answers a certificate version with cer; the latest when
// versionID is empty (GET /certificates/{name}/[{version}]).
func (s *Server) getCert(q *request, name, versionID string) (int, any, *kvError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.liveCert(q, name)
	what := name
	if versionID != "" {
		what += "/" + versionID
	}
	if c == nil {
		return 0, nil, certNotFound(what)
	}
	v := c.Versions[len(c.Versions)-1]
	if versionID != "" {
		v = nil
		for _, x := range c.Versions {
			if x.ID == strings.ToLower(versionID) {
				v = x
			}
		}
		if v == nil {
			return 0, nil, certNotFound(what)
		}
	}
	return http.StatusOK, q.certBundleOf(c, v, true, false), nil
}

// certPolicy answers the certificate's policy (GET
// /certificates/{name}/policy).
func (s *Server) certPolicy(q *request, name string) (int, any, *kvError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.liveCert(q, name)
	if c == nil {
		return 0, nil, certNotFound(name)
	}
	pol := c.Policy
	pol.ID = q.base() + "/certificates/" + c.Name + "/policy"
	return http.StatusOK, pol, nil
}

// deleteCert soft-deletes a certificate with its secret.
func (s *Server) deleteCert(q *request, name string) (int, any, *kvError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.liveCert(q, name)
	if c == nil {
		return 0, nil, certNotFound(name)
	}
	d := &deletion{Date: q.now, ScheduledPurge: q.now + retentionDays*24*60*60}
	c.Deleted = d
	s.vaults[q.vault].purgeScheduled(d.ScheduledPurge)
	if sec := s.vaults[q.vault].Secrets[strings.ToLower(name)]; sec != nil {
		sec.Deleted = &deletion{Date: d.Date, ScheduledPurge: d.ScheduledPurge}
	}
	return http.StatusOK, q.certBundleOf(c, c.Versions[len(c.Versions)-1], true, true), nil
}

func (s *Server) getDeletedCert(q *request, name string) (int, any, *kvError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.deletedCert(q, name)
	if c == nil {
		return 0, nil, deletedCertNotFound(name)
	}
	return http.StatusOK, q.certBundleOf(c, c.Versions[len(c.Versions)-1], true, true), nil
}

// recoverCert undoes a soft delete of a certificate and its secret.
func (s *Server) recoverCert(q *request, name string) (int, any, *kvError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.deletedCert(q, name)
	if c == nil {
		return 0, nil, deletedCertNotFound(name)
	}
	c.Deleted = nil
	if sec := s.vaults[q.vault].Secrets[strings.ToLower(name)]; sec != nil {
		sec.Deleted = nil
	}
	return http.StatusOK, q.certBundleOf(c, c.Versions[len(c.Versions)-1], true, false), nil
}

// purgeCert removes a soft-deleted certificate and its secret for good.
func (s *Server) purgeCert(q *request, name string) (int, any, *kvError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.deletedCert(q, name)
	if c == nil {
		return 0, nil, deletedCertNotFound(name)
	}
	v := s.vaults[q.vault]
	delete(v.Certificates, strings.ToLower(name))
	delete(v.Secrets, strings.ToLower(name))
	return http.StatusNoContent, nil, nil
}

// listCerts pages through the certificates (the latest version of each,
// without cer) or the deleted ones.
func (s *Server) listCerts(q *request, deleted bool) (int, any, *kvError) {
	size, after, e := pageParams(q)
	if e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.vaultFor(q)
	if v == nil {
		return http.StatusOK, certList{Value: []certBundle{}}, nil
	}
	path := "/certificates"
	if deleted {
		path = "/deletedcertificates"
	}
	keys := v.sortedCertKeys(func(c *certificate) bool { return (c.Deleted != nil) == deleted })
	return http.StatusOK, q.certPage(keys, after, size, path, func(i int) certBundle {
		c := v.Certificates[keys[i]]
		b := q.certBundleOf(c, c.Versions[len(c.Versions)-1], false, deleted)
		if !deleted {
			b.ID = q.base() + "/certificates/" + c.Name
		}
		return b
	}), nil
}

// listCertVersions pages through the versions of a certificate, oldest
// first; none for a missing or deleted one.
func (s *Server) listCertVersions(q *request, name string) (int, any, *kvError) {
	size, after, e := pageParams(q)
	if e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.liveCert(q, name)
	if c == nil {
		return http.StatusOK, certList{Value: []certBundle{}}, nil
	}
	keys := make([]string, len(c.Versions))
	for i := range c.Versions {
		keys[i] = fmt.Sprintf("%010d", i)
	}
	return http.StatusOK, q.certPage(keys, after, size, "/certificates/"+c.Name+"/versions", func(i int) certBundle {
		return q.certBundleOf(c, c.Versions[i], false, false)
	}), nil
}

// certPage is one page of a certificate list: the entries of the sorted
// keys after the skip token's key, size at most, with a next link to path
// when more remain. bundle describes the entry of keys[i].
func (q *request) certPage(keys []string, after string, size int, path string, bundle func(i int) certBundle) certList {
	res := certList{Value: []certBundle{}}
	last := ""
	for i, key := range keys {
		if key <= after {
			continue
		}
		if len(res.Value) == size {
			res.NextLink = q.nextLink(path, last, size)
			break
		}
		res.Value = append(res.Value, bundle(i))
		last = key
	}
	return res
}
