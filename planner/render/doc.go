// Package render turns a planner.Plan into its three views: canonical JSON
// (the machine document, with format_version), terminal text in the
// terraform style (+ create, ~ update, - destroy, ! risk) and markdown for a
// pull-request comment.
//
// Every view is computed from the same Plan and from nothing else, so they
// cannot disagree. The wording, the symbols and the summary line are an
// interface: golden files in planner/testdata pin them.
package render
