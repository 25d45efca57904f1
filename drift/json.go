package drift

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// jsonReport is the JSON document: the report with its format version
// first.
type jsonReport struct {
	FormatVersion string `json:"format_version"`
	*Report
}

// MarshalJSON returns the JSON document of the report: indented, with a
// trailing newline. docs/drift.md documents every field.
func MarshalJSON(r *Report) ([]byte, error) {
	data, err := json.MarshalIndent(jsonReport{FormatVersion: FormatVersion, Report: r}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the drift report: %w", err)
	}
	return append(data, '\n'), nil
}

// JSON writes MarshalJSON's document.
func JSON(w io.Writer, r *Report) error {
	data, err := MarshalJSON(r)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// UnmarshalJSON reads a JSON report strictly: unknown fields and another
// format version are errors.
func UnmarshalJSON(data []byte) (*Report, error) {
	doc := jsonReport{Report: &Report{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("reading the drift report: %w", err)
	}
	if doc.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("reading the drift report: format_version %q, want %q", doc.FormatVersion, FormatVersion)
	}
	return doc.Report, nil
}
