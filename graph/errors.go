package graph

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/regsync/regsync/tenant"
)

// Graph error codes that refine the kind a status alone would give.
const (
	// codeNoBacking: POST /servicePrincipals for an appId whose application
	// has not replicated yet (400, as a detail of Request_BadRequest). It is
	// replication lag, so it maps to NotFound, which the applier retries
	// within its lag window like a 404 on a just-created object
	// (WIRE.md §1.10, §2.3).
	codeNoBacking = "NoBackingApplicationObject"
	// codeObjectConflict: a unique property (identifierUris,
	// servicePrincipalNames) collides with another object (400 detail).
	codeObjectConflict = "ObjectConflict"
)

// conflictMessages and goneMessages are the documented 400 messages of
// Request_BadRequest that mean "exists already" and "does not exist"
// (duplicate owner / app-role assignment; removing a missing reference);
// Graph gives them no code of their own (WIRE.md §1.8, §1.11).
var (
	conflictMessages = []string{
		"added object references already exist",
		"permission being assigned already exists",
		"another object with the same value for property",
	}
	goneMessages = []string{
		"removed object references do not exist",
	}
)

// missingReferenceMessages are 400 Request_BadRequest messages that say an
// object the request refers to (a service principal named in the body, an
// application in the path) does not exist. Graph gives them no code or
// detail of their own, so the message is the only signal. Right after the
// object was created this is replication lag (WIRE.md §2.3), so they map
// to NotFound, which the applier retries within its lag window for actions
// on objects created in the same run, and treats as final otherwise.
//
//   - "... does not exist or one of its queried reference-property objects
//     are not present": Graph's not-found wording (WIRE.md §2.1).
//     manicminer/hamilton, the Graph client terraform-provider-azuread
//     used, treats it as a consistency failure and retries it when POST
//     /oauth2PermissionGrants answers it with a 400
//     (msgraph/delegated_permission_grants_client.go): a clientId or
//     resourceId whose service principal has not replicated.
//   - "Not a valid reference update.": POST .../appRoleAssignedTo whose
//     principalId is a service principal that has not replicated
//     (microsoftgraph/msgraph-bicep-types#193, "Replication delays: Not a
//     valid reference update"); hamilton retries it on that call too
//     (msgraph/app_role_assignments.go).
var missingReferenceMessages = []string{
	"does not exist or one of its queried reference-property objects are not present",
	"not a valid reference update",
}

// missingAppRoleMessage is the 400 Request_BadRequest of POST
// .../appRoleAssignedTo whose appRoleId is not an app role of the resource
// service principal. It is NotFound with Missing set to MissingAppRole: a
// role just added to the resource's application reaches the service
// principal only after the sync ("the synchronization isn't immediate",
// applications-api-overview.md), so the applier rides it out when the role
// is new in its run, and treats it as final for a role that predates the
// run (which then is not there at all). The wording is the one scripts
// that assign app roles match (WIRE.md §1.11; it is a guess there).
const missingAppRoleMessage = "permission being assigned was not found on application"

// classify maps an HTTP status and the service's codes to a tenant.Error:
//
//	404                       NotFound
//	400 NoBackingApplicationObject  NotFound (replication lag)
//	400 naming a missing referenced object  NotFound (see missingReferenceMessages)
//	400 naming a missing app role  NotFound, Missing MissingAppRole
//	409, 400 ObjectConflict   Conflict
//	429                       Throttled, RetryAfter from the header
//	5xx, 408                  Transient (whatever the code: a 500 says
//	                          UnknownError, a 502 BadGateway)
//	401, 403                  Forbidden
//	other 4xx                 Invalid
//
// detailCodes are the codes of error.details[]; header is used for
// Retry-After and may be nil.
func classify(status int, code, message string, detailCodes []string, header http.Header) *tenant.Error {
	e := &tenant.Error{Status: status, Code: code, Message: message}
	has := func(c string) bool {
		if strings.EqualFold(code, c) {
			return true
		}
		for _, d := range detailCodes {
			if strings.EqualFold(d, c) {
				return true
			}
		}
		return false
	}
	lower := strings.ToLower(message)
	contains := func(list []string) bool {
		for _, s := range list {
			if strings.Contains(lower, s) {
				return true
			}
		}
		return false
	}
	switch {
	case status == http.StatusNotFound:
		e.Kind = tenant.NotFound
	case status == http.StatusTooManyRequests:
		e.Kind = tenant.Throttled
		e.RetryAfter = retryAfter(header, time.Now())
	case status == http.StatusConflict:
		e.Kind = tenant.Conflict
	case status == http.StatusRequestTimeout || status >= 500:
		e.Kind = tenant.Transient
		if status == http.StatusServiceUnavailable {
			e.RetryAfter = retryAfter(header, time.Now())
		}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = tenant.Forbidden
	case status == http.StatusBadRequest && has(codeNoBacking):
		e.Kind = tenant.NotFound
		if e.Code == "" || strings.EqualFold(e.Code, "Request_BadRequest") {
			e.Code = codeNoBacking
		}
	case status == http.StatusBadRequest && (has(codeObjectConflict) || contains(conflictMessages)):
		e.Kind = tenant.Conflict
	case status == http.StatusBadRequest && (contains(goneMessages) || contains(missingReferenceMessages)):
		e.Kind = tenant.NotFound
	case status == http.StatusBadRequest && strings.Contains(lower, missingAppRoleMessage):
		e.Kind, e.Missing = tenant.NotFound, tenant.MissingAppRole
	case status >= 400:
		e.Kind = tenant.Invalid
	default:
		e.Kind = tenant.Unknown
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("graph answered %d %s", status, http.StatusText(status))
	}
	return e
}

// retryAfter reads Retry-After as seconds (fractions allowed) or an HTTP
// date; zero when absent or unreadable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 {
			return 0
		}
		return time.Duration(f * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// mapError turns an SDK or transport error into a *tenant.Error, wrapped
// with what was being done. A nil err stays nil.
func mapError(err error, doing string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(doing, args...)
	var te *tenant.Error
	if errors.As(err, &te) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w", what, toTenantError(err))
}

func toTenantError(err error) *tenant.Error {
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		var code, msg string
		var details []string
		if me := oe.GetErrorEscaped(); me != nil {
			code, msg = str(me.GetCode()), str(me.GetMessage())
			for _, d := range me.GetDetails() {
				details = append(details, str(d.GetCode()))
			}
		}
		e := classify(oe.GetStatusCode(), code, msg, details, headersOf(oe.GetResponseHeaders()))
		e.Err = err
		return e
	}
	var ae *abstractions.ApiError
	if errors.As(err, &ae) {
		e := classify(ae.GetStatusCode(), "", "", nil, headersOf(ae.GetResponseHeaders()))
		if ae.ResponseStatusCode == 0 {
			e = &tenant.Error{Kind: tenant.Unknown, Message: ae.Message}
		}
		e.Err = err
		return e
	}
	if errors.Is(err, context.Canceled) {
		return &tenant.Error{Kind: tenant.Unknown, Message: "cancelled", Err: err}
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &tenant.Error{Kind: tenant.Transient, Message: "timed out", Err: err}
	}
	var oe2 *net.OpError
	if errors.As(err, &oe2) {
		return &tenant.Error{Kind: tenant.Transient, Message: "network error", Err: err}
	}
	return &tenant.Error{Kind: tenant.Unknown, Err: err}
}

func headersOf(h *abstractions.ResponseHeaders) http.Header {
	out := http.Header{}
	if h == nil {
		return out
	}
	for _, k := range h.ListKeys() {
		for _, v := range h.Get(k) {
			out.Add(k, v)
		}
	}
	return out
}
