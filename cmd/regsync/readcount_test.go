package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/regsync/regsync/tenant"
)

func TestNextLinks(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"value":[],"@odata.nextLink":"https://graph/v1.0/applications?$skiptoken=x"}`))
	zw.Close()
	for _, tc := range []struct {
		about, body, encoding string
		want                  int
	}{
		{"a Graph page with more", `{"value":[{"id":"1"}],"@odata.nextLink":"https://graph/v1.0/applications?$skiptoken=x"}`, "", 1},
		{"the last Graph page", `{"value":[{"id":"1"}]}`, "", 0},
		{"a Key Vault page with more", `{"value":[],"nextLink":"https://kv/secrets?$skiptoken=y"}`, "", 1},
		{"the last Key Vault page", `{"value":[],"nextLink":null}`, "", 0},
		{"an empty link", `{"value":[],"nextLink":""}`, "", 0},
		{"spaces around the colon", `{"value": [], "nextLink" : "https://kv/x"}`, "", 1},
		{"a $batch with two items that go on", `{"responses":[{"id":"1","status":200,"body":{"value":[],"@odata.nextLink":"https://graph/a"}},` +
			`{"id":"2","status":200,"body":{"value":[]}},{"id":"3","status":200,"body":{"value":[],"@odata.nextLink":"https://graph/b"}}]}`, "", 2},
		{"gzip", gz.String(), "gzip", 1},
		{"broken gzip", "not gzip", "gzip", 0},
	} {
		if got := nextLinks([]byte(tc.body), tc.encoding); got != tc.want {
			t.Errorf("%s: %d next links, want %d", tc.about, got, tc.want)
		}
	}
}

// The known total of a read of the FHIR example is exactly what the real
// clients send to the embedded emulator: on an empty tenant (no consents
// to read), once applied (consents and resources), and with a vault whose
// listing takes two pages (a next link raises the total).
func TestReadCountMatchesRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the embedded emulator")
	}
	dir := t.TempDir()
	local := localFlag{On: true, Dir: dir}
	ctx := context.Background()
	e, out, errb := validateEnv()
	e.Now = time.Now // the emulator's clock: secrets end after it
	sp, err := e.loadSpec(fhirExample)
	if err != nil {
		t.Fatal(err)
	}
	read := func(about string, pages int, before func(b *backend)) {
		t.Helper()
		b, err := e.connect(ctx, sp, local)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if before != nil {
			before(b)
		}
		b.Local.ResetStats()
		var first int
		_, c, err := countedRead(ctx, sp, b, readQuery(sp, b), func(c *readCount) { _, first = c.counts() })
		if err != nil {
			t.Fatalf("%s: %v", about, err)
		}
		sent, total := c.counts()
		if known := int(c.known.Load()); sent != known || total != known {
			t.Errorf("%s: %d requests sent, %d known at the end (%d at the start)", about, sent, known, first)
		}
		if got := int(c.pages.Load()); got != pages {
			t.Errorf("%s: %d further pages seen, want %d", about, got, pages)
		}
		t.Logf("%s: %d requests, %d known at the start; %v", about, sent, first, b.Local.Stats().Routes)
	}
	read("empty tenant", 0, nil)
	if code := runWith(ctx, e, []string{"apply", "--local=" + dir, "-f", fhirExample, "--auto-approve"}); code != exitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, errb, out)
	}
	read("applied", 0, nil)
	read("a vault of two pages", 1, func(b *backend) {
		for i := range 30 {
			if _, err := b.Vault.SetSecret(ctx, "contoso-fhir-kv", fmt.Sprintf("other-%02d", i), tenant.NewSecretValue("not-a-secret-value"), tenant.SecretWrite{}); err != nil {
				t.Fatal(err)
			}
		}
	})
}
