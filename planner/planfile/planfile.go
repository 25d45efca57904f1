package planfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/planner/render"
	"github.com/regsync/regsync/tenant"
)

// FormatVersion is the version of the saved-plan file. A file of another
// version is refused: plan again with this binary.
const FormatVersion = "1"

// MaxSize is the largest saved plan Read accepts (64 MiB).
const MaxSize = 64 << 20

// File is a saved plan.
type File struct {
	FormatVersion string `json:"format_version"`
	// BinaryVersion is the version of the regsync that wrote the file.
	BinaryVersion string `json:"binary_version"`
	TenantID      string `json:"tenant_id"`
	Set           string `json:"set"`
	SpecFile      string `json:"spec_file"`
	SpecDigest    string `json:"spec_digest"`
	// Fingerprints of everything the plan was computed from.
	Fingerprints Fingerprints `json:"fingerprints"`
	// RawPlan is the plan in its JSON form (render.MarshalJSON).
	RawPlan json.RawMessage `json:"plan"`
	// Plan is RawPlan decoded; set by Read.
	Plan *planner.Plan `json:"-"`
}

// Write saves p, computed from live by the binary of version binaryVersion.
func Write(w io.Writer, p *planner.Plan, binaryVersion string, live *tenant.Snapshot) error {
	if p == nil || live == nil {
		return errors.New("writing the plan file: no plan or no snapshot")
	}
	raw, err := render.MarshalJSON(p)
	if err != nil {
		return fmt.Errorf("writing the plan file: %w", err)
	}
	f := File{
		FormatVersion: FormatVersion,
		BinaryVersion: binaryVersion,
		TenantID:      p.Tenant.ID,
		Set:           p.Set,
		SpecFile:      p.SpecFile,
		SpecDigest:    p.SpecDigest,
		Fingerprints:  Fingerprint(live),
		RawPlan:       raw,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("writing the plan file: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing the plan file: %w", err)
	}
	return nil
}

// Read loads a saved plan strictly: an unknown format version (of the file
// or of the plan inside), an unknown field, a plan that disagrees with the
// file's header, or an action with an unknown op, type or step, a payload
// that does not fit its type, a duplicate id or a dependency that is not an
// earlier action is an error. Read never panics, whatever the bytes.
func Read(r io.Reader) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the plan file: %w", err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("reading the plan file: larger than %d MiB; this is not a regsync plan", MaxSize>>20)
	}
	var head struct {
		FormatVersion *string `json:"format_version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("reading the plan file: not a regsync plan: %w", err)
	}
	if head.FormatVersion == nil {
		return nil, errors.New("reading the plan file: not a regsync plan (no format_version)")
	}
	if *head.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("reading the plan file: format version %q, but this regsync reads version %q; run regsync plan again with this binary",
			*head.FormatVersion, FormatVersion)
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("reading the plan file: %w", err)
	}
	var planHead struct {
		FormatVersion string `json:"format_version"`
	}
	if err := json.Unmarshal(f.RawPlan, &planHead); err != nil {
		return nil, fmt.Errorf("reading the plan file: plan: %w", err)
	}
	if planHead.FormatVersion != planner.FormatVersion {
		return nil, fmt.Errorf("reading the plan file: the plan inside has format version %q, but this regsync reads version %q; run regsync plan again with this binary",
			planHead.FormatVersion, planner.FormatVersion)
	}
	p, err := render.UnmarshalJSON(f.RawPlan)
	if err != nil {
		return nil, fmt.Errorf("reading the plan file: %w", err)
	}
	if err := validate(p); err != nil {
		return nil, fmt.Errorf("reading the plan file: %w; this is not a plan regsync wrote, run regsync plan again", err)
	}
	if p.Tenant.ID != f.TenantID || p.Set != f.Set || p.SpecDigest != f.SpecDigest || p.SpecFile != f.SpecFile {
		return nil, errors.New("reading the plan file: the plan does not match the file's header (edited by hand?); run regsync plan again")
	}
	f.Plan = p
	return &f, nil
}

// ErrStale is wrapped by every error Check returns.
var ErrStale = errors.New("the saved plan is stale")

// StaleError says why a saved plan may not be applied.
type StaleError struct {
	Reasons []string
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("%s: %s; run regsync plan again", ErrStale, strings.Join(e.Reasons, "; "))
}

func (e *StaleError) Unwrap() error { return ErrStale }

// maxListed bounds how many changed objects an error names.
const maxListed = 10

// Check reports whether the saved plan may still be applied: made by this
// binary version, for this tenant and this spec (by digest), and nothing it
// read has changed since. live is a fresh read of the same objects. The
// error names every difference found (up to ten objects) and wraps ErrStale.
func (f *File) Check(currentBinaryVersion, specDigest, tenantID string, live *tenant.Snapshot) error {
	var reasons []string
	if f.BinaryVersion != currentBinaryVersion {
		reasons = append(reasons, fmt.Sprintf("it was made by regsync %s, this is regsync %s", f.BinaryVersion, currentBinaryVersion))
	}
	if !strings.EqualFold(f.TenantID, tenantID) {
		reasons = append(reasons, fmt.Sprintf("it is for tenant %s, but the signed-in tenant is %s", f.TenantID, tenantID))
	}
	if f.SpecDigest != specDigest {
		reasons = append(reasons, fmt.Sprintf("spec %s changed since (digest %s, now %s)", f.SpecFile, f.SpecDigest, specDigest))
	}
	if live == nil {
		reasons = append(reasons, "no fresh read of the tenant to compare with")
	} else {
		reasons = append(reasons, f.Fingerprints.diff(Fingerprint(live))...)
	}
	if len(reasons) == 0 {
		return nil
	}
	return &StaleError{Reasons: reasons}
}
