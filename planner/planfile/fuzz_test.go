package planfile_test

import (
	"bytes"
	"testing"

	"github.com/regsync/regsync/planner/planfile"
)

// FuzzReadPlan: Read returns a file or an error for any bytes, and never
// panics; a file it accepts passes its own checks again after a write.
func FuzzReadPlan(f *testing.F) {
	_, live, p := fixture(f)
	var buf bytes.Buffer
	if err := planfile.Write(&buf, p, "v1", live); err != nil {
		f.Fatal(err)
	}
	good := buf.Bytes()
	f.Add(good)
	f.Add(bytes.Replace(good, []byte(`"op": "update"`), []byte(`"op": "explode"`), 1))
	f.Add(bytes.Replace(good, []byte(`"type": "secret"`), []byte(`"type": "x"`), 1))
	f.Add([]byte(`{"format_version": "1", "plan": {"format_version": "2.0", "actions": [null]}}`))
	f.Add([]byte(`{"format_version": "1", "plan": null}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := planfile.Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		if pf.Plan == nil {
			t.Fatal("Read returned a file without a plan and no error")
		}
		_ = pf.Match(pf.Plan)
	})
}
