package applier

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// clockSkew is how far Graph's clock may be behind ours when Apply looks
// for a credential made by an addPassword whose answer was lost.
const clockSkew = 5 * time.Minute

// secretKind: a client secret is added alone (addPassword answers with
// the value, which goes straight to Key Vault) and removed in a $batch.
type secretKind struct{}

func (secretKind) has(a *planner.Action) bool { return a.Secret != nil }

func (secretKind) detach(c *planner.Action) { c.Secret = detached(c.Secret) }

func (secretKind) write(a *planner.Action) (tenant.Write, string, bool) {
	if a.Op != planner.OpDelete {
		return tenant.Write{}, "", false
	}
	s := a.Secret
	return tenant.RemovePassword(s.ApplicationID, s.KeyID), s.KeyID, true
}

func (k secretKind) run(ctx context.Context, x *exec) error {
	s := x.a.Secret
	switch x.a.Op {
	case planner.OpCreate:
		return x.addSecret(ctx)
	case planner.OpDelete:
		x.objectID = s.KeyID
		w, _, _ := k.write(x.a)
		return x.remove(ctx, "already removed", func(ctx context.Context) error { return x.do(ctx, w) })
	default:
		panic(unknownOp(x.a))
	}
}

// addSecret adds a client secret and hands its value straight to Key
// Vault. The value exists only in this function, as a tenant.SecretValue
// (which prints as a redaction marker): it is never logged, put in an
// error, an event or the result.
//
// Graph returns the value once, from addPassword, and never again. So:
//   - when addPassword fails in a way that may have reached Graph, the
//     credential it may have made is looked for and removed before the
//     call is sent again, since its value is lost;
//   - when the vault write still fails after retries, the new credential
//     is removed again (compensation) and the action fails, saying both;
//     a re-run plans a new secret. No credential is left without its vault
//     copy unless that removal fails too, which the error says.
//
// A renewal is the same action with Replaces set: the new credential is
// stored as a new version of the same vault secret, and the old credential
// stays until a later plan removes it after the overlap.
func (x *exec) addSecret(ctx context.Context) error {
	s := x.a.Secret
	asked := x.opts.Now()
	end := asked.Add(time.Duration(s.LifetimeSeconds) * time.Second).UTC()
	req := tenant.PasswordRequest{DisplayName: s.DisplayName, End: end}

	var cred tenant.PasswordCredential
	var value tenant.SecretValue
	err := x.retry(ctx, x.lag, func(ctx context.Context) error {
		res, err := x.dir.Do(ctx, tenant.AddPassword(s.ApplicationID, req))
		if err == nil {
			cred, value = res.Password, res.Secret
			return nil
		}
		if maybeLost(err) {
			if rerr := x.removeLostCredentials(ctx, asked); rerr != nil {
				// Sending addPassword again could leave a second
				// credential without a vault copy: stop here.
				return &tenant.Error{Kind: tenant.Unknown, Err: err,
					Message: fmt.Sprintf("%v; a credential it may have added could not be cleared: %v", err, rerr)}
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	x.objectID = cred.KeyID
	x.knowKey(s.ApplicationID, cred.KeyID)

	expires := cred.End.UTC()
	if cred.End.IsZero() {
		expires = end
	}
	w := tenant.SecretWrite{
		ContentType: x.opts.ContentType,
		Tags: map[string]string{
			tenant.SecretTagClientID: s.AppID,
			tenant.SecretTagKeyID:    cred.KeyID,
			tenant.SecretTagSet:      x.plan.Set,
			tenant.SecretTagKey:      x.a.App,
		},
		Expires: &expires,
	}
	verr := x.retry(ctx, false, func(ctx context.Context) error {
		_, err := x.vault.SetSecret(ctx, s.Vault, s.SecretName, value, w)
		return err
	})
	value = tenant.SecretValue{}
	if verr == nil {
		if s.Replaces != "" {
			x.note("succeeds credential %s, which stays until the overlap has passed", s.Replaces)
		}
		return nil
	}

	// Compensation: the credential must not outlive its only copy.
	rerr := x.retry(ctx, true, func(ctx context.Context) error { return x.do(ctx, tenant.RemovePassword(s.ApplicationID, cred.KeyID)) })
	if rerr == nil || gone(rerr) {
		x.note("Key Vault write failed; credential %s removed again", cred.KeyID)
		return fmt.Errorf("storing the new client secret in Key Vault %s as %s failed: %w; "+
			"the new credential %s was removed again, so none is left without its vault copy; apply again once the vault is reachable",
			s.Vault, s.SecretName, verr, cred.KeyID)
	}
	x.note("Key Vault write failed; removing credential %s failed too", cred.KeyID)
	return fmt.Errorf("storing the new client secret in Key Vault %s as %s failed: %w; "+
		"removing the new credential %s again failed too (%v): it has no vault copy, remove it from application %q by hand",
		s.Vault, s.SecretName, verr, cred.KeyID, rerr, x.a.App)
}

// removeLostCredentials looks, for up to Options.LookAgain, for a managed
// credential of this application that Apply does not know and that started
// after asked (less clock skew): one made by an addPassword whose answer was
// lost. Its value is gone, so it is removed.
func (x *exec) removeLostCredentials(ctx context.Context, asked time.Time) error {
	s := x.a.Secret
	var lost []string
	_, err := x.lookAgain(ctx, func(ctx context.Context) (bool, error) {
		apps, err := x.dir.ApplicationsByAppID(ctx, []string{s.AppID})
		if err != nil {
			return false, err
		}
		lost = lost[:0]
		for _, a := range apps {
			if a == nil || !strings.EqualFold(a.ID, s.ApplicationID) {
				continue
			}
			for _, c := range a.PasswordCredentials {
				if c.DisplayName == s.DisplayName && !x.knownKey(a.ID, c.KeyID) && !c.Start.IsZero() && !c.Start.Before(asked.Add(-clockSkew)) {
					lost = append(lost, c.KeyID)
				}
			}
		}
		return len(lost) > 0, nil
	})
	if err != nil {
		return err
	}
	for _, keyID := range lost {
		err := x.retry(ctx, true, func(ctx context.Context) error { return x.do(ctx, tenant.RemovePassword(s.ApplicationID, keyID)) })
		if err != nil && !gone(err) {
			return fmt.Errorf("removing credential %s: %w", keyID, err)
		}
		x.note("removed credential %s, made by an addPassword whose answer was lost", keyID)
	}
	return nil
}
