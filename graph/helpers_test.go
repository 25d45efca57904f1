package graph

import (
	"errors"

	"github.com/regsync/regsync/tenant"
)

func asTenantError(err error, te **tenant.Error) bool { return errors.As(err, te) }

// errOf, madeApp and the like unwrap Do's answer, for tests that write
// one call per line.
func errOf(_ tenant.WriteResult, err error) error { return err }

func madeApp(r tenant.WriteResult, err error) (*tenant.Application, error) { return r.Application, err }

func madeSP(r tenant.WriteResult, err error) (*tenant.ServicePrincipal, error) {
	return r.ServicePrincipal, err
}

func madePassword(r tenant.WriteResult, err error) (tenant.PasswordCredential, tenant.SecretValue, error) {
	return r.Password, r.Secret, err
}

func madeFederated(r tenant.WriteResult, err error) (tenant.FederatedCredential, error) {
	return r.Federated, err
}

func madeAssignment(r tenant.WriteResult, err error) (tenant.AppRoleAssignment, error) {
	return r.Assignment, err
}

func madeGrant(r tenant.WriteResult, err error) (tenant.PermissionGrant, error) { return r.Grant, err }
