package emulator

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Key credentials (resources/keycredential.md) on applications and service
// principals. A client writes them by sending the whole keyCredentials
// collection in a create or a PATCH, which replaces what was there
// (applications-how-to-add-certificate.md): to keep a credential it sends
// it back with its key, which only a single-object GET selecting
// keyCredentials returns. The emulator stores the key with the credential
// and shows it only there; everywhere else key is null.
//
// Each entry is checked the way Graph checks it:
//   - key is required and must be a base64 DER X.509 certificate
//     (KeyCredentialsInvalidValue);
//   - type is AsymmetricX509Cert or X509CertAndPassword, usage Verify or
//     Sign (the message Graph gives for a bad usage);
//   - the dates default to the certificate's validity, and a date outside
//     it is refused (KeyCredentialsInvalidEndDate / ...StartDate);
//   - customKeyIdentifier defaults to the certificate's SHA-1 thumbprint;
//   - keyId is assigned by the service; a create may not name one, and a
//     PATCH that names an existing keyId may not change its key
//     (KeyNotUpdatable).
//
// Only the public certificate is accepted for usage Verify: a key that is
// not a bare certificate (a PFX with a private key) fails to parse and is
// refused, so no private key is ever stored.

// keyCredentialError is a 400 with Graph's detail code for key credentials.
func keyCredentialError(code, message string) *graphError {
	return badRequest(message).withDetail(code, "keyCredentials")
}

// checkKeyCredentials validates the keyCredentials of a create (prev nil
// and creating true) or a PATCH (prev: the stored list) and returns the list
// to store, keys included.
func checkKeyCredentials(in []any, prev []any, creating bool) ([]any, *graphError) {
	stored := map[string]map[string]any{}
	for _, p := range prev {
		if m, ok := p.(map[string]any); ok {
			stored[strings.ToLower(str(m, "keyId"))] = m
		}
	}
	out := make([]any, 0, len(in))
	seen := map[string]bool{}
	for _, e := range in {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, badRequest("Invalid value for property 'keyCredentials': each element must be an object.")
		}
		keyID := str(m, "keyId")
		if keyID != "" && creating {
			return nil, badRequest("The property KeyId is not supported for Create Application flow.")
		}
		key := str(m, "key")
		if key == "" {
			return nil, keyCredentialError("KeyCredentialsInvalidValue", "KeyValue cannot be null or empty.")
		}
		der, err := base64.StdEncoding.DecodeString(key)
		if err != nil {
			return nil, keyCredentialError("KeyCredentialsInvalidValue", "Key credential key is not valid base64.")
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, keyCredentialError("KeyCredentialsInvalidValue", "Key credential key is not a valid X.509 certificate (DER, base64).")
		}
		typ, usage := str(m, "type"), str(m, "usage")
		if typ != "AsymmetricX509Cert" && typ != "X509CertAndPassword" {
			return nil, keyCredentialError("KeyCredentialsInvalidType",
				`The value for the property "type" in one of your credentials is invalid. Acceptable values are AsymmetricX509Cert, X509CertAndPassword.`)
		}
		if usage != "Verify" && usage != "Sign" {
			return nil, keyCredentialError("KeyCredentialsInvalidUsage",
				`The value for the property "usage" in one of your credentials is invalid. Acceptable values are Sign, Verify.`)
		}
		start, end := cert.NotBefore.UTC(), cert.NotAfter.UTC()
		if s := str(m, "startDateTime"); s != "" {
			t, _ := time.Parse(time.RFC3339Nano, s)
			if t.Before(cert.NotBefore.Add(-time.Second)) || t.After(cert.NotAfter) {
				return nil, keyCredentialError("KeyCredentialsInvalidStartDate", "Key credential start date is invalid.")
			}
			start = t.UTC()
		}
		if s := str(m, "endDateTime"); s != "" {
			t, _ := time.Parse(time.RFC3339Nano, s)
			if t.After(cert.NotAfter.Add(time.Second)) || t.Before(cert.NotBefore) {
				return nil, keyCredentialError("KeyCredentialsInvalidEndDate", "Key credential end date is invalid.")
			}
			end = t.UTC()
		}
		if !end.After(start) {
			return nil, keyCredentialError("KeyCredentialsInvalidEndDate", "Key credential end date cannot be before or equal to its start date.")
		}
		if keyID == "" {
			keyID = uuid.NewString()
		} else if old := stored[strings.ToLower(keyID)]; old != nil && str(old, "key") != key {
			return nil, badRequest(fmt.Sprintf("Update to existing credential with KeyId '%s' is not allowed.", keyID)).
				withDetail("KeyNotUpdatable", "keyCredentials")
		}
		if seen[strings.ToLower(keyID)] {
			return nil, badRequest(fmt.Sprintf("Duplicate keyId '%s' in keyCredentials.", keyID))
		}
		seen[strings.ToLower(keyID)] = true
		cki := m["customKeyIdentifier"]
		if s, _ := cki.(string); s == "" {
			sum := sha1.Sum(der)
			cki = base64.StdEncoding.EncodeToString(sum[:])
		}
		var name any
		if s := str(m, "displayName"); s != "" {
			name = s
		} else {
			name = "CN=" + cert.Subject.CommonName
		}
		out = append(out, map[string]any{
			"customKeyIdentifier": cki, "displayName": name, "endDateTime": end.Format(time.RFC3339Nano),
			"key": key, "keyId": keyID, "startDateTime": start.Format(time.RFC3339Nano), "type": typ, "usage": usage,
		})
	}
	return out, nil
}

// hideKeys returns doc with every key credential's key null, as every read
// but a single-object GET selecting keyCredentials shows it. doc is a copy
// the caller owns.
func hideKeys(doc map[string]any) map[string]any {
	kcs := list(doc, "keyCredentials")
	if kcs == nil {
		return doc
	}
	out := make([]any, len(kcs))
	for i, k := range kcs {
		m, ok := k.(map[string]any)
		if !ok {
			out[i] = k
			continue
		}
		c := copyDoc(m)
		c["key"] = nil
		out[i] = c
	}
	doc["keyCredentials"] = out
	return doc
}

// showKeys restores the keys of a single-object read that selected
// keyCredentials.
func showKeys(doc, stored map[string]any, selects []string) {
	for _, s := range selects {
		if s == "keyCredentials" {
			if kcs := list(stored, "keyCredentials"); kcs != nil {
				doc["keyCredentials"] = deepCopy(kcs)
			}
			return
		}
	}
}
