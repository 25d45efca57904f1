package endpoints

import (
	"fmt"
	"io"
	"net/http"

	"github.com/regsync/regsync/tenant"
)

// MaxResponseBytes caps the body of one Graph or Key Vault answer, as
// read (after Go's transport has undone gzip, so a compressed bomb is
// capped too). The largest answer regsync asks for is a Graph page of 999
// applications with their $select and expanded owners: 6.5 MiB against
// the emulator for applications richer than most (three scopes, three
// roles, five redirect URIs, long descriptions: about 6.8 KB each;
// docs/graph-quirks.md, "Response size"). A Key Vault page holds 25
// secrets' metadata, a few KiB. An answer past the cap is a server
// misbehaving, and reading it whole would cost memory many times its size
// once decoded.
const MaxResponseBytes = 16 << 20

// LimitBody makes res's body fail, once more than limit bytes have been
// read from it, with a *tenant.Error of kind Invalid naming service, the
// request's method and URL (without its query) and the cap. The error
// also tells azcore's retry policy not to try again: the same server
// would send the same answer. LimitBody returns res.
func LimitBody(res *http.Response, service string, limit int64) *http.Response {
	if res == nil || res.Body == nil || res.Body == http.NoBody {
		return res
	}
	what := service + " answered"
	if r := res.Request; r != nil && r.URL != nil {
		u := *r.URL
		u.RawQuery, u.Fragment, u.User = "", "", nil
		what = fmt.Sprintf("%s answered %s %s", service, r.Method, u.String())
	}
	res.Body = &limitedBody{rc: res.Body, left: limit, limit: limit, what: what}
	return res
}

type limitedBody struct {
	rc    io.ReadCloser
	left  int64 // bytes still allowed
	limit int64
	what  string
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, b.err()
	}
	// Read one byte past the cap, to tell "exactly the cap" from "more".
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n + int(b.left), b.err()
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

func (b *limitedBody) err() error {
	return TooLargeError{&tenant.Error{Kind: tenant.Invalid, Message: fmt.Sprintf(
		"%s with more than %s; regsync reads at most that much of one answer", b.what, sizeString(b.limit))}}
}

// TooLargeError is the error of a body past its cap. It unwraps to the
// *tenant.Error, and marks itself non-retriable for azcore.
type TooLargeError struct{ Err *tenant.Error }

func (e TooLargeError) Error() string { return e.Err.Error() }
func (e TooLargeError) Unwrap() error { return e.Err }

// NonRetriable is azcore's marker (errorinfo.NonRetriable): its retry
// policy gives up on an error that has it.
func (TooLargeError) NonRetriable() {}

func sizeString(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
