package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/regsync/regsync/planner"
)

// Document is the JSON form of a plan: the plan's fields with the
// format_version first. docs/plan-format.md describes every field.
type Document struct {
	FormatVersion string `json:"format_version"`
	*planner.Plan
}

// MarshalJSON encodes the plan canonically: fields in a fixed order,
// two-space indentation, no HTML escaping, a final newline. Equal plans give
// equal bytes.
func MarshalJSON(p *planner.Plan) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(Document{FormatVersion: planner.FormatVersion, Plan: p}); err != nil {
		return nil, fmt.Errorf("encoding the plan: %w", err)
	}
	return buf.Bytes(), nil
}

// JSON writes the canonical JSON plan to w; nothing else is written, so the
// output is pure JSON.
func JSON(w io.Writer, p *planner.Plan) error {
	data, err := MarshalJSON(p)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// UnmarshalJSON decodes a JSON plan strictly: the format version must be
// planner.FormatVersion and no unknown field is accepted.
func UnmarshalJSON(data []byte) (*planner.Plan, error) {
	var head struct {
		FormatVersion string `json:"format_version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("decoding the plan: %w", err)
	}
	if head.FormatVersion != planner.FormatVersion {
		return nil, fmt.Errorf("plan format version %q is not supported (this regsync reads %q)", head.FormatVersion, planner.FormatVersion)
	}
	doc := Document{Plan: &planner.Plan{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decoding the plan: %w", err)
	}
	return doc.Plan, nil
}
