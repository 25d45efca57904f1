package graph

import (
	"errors"

	"github.com/regsync/regsync/tenant"
)

func asTenantError(err error, te **tenant.Error) bool { return errors.As(err, te) }
