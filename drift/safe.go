package drift

import "github.com/regsync/regsync/planner/render"

// A report quotes the tenant: display names, redirect URIs and tags that
// anyone with rights on an application can set. It shows them with the
// plan renderer's helpers, which make hidden characters visible and keep a
// value inside its code span or table cell.
var (
	visible  = render.Visible
	code     = render.Code
	codeCell = render.CodeCell
	cell     = render.Cell
)
