package planner_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/planner/planfile"
	"github.com/regsync/regsync/planner/render"
	"github.com/regsync/regsync/tenant"
)

// A tenant that issued client secrets never leaks their values into a plan,
// in any format or in the saved file.
func TestNoSecretValueInAnyOutput(t *testing.T) {
	s, sim := converged(t, fhirYAML)
	// Later: the secrets are due for renewal and some were added by hand.
	sim.now = now.Add(170 * 24 * time.Hour)
	p := compute(t, s, sim.snap, planner.Options{Now: sim.now})
	sim.apply(t, p)
	p = compute(t, s, sim.snap, planner.Options{Now: sim.now.Add(10 * 24 * time.Hour), Prune: true})
	if len(sim.issued) < 4 {
		t.Fatalf("the simulated tenant issued %d secrets, want at least 4", len(sim.issued))
	}
	var secretActions int
	for _, a := range p.Actions {
		if a.Secret != nil {
			secretActions++
		}
	}
	if secretActions == 0 {
		t.Fatal("the plan has no secret action to check")
	}

	outputs := map[string]*bytes.Buffer{}
	for _, name := range []string{"text", "colour", "markdown", "json", "planfile"} {
		outputs[name] = &bytes.Buffer{}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(render.Text(outputs["text"], p, render.TextOptions{}))
	must(render.Text(outputs["colour"], p, render.TextOptions{Colour: true}))
	must(render.Markdown(outputs["markdown"], p))
	must(render.JSON(outputs["json"], p))
	must(planfile.Write(outputs["planfile"], p, "test", sim.snap))
	for _, v := range sim.issued {
		for name, out := range outputs {
			if strings.Contains(out.String(), v.Reveal()) {
				t.Errorf("%s output contains an issued secret value", name)
			}
		}
	}
}

// No type reachable from a Plan or a saved plan file can hold a
// tenant.SecretValue: the value cannot get in by mistake.
func TestNoTypeHoldsASecretValue(t *testing.T) {
	secret := reflect.TypeOf(tenant.SecretValue{})
	seen := map[reflect.Type]bool{}
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		if typ == secret {
			t.Errorf("%s is a tenant.SecretValue", path)
			return
		}
		if seen[typ] {
			return
		}
		seen[typ] = true
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(path+"[]", typ.Elem())
		case reflect.Map:
			walk(path+"{key}", typ.Key())
			walk(path+"{}", typ.Elem())
		case reflect.Struct:
			for i := 0; i < typ.NumField(); i++ {
				walk(path+"."+typ.Field(i).Name, typ.Field(i).Type)
			}
		case reflect.Interface:
			t.Errorf("%s is an interface and could hold anything", path)
		}
	}
	walk("Plan", reflect.TypeOf(planner.Plan{}))
	walk("File", reflect.TypeOf(planfile.File{}))
}
