package keyvault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/tenant"
)

// These tests drive Store with the real azsecrets client over HTTPS against
// the project's emulator on a loopback port.

func emulatorStore(t *testing.T) (*emulator.Emulator, *Store) {
	t.Helper()
	e, err := emulator.Start(context.Background(), emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	s, err := New(endpoints.Config{GraphURL: e.GraphURL(), VaultURL: e.KeyVaultURL(), Token: e.Token(), CACertPEM: e.CACertPEM()}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e, s
}

func kindOf(err error) tenant.Kind {
	var te *tenant.Error
	if errors.As(err, &te) {
		return te.Kind
	}
	return tenant.Unknown
}

func TestEmulatorSetAndList(t *testing.T) {
	e, s := emulatorStore(t)
	ctx := context.Background()
	exp := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	const n = 30 // more than one page of 25
	for i := range n {
		meta, err := s.SetSecret(ctx, "contoso-fhir-kv", fmt.Sprintf("client-%02d-secret", i), tenant.NewSecretValue(fmt.Sprintf("value-%02d", i)), tenant.SecretWrite{
			ContentType: "text/plain", Tags: map[string]string{tenant.SecretTagClientID: fmt.Sprintf("app-%02d", i), tenant.SecretTagKeyID: "k"}, Expires: &exp,
		})
		if err != nil {
			t.Fatal(err)
		}
		if meta.Version == "" || meta.Name != fmt.Sprintf("client-%02d-secret", i) {
			t.Fatalf("SetSecret returned %+v", meta)
		}
	}
	e.ResetStats()
	before := s.Requests()
	list, err := s.ListSecrets(ctx, "contoso-fhir-kv")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n {
		t.Fatalf("ListSecrets = %d secrets, want %d", len(list), n)
	}
	for _, m := range list {
		if m.Vault != "contoso-fhir-kv" || !strings.HasPrefix(m.Name, "client-") || m.ContentType != "text/plain" ||
			m.Expires == nil || !m.Expires.Equal(exp) || m.Tags[tenant.SecretTagKeyID] != "k" || !m.Enabled {
			t.Errorf("secret metadata %+v", m)
		}
	}
	st := e.Stats()
	for route := range st.Routes {
		if strings.HasPrefix(route, "GET") && strings.Contains(route, "/secrets/{") {
			t.Errorf("listing read a secret: %s", route)
		}
	}
	if got := s.Requests() - before; got != st.Total || got != 2 {
		t.Errorf("listing took %d requests (emulator saw %d: %v), want 2 pages", got, st.Total, st.Routes)
	}
	empty, err := s.ListSecrets(ctx, "never-written")
	if err != nil || len(empty) != 0 {
		t.Errorf("unknown vault: %d secrets, %v; want an empty list", len(empty), err)
	}
}

func TestEmulatorErrors(t *testing.T) {
	e, s := emulatorStore(t)
	ctx := context.Background()
	_, err := s.SetSecret(ctx, "kv1", "bad_name!", tenant.NewSecretValue("v"), tenant.SecretWrite{})
	if k := kindOf(err); k != tenant.Invalid {
		t.Errorf("bad name: kind %v (%v), want invalid", k, err)
	}
	e.SetFaults(emulator.Faults{VaultOutage: true})
	_, err = s.ListSecrets(ctx, "kv1")
	if k := kindOf(err); k != tenant.Transient {
		t.Errorf("outage: kind %v (%v), want transient", k, err)
	}
	if err != nil && strings.Contains(err.Error(), "\"v\"") {
		t.Errorf("error mentions a value: %v", err)
	}
}

// TestOversizedAnswerIsRefused lists a vault while the emulator puts more
// than the response cap ahead of every page.
func TestOversizedAnswerIsRefused(t *testing.T) {
	e, s := emulatorStore(t)
	e.SetFaults(emulator.Faults{PagePadding: 17 << 20})
	list, err := s.ListSecrets(context.Background(), "kv1")
	if kindOf(err) != tenant.Invalid || !strings.Contains(fmt.Sprint(err), "more than 16 MiB") {
		t.Errorf("ListSecrets = %d secrets, %v; want an invalid-kind error naming the 16 MiB cap", len(list), err)
	}
}
