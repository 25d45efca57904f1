package applier

import (
	"context"
	"fmt"
	"net/http"
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
//   - before addPassword, the vault must be usable (prepareVault): its
//     breaker closed, and the secret's name not held by a soft-deleted
//     secret, which is recovered when the identity may;
//   - when addPassword fails in a way that may have reached Graph, the
//     credential it may have made is looked for and removed before the
//     call is sent again, since its value is lost;
//   - when the vault write still fails after retries, settleVault decides
//     between keeping the credential (the write landed though its answer
//     was lost) and removing it again (compensation).
//
// A renewal is the same action with Replaces set: the new credential is
// stored as a new version of the same vault secret, and the old credential
// stays until a later plan removes it after the overlap.
func (x *exec) addSecret(ctx context.Context) error {
	s := x.a.Secret
	if err := x.prepareVault(ctx, s.Vault, s.SecretName); err != nil {
		return err
	}
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
	recovered := x.vaults.wasRecovered(s.Vault, s.SecretName)
	ambiguous := false // some attempt may have been carried out
	verr := x.vaultWrite(ctx, s.Vault, func(ctx context.Context) error {
		_, err := x.vault.SetSecret(ctx, s.Vault, s.SecretName, value, w)
		if err != nil && recovered && tenant.KindOf(err) == tenant.Conflict {
			// Key Vault finishes a recovery asynchronously and answers
			// 409 until then (Azure/azure-sdk-for-net#31581).
			err = &tenant.Error{Kind: tenant.Transient, Status: http.StatusConflict, Message: "the recovery of the secret is still under way", Err: err}
		}
		if err != nil && mayHaveLanded(err) {
			ambiguous = true
		}
		return err
	})
	value = tenant.SecretValue{}
	if verr == nil {
		if s.Replaces != "" {
			x.note("succeeds credential %s, which stays until the overlap has passed", s.Replaces)
		}
		return nil
	}
	return x.settleVault(ctx, cred.KeyID, verr, ambiguous)
}

// settleVault ends an action whose vault write failed after retries. The
// credential must not outlive its only copy, but removing a credential
// whose copy did land would leave the vault's latest version holding a
// dead value — and on a renewal the next plan would remove the still-valid
// predecessor, so readers of the latest version would hold no working
// secret at all. So:
//
//   - Apply first lists the secret's versions (metadata only) and looks
//     for one tagged with the new credential's keyId. When there is one,
//     the write landed and only its answer was lost: the credential stays
//     and the action succeeds.
//   - When there is none, the credential is removed again (compensation).
//   - When the versions cannot be read and some attempt may have been
//     carried out (mayHaveLanded), the credential is kept and the error
//     says how to tell; when every attempt was refused, it is removed.
//
// This runs under its own context, detached from the apply's and bounded
// by Options.CompensationTimeout: a cancelled apply (Ctrl-C, a cancelled
// CI job) still settles every credential it made.
func (x *exec) settleVault(ctx context.Context, keyID string, verr error, ambiguous bool) error {
	s := x.a.Secret
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), x.opts.CompensationTimeout)
	defer cancel()

	var versions []tenant.SecretMeta
	lerr := x.vaultCheck(cctx, s.Vault, func(ctx context.Context) (err error) {
		versions, err = x.vault.SecretVersions(ctx, s.Vault, s.SecretName)
		return err
	})
	if lerr == nil {
		for _, v := range versions {
			if v.Tags[tenant.SecretTagKeyID] == keyID {
				x.note("the Key Vault write's answer was lost (%v), but version %s of %s carries credential %s", verr, v.Version, s.SecretName, keyID)
				if s.Replaces != "" {
					x.note("succeeds credential %s, which stays until the overlap has passed", s.Replaces)
				}
				return nil
			}
		}
	} else if ambiguous {
		x.note("Key Vault write failed and could not be checked; credential %s kept", keyID)
		return fmt.Errorf("storing the new client secret in Key Vault %s as %s failed: %w; whether a write reached the vault "+
			"could not be checked (%v), so the new credential %s was kept: if no version of %s is tagged %s=%s, remove the credential from application %q by hand",
			s.Vault, s.SecretName, verr, lerr, keyID, s.SecretName, tenant.SecretTagKeyID, keyID, x.a.App)
	}

	rerr := x.retry(cctx, true, func(ctx context.Context) error { return x.do(ctx, tenant.RemovePassword(s.ApplicationID, keyID)) })
	if rerr == nil || gone(rerr) {
		x.note("Key Vault write failed; credential %s removed again", keyID)
		return fmt.Errorf("storing the new client secret in Key Vault %s as %s failed: %w; "+
			"the new credential %s was removed again, so none is left without its vault copy; apply again once the vault is reachable",
			s.Vault, s.SecretName, verr, keyID)
	}
	x.note("Key Vault write failed; removing credential %s failed too", keyID)
	return fmt.Errorf("storing the new client secret in Key Vault %s as %s failed: %w; "+
		"removing the new credential %s again failed too (%v): it has no vault copy, remove it from application %q by hand",
		s.Vault, s.SecretName, verr, keyID, rerr, x.a.App)
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
