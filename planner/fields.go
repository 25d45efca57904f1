package planner

import (
	"fmt"

	"github.com/regsync/regsync/tenant"
)

// Payload returns the properties to send, failing when a field still
// holds an unresolved Ref (see Action.Resolve).
func (a *ApplicationAction) Payload() (tenant.AppProps, error) {
	if a.Fields == nil {
		return tenant.AppProps{}, nil
	}
	p := *a.Fields
	var err error
	check := func(field, v string) {
		if err == nil && IsRef(v) {
			err = fmt.Errorf("%s: unresolved reference %s", field, v)
		}
	}
	check("object_id", a.ObjectID)
	if p.RequiredResourceAccess != nil {
		for i, x := range *p.RequiredResourceAccess {
			check(fmt.Sprintf("required_resource_access[%d]", i), x.ResourceAppID)
		}
	}
	if p.KnownClientApplications != nil {
		for i, x := range *p.KnownClientApplications {
			check(fmt.Sprintf("known_client_applications[%d]", i), x)
		}
	}
	if p.PreAuthorizedApplications != nil {
		for i, x := range *p.PreAuthorizedApplications {
			check(fmt.Sprintf("pre_authorized_applications[%d]", i), x.AppID)
		}
	}
	if err != nil {
		return tenant.AppProps{}, err
	}
	return p, nil
}

// refFields calls visit with a pointer to every string field of the action's
// payload that may hold a Ref.
func (a *Action) refFields(visit func(field string, p *string) error) error {
	var err error
	try := func(name string, p *string) {
		if err == nil {
			err = visit(name, p)
		}
	}
	switch {
	case a.Application != nil:
		try("object_id", &a.Application.ObjectID)
		if f := a.Application.Fields; f != nil {
			if f.RequiredResourceAccess != nil {
				rr := *f.RequiredResourceAccess
				for i := range rr {
					try(fmt.Sprintf("required_resource_access[%d].resource_app_id", i), &rr[i].ResourceAppID)
				}
			}
			if f.KnownClientApplications != nil {
				kc := *f.KnownClientApplications
				for i := range kc {
					try(fmt.Sprintf("known_client_applications[%d]", i), &kc[i])
				}
			}
			if f.PreAuthorizedApplications != nil {
				pa := *f.PreAuthorizedApplications
				for i := range pa {
					try(fmt.Sprintf("pre_authorized_applications[%d].app_id", i), &pa[i].AppID)
				}
			}
		}
	case a.ServicePrincipal != nil:
		try("app_id", &a.ServicePrincipal.AppID)
	case a.Owner != nil:
		try("application_id", &a.Owner.ApplicationID)
	case a.FederatedCredential != nil:
		try("application_id", &a.FederatedCredential.ApplicationID)
	case a.Secret != nil:
		try("application_id", &a.Secret.ApplicationID)
		try("app_id", &a.Secret.AppID)
	case a.Certificate != nil:
		try("application_id", &a.Certificate.ApplicationID)
		try("app_id", &a.Certificate.AppID)
	case a.AppRoleAssignment != nil:
		try("principal_id", &a.AppRoleAssignment.PrincipalID)
		try("resource_id", &a.AppRoleAssignment.ResourceID)
	case a.PermissionGrant != nil:
		try("client_id", &a.PermissionGrant.ClientID)
		try("resource_id", &a.PermissionGrant.ResourceID)
	case a.RoleAssignment != nil:
		try("principal_id", &a.RoleAssignment.PrincipalID)
	}
	return err
}

// Refs lists the references the action's payload holds, in field order.
func (a *Action) Refs() []Ref {
	var out []Ref
	_ = a.refFields(func(_ string, p *string) error {
		if r, ok := ParseRef(*p); ok {
			out = append(out, r)
		}
		return nil
	})
	return out
}

// Resolve replaces every Ref in the action's payload with the id lookup
// returns for it, in place. It fails, naming the field, when lookup has no
// id for a reference; the action is then partly resolved and must not run.
func (a *Action) Resolve(lookup func(Ref) (string, bool)) error {
	if a.Application != nil {
		// Copy what resolving writes to, so it never edits a backing
		// array the plan shares.
		app := *a.Application
		if app.Fields != nil {
			f := *app.Fields
			if f.RequiredResourceAccess != nil {
				rr := append([]tenant.RequiredResourceAccess(nil), *f.RequiredResourceAccess...)
				f.RequiredResourceAccess = &rr
			}
			if f.KnownClientApplications != nil {
				kc := append([]string(nil), *f.KnownClientApplications...)
				f.KnownClientApplications = &kc
			}
			if f.PreAuthorizedApplications != nil {
				pa := append([]tenant.PreAuthorizedApplication(nil), *f.PreAuthorizedApplications...)
				f.PreAuthorizedApplications = &pa
			}
			app.Fields = &f
		}
		a.Application = &app
	}
	return a.refFields(func(field string, p *string) error {
		r, ok := ParseRef(*p)
		if !ok {
			return nil
		}
		id, found := lookup(r)
		if !found || id == "" {
			return fmt.Errorf("action %s: %s: no id for %s yet", a.ID, field, r)
		}
		*p = id
		return nil
	})
}
