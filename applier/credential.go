package applier

import (
	"context"
	"fmt"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// credentialKind removes a credential regsync did not create (prune): a
// certificate of the application or of its service principal, or a
// password of the service principal. A service principal's password goes
// by removePassword, in a $batch; a certificate by a read of the object's
// key credentials and a PATCH keeping the others, alone. A credential
// already gone is success.
type credentialKind struct{}

func (credentialKind) has(a *planner.Action) bool { return a.Credential != nil }

func (credentialKind) detach(c *planner.Action) { c.Credential = detached(c.Credential) }

// removal is the write that removes the credential.
func removal(c *planner.CredentialAction) tenant.Write {
	switch {
	case c.Kind == planner.KindCertificate && c.On == planner.OnApplication:
		return tenant.RemoveKeyCredential(c.ObjectID, c.KeyID)
	case c.Kind == planner.KindCertificate && c.On == planner.OnServicePrincipal:
		return tenant.RemoveServicePrincipalKey(c.ObjectID, c.KeyID)
	case c.Kind == planner.KindPassword && c.On == planner.OnServicePrincipal:
		return tenant.RemoveServicePrincipalPassword(c.ObjectID, c.KeyID)
	default:
		panic(fmt.Sprintf("internal error: no removal of a %q credential on %q", c.Kind, c.On))
	}
}

func (credentialKind) write(a *planner.Action) (tenant.Write, string, bool) {
	if a.Op != planner.OpDelete {
		return tenant.Write{}, "", false
	}
	w := removal(a.Credential)
	return w, a.Credential.KeyID, w.Op.Batchable()
}

func (credentialKind) run(ctx context.Context, x *exec) error {
	c := x.a.Credential
	x.objectID = c.KeyID
	switch x.a.Op {
	case planner.OpDelete:
		w := removal(c)
		return x.remove(ctx, "already removed", func(ctx context.Context) error { return x.do(ctx, w) })
	default:
		panic(unknownOp(x.a))
	}
}
