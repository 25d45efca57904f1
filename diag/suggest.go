package diag

import "strings"

// maxEditInput bounds the strings EditDistance compares: a "did you mean"
// over a hostile, megabyte-long name must stay cheap.
const maxEditInput = 64

// EditDistance is the Levenshtein distance between a and b, ignoring case,
// for "did you mean" suggestions. Strings longer than 64 bytes are simply
// far apart (64).
func EditDistance(a, b string) int {
	if len(a) > maxEditInput || len(b) > maxEditInput {
		return maxEditInput
	}
	a, b = strings.ToLower(a), strings.ToLower(b)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
