package arm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	armpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"

	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/tenant"
)

// Client implements tenant.Access. It is safe for concurrent use.
type Client struct {
	base        string
	counter     *endpoints.Counter
	assignments *armauthorization.RoleAssignmentsClient
	definitions *armauthorization.RoleDefinitionsClient
}

var _ tenant.Access = (*Client)(nil)

// Options tune a Client; the zero value is right for production.
type Options struct {
	// Transport sends the requests; nil means an http.Client over
	// cfg.Transport().
	Transport policy.Transporter
	// UserAgent is the product named first in every User-Agent; empty
	// means buildinfo.Get().UserAgent().
	UserAgent string
}

// New builds a Client for cfg: the cloud's Resource Manager endpoint, or
// cfg.ARMURL.
func New(cfg endpoints.Config, opts Options) (*Client, error) {
	setup, err := endpoints.NewSetup(cfg, opts.UserAgent)
	if err != nil {
		return nil, err
	}
	azure, counter, err := setup.AzureOptions(opts.Transport, "azure resource manager", false) // every retry is the caller's
	if err != nil {
		return nil, err
	}
	c := &Client{base: cfg.ARMBaseURL(), counter: counter}

	// The cloud's authority, with Resource Manager at the endpoint in
	// force; the SDK asks for tokens for Audience + "/.default".
	cc := cfg.AuthorityCloud()
	services := map[cloud.ServiceName]cloud.ServiceConfiguration{}
	for k, v := range cc.Services {
		services[k] = v
	}
	services[cloud.ResourceManager] = cloud.ServiceConfiguration{Endpoint: c.base, Audience: cfg.ARMAudience()}
	cc.Services = services

	azure.Cloud = cc
	o := &armpolicy.ClientOptions{
		ClientOptions: azure,
		// regsync registers no resource provider behind the user's back.
		DisableRPRegistration: true,
	}
	if c.assignments, err = armauthorization.NewRoleAssignmentsClient("", setup.Credential, o); err != nil {
		return nil, fmt.Errorf("building the role assignments client: %w", err)
	}
	if c.definitions, err = armauthorization.NewRoleDefinitionsClient(setup.Credential, o); err != nil {
		return nil, fmt.Errorf("building the role definitions client: %w", err)
	}
	return c, nil
}

// Requests is the number of HTTP requests sent so far.
func (c *Client) Requests() int { return c.counter.Requests() }

// sdkScope is a scope as the SDK wants it in its paths: without the
// leading slash its URL templates already hold.
func sdkScope(scope string) string { return strings.TrimLeft(strings.TrimSpace(scope), "/") }

// RoleDefinitions lists the role definitions assignable at scope.
func (c *Client) RoleDefinitions(ctx context.Context, scope string) ([]tenant.RoleDefinition, error) {
	var out []tenant.RoleDefinition
	pager := c.definitions.NewListPager(sdkScope(scope), nil)
	links := endpoints.NewNextLinks(c.base, "azure resource manager", "listing role definitions at "+scope, endpoints.MaxPages)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, mapError(err)
		}
		for _, d := range page.Value {
			if d == nil || d.ID == nil {
				continue
			}
			rd := tenant.RoleDefinition{ID: *d.ID, Name: str(d.Name)}
			if p := d.Properties; p != nil {
				rd.RoleName, rd.Type = str(p.RoleName), str(p.RoleType)
			}
			out = append(out, rd)
		}
		if _, err := links.Next(page.NextLink); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RoleAssignments lists the role assignments that apply at scope
// ($filter=atScope()): those made there and those inherited from above.
func (c *Client) RoleAssignments(ctx context.Context, scope string) ([]tenant.RoleAssignment, error) {
	var out []tenant.RoleAssignment
	pager := c.assignments.NewListForScopePager(sdkScope(scope), &armauthorization.RoleAssignmentsClientListForScopeOptions{Filter: ptr("atScope()")})
	links := endpoints.NewNextLinks(c.base, "azure resource manager", "listing role assignments at "+scope, endpoints.MaxPages)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, mapError(err)
		}
		for _, a := range page.Value {
			if a != nil && a.ID != nil {
				out = append(out, toAssignment(a))
			}
		}
		if _, err := links.Next(page.NextLink); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CreateRoleAssignment creates a.Name at a.Scope with its principal type.
func (c *Client) CreateRoleAssignment(ctx context.Context, a tenant.RoleAssignment) (tenant.RoleAssignment, error) {
	props := &armauthorization.RoleAssignmentProperties{PrincipalID: ptr(a.PrincipalID), RoleDefinitionID: ptr(a.RoleDefinitionID)}
	if a.PrincipalType != "" {
		props.PrincipalType = ptr(armauthorization.PrincipalType(a.PrincipalType))
	}
	if a.Description != "" {
		props.Description = ptr(a.Description)
	}
	res, err := c.assignments.Create(ctx, sdkScope(a.Scope), a.Name, armauthorization.RoleAssignmentCreateParameters{Properties: props}, nil)
	if err != nil {
		return tenant.RoleAssignment{}, mapError(err)
	}
	return toAssignment(&res.RoleAssignment), nil
}

// DeleteRoleAssignment deletes the assignment name at scope.
func (c *Client) DeleteRoleAssignment(ctx context.Context, scope, name string) error {
	if _, err := c.assignments.Delete(ctx, sdkScope(scope), name, nil); err != nil {
		return mapError(err)
	}
	return nil
}

func toAssignment(a *armauthorization.RoleAssignment) tenant.RoleAssignment {
	out := tenant.RoleAssignment{ID: str(a.ID), Name: str(a.Name)}
	if p := a.Properties; p != nil {
		out.Scope = str(p.Scope)
		out.RoleDefinitionID = str(p.RoleDefinitionID)
		out.PrincipalID = str(p.PrincipalID)
		out.Description = str(p.Description)
		if p.PrincipalType != nil {
			out.PrincipalType = string(*p.PrincipalType)
		}
	}
	if out.Scope == "" {
		// The scope is the id up to the provider segment.
		if i := strings.Index(strings.ToLower(out.ID), "/providers/microsoft.authorization/roleassignments/"); i >= 0 {
			out.Scope = out.ID[:i]
		}
	}
	return out
}

// ARM error codes that refine the kind a status alone gives.
const (
	// codePrincipalNotFound: the principal named in a create is not known
	// to ARM yet: a new user, group or service principal replicates from
	// Entra with a delay (400). It maps to NotFound, which the applier
	// retries within its lag window for principals it created.
	codePrincipalNotFound = "PrincipalNotFound"
)

// mapError turns an SDK error into a *tenant.Error:
//
//	404                   NotFound (ResourceNotFound, RoleAssignmentNotFound, ...)
//	400 PrincipalNotFound NotFound (replication lag)
//	409                   Conflict (RoleAssignmentExists)
//	429                   Throttled, with Retry-After
//	408, 5xx              Transient
//	401, 403              Forbidden (AuthorizationFailed)
//	other 4xx             Invalid
func mapError(err error) error {
	if te := (*tenant.Error)(nil); errors.As(err, &te) {
		return te
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		e := &tenant.Error{Status: re.StatusCode, Code: re.ErrorCode, Err: err,
			Message: fmt.Sprintf("azure resource manager answered %d %s", re.StatusCode, http.StatusText(re.StatusCode))}
		switch s := re.StatusCode; {
		case s == http.StatusNotFound, strings.EqualFold(re.ErrorCode, codePrincipalNotFound):
			e.Kind = tenant.NotFound
		case s == http.StatusConflict:
			e.Kind = tenant.Conflict
		case s == http.StatusTooManyRequests:
			e.Kind = tenant.Throttled
			if re.RawResponse != nil {
				e.RetryAfter = retryAfter(re.RawResponse.Header)
			}
		case s == http.StatusRequestTimeout || s >= 500:
			e.Kind = tenant.Transient
			if re.RawResponse != nil {
				e.RetryAfter = retryAfter(re.RawResponse.Header)
			}
		case s == http.StatusUnauthorized || s == http.StatusForbidden:
			e.Kind = tenant.Forbidden
		case s >= 400:
			e.Kind = tenant.Invalid
		default:
			e.Kind = tenant.Unknown
		}
		return e
	}
	if errors.Is(err, context.Canceled) {
		return &tenant.Error{Kind: tenant.Unknown, Message: "cancelled", Err: err}
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &tenant.Error{Kind: tenant.Transient, Message: "azure resource manager timed out", Err: err}
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return &tenant.Error{Kind: tenant.Transient, Message: "azure resource manager: network error", Err: err}
	}
	return &tenant.Error{Kind: tenant.Unknown, Err: err}
}

// retryAfter reads Retry-After (seconds or an HTTP date).
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 {
			return time.Duration(s * float64(time.Second))
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }
