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

// FormatVersion is the version of a saved-plan file of one set. A file of
// a version Read does not know is refused: plan again with this binary.
const FormatVersion = "1"

// FormatVersionSets is the version of a saved-plan file of several sets
// (WriteSets): version 1 grown by a minor step, its header fields moved
// into one entry per set under "sets". A plan of one set is still written
// as FormatVersion, so older binaries read it.
const FormatVersionSets = "1.1"

// MaxSize is the largest saved plan Read accepts (64 MiB).
const MaxSize = 64 << 20

// File is a saved plan.
type File struct {
	FormatVersion string `json:"format_version"`
	// BinaryVersion is the version of the regsync that wrote the file.
	BinaryVersion string `json:"binary_version"`
	// SetPlan is the one set of a version 1 file, its fields written at
	// the top level; empty in a version 1.1 file.
	SetPlan
	// Sets are the file's sets, in order, set by Read: the one set of a
	// version 1 file (the fields above), or each set of a version 1.1 file
	// (whose fields above, but FormatVersion and BinaryVersion, are
	// empty).
	Sets []*SetPlan `json:"-"`
}

// SetPlan is the saved plan of one set: the plan, what it was computed
// from, and the fingerprints that tell whether it still holds.
type SetPlan struct {
	TenantID   string `json:"tenant_id"`
	Set        string `json:"set"`
	SpecFile   string `json:"spec_file"`
	SpecDigest string `json:"spec_digest"`
	// Fingerprints of everything the plan was computed from.
	Fingerprints Fingerprints `json:"fingerprints"`
	// RawPlan is the plan in its JSON form (render.MarshalJSON).
	RawPlan json.RawMessage `json:"plan"`
	// Plan is RawPlan decoded; set by Read.
	Plan *planner.Plan `json:"-"`
}

// setsFile is the shape of a version 1.1 file.
type setsFile struct {
	FormatVersion string     `json:"format_version"`
	BinaryVersion string     `json:"binary_version"`
	Sets          []*SetPlan `json:"sets"`
}

// Entry is one set to save: its plan and the snapshot it was computed
// from.
type Entry struct {
	Plan *planner.Plan
	Live *tenant.Snapshot
}

// WriteSets saves the plans of several sets in one file (version 1.1),
// each with its own fingerprints and spec digest; one entry is written as
// Write writes it (version 1).
func WriteSets(w io.Writer, entries []Entry, binaryVersion string) error {
	switch len(entries) {
	case 0:
		return errors.New("writing the plan file: no plan")
	case 1:
		return Write(w, entries[0].Plan, binaryVersion, entries[0].Live)
	}
	f := setsFile{FormatVersion: FormatVersionSets, BinaryVersion: binaryVersion}
	for _, en := range entries {
		if en.Plan == nil || en.Live == nil {
			return errors.New("writing the plan file: no plan or no snapshot")
		}
		raw, err := render.MarshalJSON(en.Plan)
		if err != nil {
			return fmt.Errorf("writing the plan file: %w", err)
		}
		f.Sets = append(f.Sets, &SetPlan{TenantID: en.Plan.Tenant.ID, Set: en.Plan.Set, SpecFile: en.Plan.SpecFile,
			SpecDigest: en.Plan.SpecDigest, Fingerprints: Fingerprint(en.Live), RawPlan: raw})
	}
	return encode(w, f)
}

// encode writes v as the indented JSON of a plan file.
func encode(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing the plan file: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing the plan file: %w", err)
	}
	return nil
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
		SetPlan: SetPlan{
			TenantID:     p.Tenant.ID,
			Set:          p.Set,
			SpecFile:     p.SpecFile,
			SpecDigest:   p.SpecDigest,
			Fingerprints: Fingerprint(live),
			RawPlan:      raw,
		},
	}
	return encode(w, f)
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
	switch *head.FormatVersion {
	case FormatVersion:
	case FormatVersionSets:
		return readSets(data)
	default:
		return nil, fmt.Errorf("reading the plan file: format version %q, but this regsync reads versions %q and %q; run regsync plan again with this binary",
			*head.FormatVersion, FormatVersion, FormatVersionSets)
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("reading the plan file: %w", err)
	}
	if err := f.SetPlan.decode(); err != nil {
		return nil, err
	}
	f.Sets = []*SetPlan{&f.SetPlan}
	return &f, nil
}

// readSets reads a version 1.1 file: every set's plan is held to the same
// rules as a version 1 file's, and a set appears once.
func readSets(data []byte) (*File, error) {
	var sf setsFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sf); err != nil {
		return nil, fmt.Errorf("reading the plan file: %w", err)
	}
	if len(sf.Sets) < 2 {
		return nil, fmt.Errorf("reading the plan file: version %s holds %d sets, and needs two or more (one set is written as version %s); run regsync plan again",
			FormatVersionSets, len(sf.Sets), FormatVersion)
	}
	seen := map[string]bool{}
	for i, s := range sf.Sets {
		if s == nil {
			return nil, fmt.Errorf("reading the plan file: set %d is empty; run regsync plan again", i+1)
		}
		if err := s.decode(); err != nil {
			return nil, err
		}
		k := strings.ToLower(s.TenantID) + "/" + strings.ToLower(s.Set)
		if seen[k] {
			return nil, fmt.Errorf("reading the plan file: set %q of tenant %s appears twice (edited by hand?); run regsync plan again", s.Set, s.TenantID)
		}
		seen[k] = true
	}
	return &File{FormatVersion: sf.FormatVersion, BinaryVersion: sf.BinaryVersion, Sets: sf.Sets}, nil
}

// decode checks and decodes s.RawPlan into s.Plan: the plan's format
// version, its actions (validate), and that it agrees with s's header.
func (s *SetPlan) decode() error {
	var planHead struct {
		FormatVersion string `json:"format_version"`
	}
	if err := json.Unmarshal(s.RawPlan, &planHead); err != nil {
		return fmt.Errorf("reading the plan file: plan: %w", err)
	}
	if planHead.FormatVersion != planner.FormatVersion {
		return fmt.Errorf("reading the plan file: the plan inside has format version %q, but this regsync reads version %q; run regsync plan again with this binary",
			planHead.FormatVersion, planner.FormatVersion)
	}
	p, err := render.UnmarshalJSON(s.RawPlan)
	if err != nil {
		return fmt.Errorf("reading the plan file: %w", err)
	}
	if err := validate(p); err != nil {
		return fmt.Errorf("reading the plan file: %w; this is not a plan regsync wrote, run regsync plan again", err)
	}
	if p.Tenant.ID != s.TenantID || p.Set != s.Set || p.SpecDigest != s.SpecDigest || p.SpecFile != s.SpecFile {
		return errors.New("reading the plan file: the plan does not match the file's header (edited by hand?); run regsync plan again")
	}
	s.Plan = p
	return nil
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
// It is for a file of one set; CheckSet checks one set of any file.
func (f *File) Check(currentBinaryVersion, specDigest, tenantID string, live *tenant.Snapshot) error {
	if len(f.Sets) > 1 {
		return fmt.Errorf("the plan file holds %d sets; check each with CheckSet", len(f.Sets))
	}
	one := &SetPlan{TenantID: f.TenantID, Set: f.Set, SpecFile: f.SpecFile, SpecDigest: f.SpecDigest, Fingerprints: f.Fingerprints}
	return f.CheckSet(one, currentBinaryVersion, specDigest, tenantID, live)
}

// CheckSet is Check for the set s of f: the binary version is the file's,
// the rest s's own.
func (f *File) CheckSet(s *SetPlan, currentBinaryVersion, specDigest, tenantID string, live *tenant.Snapshot) error {
	var reasons []string
	if f.BinaryVersion != currentBinaryVersion {
		reasons = append(reasons, fmt.Sprintf("it was made by regsync %s, this is regsync %s", f.BinaryVersion, currentBinaryVersion))
	}
	if !strings.EqualFold(s.TenantID, tenantID) {
		reasons = append(reasons, fmt.Sprintf("it is for tenant %s, but the signed-in tenant is %s", s.TenantID, tenantID))
	}
	if s.SpecDigest != specDigest {
		reasons = append(reasons, fmt.Sprintf("spec %s changed since (digest %s, now %s)", s.SpecFile, s.SpecDigest, specDigest))
	}
	if live == nil {
		reasons = append(reasons, "no fresh read of the tenant to compare with")
	} else {
		reasons = append(reasons, s.Fingerprints.diff(Fingerprint(live))...)
	}
	if len(reasons) == 0 {
		return nil
	}
	return &StaleError{Reasons: reasons}
}
