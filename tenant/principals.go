package tenant

import "strings"

// Candidate prefixes: for a name that matches no user or group, FindUsers
// and FindGroups also return a few principals whose name starts like it,
// so that the planner can say "did you mean". The lookup costs requests
// only when a name is unknown, which fails the plan anyway.
const (
	userPrefixLen  = 2 // of a userPrincipalName
	groupPrefixLen = 4 // of a group's display name
	// CandidateLimit is the most candidates read per request.
	CandidateLimit = 25
)

// UserPrefix and GroupPrefix are the prefixes of an unknown name whose
// principals are read as candidates; "" when the name is too short.
func UserPrefix(upn string) string   { return prefix(upn, userPrefixLen) }
func GroupPrefix(name string) string { return prefix(name, groupPrefixLen) }

func prefix(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) < n {
		return ""
	}
	return string(r[:n])
}
