package drift

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// The JUnit document keeps to the elements and attributes of the JUnit XML
// schema that CI test publishers read (Jenkins' junit-10.xsd, which GitHub
// test-report actions and Azure DevOps' PublishTestResults accept): one
// <testsuites> with one <testsuite>, a <testcase> per managed object and a
// <failure> per drift item on it. Warnings and notices go to the test
// case's <system-out>, so they show without failing it.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties junitProperties `xml:"properties"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperties struct {
	Props []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Time      string         `xml:"time,attr"`
	Failures  []junitFailure `xml:"failure"`
	SystemOut string         `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit writes the report as JUnit XML: a test case per object (name: its
// address; classname: regsync.<set>.<app>), a failure per drift item (type:
// the class; message: the item's message; text: address and values), and
// warnings and notices in the case's system-out. Text is escaped by encoding/xml;
// characters XML cannot carry become U+FFFD.
func JUnit(w io.Writer, r *Report) error {
	return JUnitSets(w, []*Report{r})
}

// JUnitSets writes several reports as one JUnit document: a testsuite per
// report (set), in order, each as JUnit writes it, and the totals on the
// testsuites element.
func JUnitSets(w io.Writer, reports []*Report) error {
	doc := junitSuites{Name: "regsync drift", Time: "0"}
	for _, r := range reports {
		suite := suiteOf(r)
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Suites = append(doc.Suites, suite)
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encoding the JUnit report: %w", err)
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

// suiteOf is the testsuite of one report.
func suiteOf(r *Report) junitSuite {
	suite := junitSuite{
		Name:      "regsync drift: set " + r.Set,
		Time:      "0",
		Timestamp: r.CheckedAt.UTC().Format("2006-01-02T15:04:05"),
		Properties: junitProperties{Props: []junitProperty{
			{Name: "tenant", Value: tenantLabel(r)},
			{Name: "set", Value: r.Set},
			{Name: "spec_file", Value: r.SpecFile},
			{Name: "spec_digest", Value: r.SpecDigest},
			{Name: "expiry_window", Value: r.ExpiryWindow},
			{Name: "summary", Value: r.Summary.Line()},
		}},
	}
	for _, o := range r.Objects {
		tc := junitCase{Name: o.Address, Classname: classname(r.Set, o), Time: "0"}
		var warnings []string
		for _, it := range r.ItemsFor(o.Address) {
			body := append([]string{"address: " + it.Address}, details(it)...)
			if it.Risk != "" {
				body = append(body, "risk: "+it.Risk)
			}
			switch it.Severity {
			case SeverityDrift:
				tc.Failures = append(tc.Failures, junitFailure{Message: it.Message, Type: string(it.Class), Text: strings.Join(body, "\n")})
			case SeverityWarning:
				warnings = append(warnings, fmt.Sprintf("warning (%s): %s: %s", it.Class, it.Address, it.Message))
			default:
				panic(fmt.Sprintf("internal error: unknown drift.Severity %q", string(it.Severity)))
			}
		}
		for _, n := range r.NoticesFor(o.Address) {
			warnings = append(warnings, fmt.Sprintf("notice: %s: %s", n.Address, n.Message))
		}
		tc.SystemOut = strings.Join(warnings, "\n")
		if len(tc.Failures) > 0 {
			suite.Failures++
		}
		suite.Tests++
		suite.Cases = append(suite.Cases, tc)
	}
	return suite
}

func classname(set string, o Object) string {
	if o.App == "" {
		return "regsync." + set
	}
	return "regsync." + set + "." + o.App
}
