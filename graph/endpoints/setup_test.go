package endpoints

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/regsync/regsync/buildinfo"
	"github.com/regsync/regsync/tenant"
)

// answers is a transport that answers every request with status and body,
// and keeps the User-Agent of each.
type answers struct {
	status int
	body   string
	agents []string
}

func (a *answers) Do(r *http.Request) (*http.Response, error) {
	a.agents = append(a.agents, r.Header.Get("User-Agent"))
	return &http.Response{StatusCode: a.status, Header: http.Header{}, Request: r, Body: io.NopCloser(strings.NewReader(a.body))}, nil
}

func TestNewSetup(t *testing.T) {
	if _, err := NewSetup(Config{GraphURL: "http://graph.example"}, ""); err == nil {
		t.Error("NewSetup of a plain-http Graph URL: no error")
	}
	s, err := NewSetup(Config{Token: "t"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Product != buildinfo.Get().UserAgent() || s.Config.Token != "t" {
		t.Errorf("setup %+v: want buildinfo's product and the config", s)
	}
	if tok, err := s.Credential.GetToken(context.Background(), policyOptions()); err != nil || tok.Token != "t" {
		t.Errorf("credential: %q, %v; want the static token", tok.Token, err)
	}
}

// TestAzureOptions: azcore's retries are off unless asked for, every
// attempt names the product first, and the counter counts attempts and
// caps each answer.
func TestAzureOptions(t *testing.T) {
	s, err := NewSetup(Config{Token: "t"}, "regsync/dev+0123456789ab-dirty")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sdkRetries bool
		want       int
	}{{false, 1}, {true, 4}} {
		tr := &answers{status: http.StatusServiceUnavailable}
		o, counter, err := s.AzureOptions(tr, "test service", tc.sdkRetries)
		if err != nil {
			t.Fatal(err)
		}
		if tc.sdkRetries {
			o.Retry.RetryDelay, o.Retry.MaxRetryDelay = time.Millisecond, time.Millisecond
		}
		pl := runtime.NewPipeline("azsecrets", "v1.0.0", runtime.PipelineOptions{}, &o)
		req, err := runtime.NewRequest(context.Background(), http.MethodGet, "https://kv1.vault.azure.net/secrets")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pl.Do(req); err != nil {
			t.Fatal(err)
		}
		if counter.Requests() != tc.want || len(tr.agents) != tc.want {
			t.Errorf("sdkRetries %v: %d requests counted, %d sent, want %d", tc.sdkRetries, counter.Requests(), len(tr.agents), tc.want)
		}
		for _, ua := range tr.agents {
			if !strings.HasPrefix(ua, "regsync/dev+0123456789ab-dirty azsdk-go-azsecrets/v1.0.0 ") {
				t.Errorf("User-Agent %q: want the product whole, then azcore's", ua)
			}
		}
	}

	big := &answers{status: http.StatusOK, body: strings.Repeat(" ", MaxResponseBytes+1)}
	o, _, err := s.AzureOptions(big, "test service", false)
	if err != nil {
		t.Fatal(err)
	}
	pl := runtime.NewPipeline("azsecrets", "v1.0.0", runtime.PipelineOptions{}, &o)
	req, err := runtime.NewRequest(context.Background(), http.MethodGet, "https://kv1.vault.azure.net/secrets")
	if err != nil {
		t.Fatal(err)
	}
	var te *tenant.Error
	if _, err := pl.Do(req); !errors.As(err, &te) || te.Kind != tenant.Invalid || !strings.Contains(te.Message, "test service answered GET") {
		t.Errorf("an answer past the cap: %v, want an Invalid error naming the service", err)
	}

	if o, _, err := s.AzureOptions(nil, "test service", false); err != nil {
		t.Fatal(err)
	} else if _, ok := o.Transport.(*Counter).next.(*http.Client); !ok {
		t.Errorf("no transport given: %T under the counter, want an *http.Client", o.Transport.(*Counter).next)
	}
}
