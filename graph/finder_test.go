package graph

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/tenant"
)

func TestFindApplication(t *testing.T) {
	for _, tc := range []struct {
		name     string
		value    []any
		want     *tenant.Application
		wantKind tenant.Kind // Unknown: no error
	}{
		{name: "none", value: []any{}},
		{
			name: "other set only",
			value: []any{map[string]any{"id": "o1", "appId": "a1", "displayName": "x",
				"tags": []any{"regsync:set=other", "regsync:key=portal"}}},
		},
		{
			name: "one of two sets",
			value: []any{
				map[string]any{"id": "o1", "appId": "a1", "displayName": "x", "tags": []any{"regsync:set=other", "regsync:key=portal"}},
				map[string]any{"id": "o2", "appId": "a2", "displayName": "y", "tags": []any{"regsync:set=fhir", "regsync:key=portal"}},
			},
			want: &tenant.Application{ID: "o2", AppID: "a2", DisplayName: "y", Tags: []string{"regsync:set=fhir", "regsync:key=portal"}},
		},
		{
			name: "duplicate",
			value: []any{
				map[string]any{"id": "o1", "appId": "a1", "tags": []any{"regsync:set=fhir", "regsync:key=portal"}},
				map[string]any{"id": "o2", "appId": "a2", "tags": []any{"regsync:set=fhir", "regsync:key=portal"}},
			},
			wantKind: tenant.Conflict,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := newStub(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
				if r.URL.Path != "/v1.0/applications" {
					graphError(w, 400, "Request_BadRequest", "unexpected "+r.URL.String())
					return
				}
				writeJSON(w, 200, map[string]any{"value": tc.value})
			})
			got, err := c.FindApplication(context.Background(), "fhir", "portal")
			if tc.wantKind != tenant.Unknown {
				if k := tenant.KindOf(err); k != tc.wantKind {
					t.Fatalf("err = %v (kind %v), want kind %v", err, k, tc.wantKind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("application (-want +got):\n%s", d)
			}
			reqs := s.requests()
			if len(reqs) != 1 {
				t.Fatalf("requests = %d, want 1", len(reqs))
			}
			if f := reqs[0].Query.Get("$filter"); f != "tags/any(t:t eq 'regsync:key=portal')" {
				t.Errorf("$filter = %q", f)
			}
		})
	}
}
