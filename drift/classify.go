package drift

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// Compute classifies how live differs from desired. plan must be the plan
// of desired against live (planner.Compute, with or without Prune): every
// field comparison comes from it, so drift and plan cannot disagree. What a
// plan does not show as a change is read from the snapshot: credentials and
// their vault copies, consent on clients without adminConsent, and expiry.
//
// Routine secret lifecycle steps a plan holds (a renewal, the removal of a
// credential whose overlap has passed) are not drift; a secret close to its
// end is reported as ClassSecretExpiring instead. A client secret kept for
// the overlap of a migration to a certificate or a federated credential
// (planner.SecretMigrationOf) is a Notice, not drift. Items under an object
// that is missing (owners, federated credentials and consent of a missing
// application; consent of a missing service principal) are implied by it
// and not listed.
func Compute(desired *spec.Spec, live *tenant.Snapshot, plan *planner.Plan, opts Options) (*Report, error) {
	if desired == nil || live == nil || plan == nil {
		return nil, errors.New("computing drift: internal error: a spec, a snapshot and a plan are required")
	}
	if opts.Now.IsZero() {
		return nil, errors.New("computing drift: internal error: no clock")
	}
	c := &classifier{spec: desired, live: live, plan: plan, opts: opts, objIndex: map[string]int{}}
	c.r = &Report{
		Tenant:       plan.Tenant,
		Set:          desired.Set,
		SpecFile:     desired.File,
		SpecDigest:   desired.Digest,
		CheckedAt:    opts.Now.UTC(),
		ExpiryWindow: spec.FormatDuration(opts.ExpiryWindow),
		FailOnExpiry: opts.FailOnExpiry,
		Objects:      []Object{},
		Items:        []Item{},
		Credentials:  []Credential{},
		Notices:      []Notice{},
		Reads:        plan.Reads,
	}
	c.index()
	c.fromPlan()
	c.credentials()
	c.certificates()
	c.vaultSecrets()
	c.unmanagedConsent()
	c.members()
	c.roles()
	c.finish()
	return c.r, nil
}

type classifier struct {
	spec *spec.Spec
	live *tenant.Snapshot
	plan *planner.Plan
	opts Options
	r    *Report

	objIndex map[string]int
	extra    []Object
	apps     map[string]*spec.Application   // spec apps by key
	liveApps map[string]*tenant.Application // spec key → live application
	setApps  map[string]string              // lower appId → key, for every live app of the set or adopted
	appByID  map[string]*tenant.Application // lower appId → live application
	spByID   map[string]*tenant.ServicePrincipal
	spByApp  map[string]*tenant.ServicePrincipal // lower appId → SP
	names    map[string]string                   // lower appId → spec key or api key
	missing  map[string]bool                     // object addresses created by the plan
	// creds classifies password credentials against the vaults' key
	// ids, indexed once for the whole set.
	creds *planner.CredentialIndex
}

func appAddr(key string) string    { return "applications." + key }
func spAddr(key string) string     { return "applications." + key + ".service_principal" }
func secretAddr(key string) string { return "applications." + key + ".secret" }

func (c *classifier) index() {
	c.creds = planner.NewCredentialIndex(c.live)
	c.apps = map[string]*spec.Application{}
	c.liveApps = map[string]*tenant.Application{}
	c.setApps = map[string]string{}
	c.appByID = map[string]*tenant.Application{}
	c.spByID = map[string]*tenant.ServicePrincipal{}
	c.spByApp = map[string]*tenant.ServicePrincipal{}
	c.names = map[string]string{}
	c.missing = map[string]bool{}
	for _, a := range c.live.Applications {
		if a != nil {
			c.appByID[strings.ToLower(a.AppID)] = a
		}
	}
	for _, sp := range c.live.ServicePrincipals {
		if sp != nil {
			c.spByID[strings.ToLower(sp.ID)] = sp
			c.spByApp[strings.ToLower(sp.AppID)] = sp
		}
	}
	setTag := tenant.SetTag(c.spec.Set)
	for _, a := range c.live.Applications {
		if a == nil || !hasString(a.Tags, setTag) {
			continue
		}
		key := a.AppID
		for _, t := range a.Tags {
			if v, ok := strings.CutPrefix(t, tenant.TagKey+"="); ok {
				key = v
			}
		}
		c.setApps[strings.ToLower(a.AppID)] = key
		if _, dup := c.liveApps[key]; !dup {
			c.liveApps[key] = a
		}
	}
	for _, api := range c.spec.APIs {
		c.names[strings.ToLower(api.AppID)] = api.Key
	}
	for _, sa := range c.spec.Applications {
		if sa == nil {
			continue
		}
		c.apps[sa.Key] = sa
		if sa.AppID != "" {
			c.liveApps[sa.Key] = c.appByID[strings.ToLower(sa.AppID)]
		}
		if la := c.liveApps[sa.Key]; la != nil {
			c.setApps[strings.ToLower(la.AppID)] = sa.Key
			c.names[strings.ToLower(la.AppID)] = sa.Key
		}
		c.object(Object{Address: appAddr(sa.Key), App: sa.Key, Type: "application", InSpec: true})
		c.object(Object{Address: spAddr(sa.Key), App: sa.Key, Type: "service_principal", InSpec: true})
		if sa.Secret != nil {
			c.object(Object{Address: secretAddr(sa.Key), App: sa.Key, Type: "secret", InSpec: true})
		}
		if sa.Certificate != nil {
			c.object(Object{Address: certAddr(sa.Key), App: sa.Key, Type: "certificate", InSpec: true})
		}
	}
	for _, a := range c.plan.Actions {
		if a.Op != planner.OpCreate {
			continue
		}
		switch a.Type {
		case planner.TypeApplication:
			c.missing[appAddr(a.App)] = true
		case planner.TypeServicePrincipal:
			c.missing[spAddr(a.App)] = true
		}
	}
}

// object registers a spec object (in order) or an object found only live
// (sorted at the end).
func (c *classifier) object(o Object) {
	if _, ok := c.objIndex[o.Address]; ok {
		return
	}
	if o.InSpec {
		c.objIndex[o.Address] = len(c.r.Objects)
		c.r.Objects = append(c.r.Objects, o)
		return
	}
	c.objIndex[o.Address] = -1
	c.extra = append(c.extra, o)
}

func (c *classifier) add(it Item) {
	if it.Severity == "" {
		it.Severity = SeverityDrift
	}
	c.r.Items = append(c.r.Items, it)
}

// implied reports whether items under object are implied by a missing
// application (or, for consent, a missing service principal) of app.
func (c *classifier) implied(app string, consent bool) bool {
	return c.missing[appAddr(app)] || (consent && c.missing[spAddr(app)])
}

// fromPlan turns the plan's actions into items.
func (c *classifier) fromPlan() {
	type ownerDiff struct{ missing, unexpected, missingLabels, unexpectedLabels []string }
	owners := map[string]*ownerDiff{}
	var ownerOrder []string
	for _, a := range c.plan.Actions {
		if a.Type == planner.TypeRoleAssignment {
			continue // read from the snapshot in roles()
		}
		if a.Type == planner.TypeServicePrincipal && a.Op == planner.OpCreate && strings.HasPrefix(a.Address, "apis.") {
			// An API's service principal that createServicePrincipal asks for.
			c.object(Object{Address: a.Address, App: a.App, Type: "service_principal", InSpec: true})
			c.add(Item{Class: ClassMissing, App: a.App, Object: a.Address, Address: a.Address,
				Message: fmt.Sprintf("API %s has no service principal in the tenant (createServicePrincipal is on): its clients cannot be granted its permissions", a.App)})
			continue
		}
		if _, inSpec := c.apps[a.App]; !inSpec {
			continue // pruned applications: see notInSpec
		}
		if a.Step == "disable" {
			continue // the update that follows carries the same differences
		}
		switch a.Type {
		case planner.TypeApplication:
			switch a.Op {
			case planner.OpCreate:
				c.add(Item{Class: ClassMissing, App: a.App, Object: appAddr(a.App), Address: a.Address,
					Message: fmt.Sprintf("application %q does not exist: no application carries %s in set %s",
						fieldString(a, "display_name", a.App), tenant.KeyTag(a.App), c.spec.Set)})
			case planner.OpUpdate:
				c.changes(a, appAddr(a.App), "")
			case planner.OpDelete:
			default:
				panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(a.Op)))
			}
		case planner.TypeServicePrincipal:
			switch a.Op {
			case planner.OpCreate:
				c.add(Item{Class: ClassMissing, App: a.App, Object: spAddr(a.App), Address: a.Address,
					Message: "the application has no service principal: nobody can sign in with it or be granted access to it"})
			case planner.OpUpdate:
				c.changes(a, spAddr(a.App), "")
			case planner.OpDelete:
			default:
				panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(a.Op)))
			}
		case planner.TypeOwner:
			if c.implied(a.App, false) {
				continue
			}
			d := owners[a.App]
			if d == nil {
				d = &ownerDiff{}
				owners[a.App] = d
				ownerOrder = append(ownerOrder, a.App)
			}
			if a.Op == planner.OpCreate {
				d.missing = append(d.missing, a.Owner.OwnerID)
				d.missingLabels = append(d.missingLabels, ownerLabel(a.Owner))
			} else {
				d.unexpected = append(d.unexpected, a.Owner.OwnerID)
				d.unexpectedLabels = append(d.unexpectedLabels, ownerLabel(a.Owner))
			}
		case planner.TypeFederatedCredential:
			if c.implied(a.App, false) {
				continue
			}
			fc := a.FederatedCredential.Credential
			switch a.Op {
			case planner.OpCreate:
				c.add(Item{Class: ClassMissing, App: a.App, Object: appAddr(a.App), Address: a.Address,
					Message: fmt.Sprintf("federated credential %q (%s, %s) does not exist", fc.Name, fc.Issuer, fc.Subject)})
			case planner.OpUpdate:
				c.changes(a, appAddr(a.App), fmt.Sprintf("federated_credentials[%s].", quote(fc.Name)))
			case planner.OpDelete:
				if sa := c.apps[a.App]; sa != nil && sa.FederatedCredentials == nil {
					continue // undeclared altogether: unmanaged() reports it
				}
				c.add(Item{Class: ClassCredentialByHand, App: a.App, Object: appAddr(a.App), Address: a.Address, Risk: RiskHigh,
					Credential: &Credential{App: a.App, Kind: string(planner.KindFederated), KeyID: a.FederatedCredential.ID,
						DisplayName: fc.Name, Issuer: fc.Issuer, Subject: fc.Subject, Status: StatusByHand},
					Message: fmt.Sprintf("federated credential %q (%s, %s) is not declared in the spec: %s can sign in as this application",
						fc.Name, fc.Issuer, fc.Subject, fc.Subject)})
			default:
				panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(a.Op)))
			}
		case planner.TypeSecret, planner.TypeCertificate, planner.TypeCredential:
			// Read from the snapshot in credentials() and certificates():
			// a plan's credential actions mix drift with the routine
			// lifecycle, and credentials regsync did not create are removed
			// only with prune.
		case planner.TypeAppRoleAssignment:
			if c.implied(a.App, true) {
				continue
			}
			x := a.AppRoleAssignment
			perm := x.Resource + "/" + x.Role
			if x.PrincipalType != "" {
				// A member of a role (appRoles.<role>.members): a delete
				// only comes with prune; undeclared members are read
				// from Plan.UndeclaredMembers in members().
				if a.Op == planner.OpCreate {
					c.add(Item{Class: ClassConsentRemoved, App: a.App, Object: spAddr(a.App), Address: a.Address, Field: "members",
						Missing: []string{strings.ToLower(x.PrincipalType) + " " + x.Principal},
						Message: fmt.Sprintf("%s %s is a member of app role %s but has no assignment of it", strings.ToLower(x.PrincipalType), x.Principal, x.Role)})
				}
				continue
			}
			if a.Op == planner.OpCreate {
				c.add(Item{Class: ClassConsentRemoved, App: a.App, Object: spAddr(a.App), Address: a.Address, Field: "app_role_assignments",
					Missing: []string{perm},
					Message: fmt.Sprintf("admin consent to application permission %s of %s is missing (adminConsent is on)", x.Role, x.Resource)})
			} else {
				c.add(Item{Class: ClassConsentAdded, App: a.App, Object: spAddr(a.App), Address: a.Address, Field: "app_role_assignments",
					Unexpected: []string{perm},
					Message:    fmt.Sprintf("application permission %s of %s is granted, but the spec does not request it", x.Role, x.Resource)})
			}
		case planner.TypePermissionGrant:
			if c.implied(a.App, true) {
				continue
			}
			x := a.PermissionGrant
			switch a.Op {
			case planner.OpCreate:
				c.add(Item{Class: ClassConsentRemoved, App: a.App, Object: spAddr(a.App), Address: a.Address, Field: "scope",
					Missing: strings.Fields(x.Scope),
					Message: fmt.Sprintf("consent for all users to delegated scopes %s of %s is missing (adminConsent is on)", x.Scope, x.Resource)})
			case planner.OpUpdate:
				var added, removed []string
				for _, ch := range a.Changes {
					added = append(added, unquoteAll(ch.Added)...)
					removed = append(removed, unquoteAll(ch.Removed)...)
				}
				if len(added) > 0 {
					c.add(Item{Class: ClassConsentRemoved, App: a.App, Object: spAddr(a.App), Address: a.Address, Field: "scope",
						Missing: added,
						Message: fmt.Sprintf("consent for all users to delegated scopes %s of %s is missing (adminConsent is on)", strings.Join(added, " "), x.Resource)})
				}
				if len(removed) > 0 {
					c.add(Item{Class: ClassConsentAdded, App: a.App, Object: spAddr(a.App), Address: a.Address, Field: "scope",
						Unexpected: removed,
						Message:    fmt.Sprintf("delegated scopes %s of %s are consented for all users, but the spec does not request them", strings.Join(removed, " "), x.Resource)})
				}
			case planner.OpDelete:
				c.add(Item{Class: ClassConsentAdded, App: a.App, Object: spAddr(a.App), Address: a.Address, Field: "scope",
					Unexpected: strings.Fields(x.Scope),
					Message:    fmt.Sprintf("delegated scopes %s of %s are consented for all users, but the spec requests no scope of it", x.Scope, x.Resource)})
			default:
				panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(a.Op)))
			}
		default:
			panic(fmt.Sprintf("internal error: unknown planner.ObjectType %q", string(a.Type)))
		}
	}
	for _, app := range ownerOrder {
		d := owners[app]
		var parts []string
		if len(d.missing) > 0 {
			parts = append(parts, "missing "+strings.Join(d.missingLabels, ", "))
		}
		if len(d.unexpected) > 0 {
			parts = append(parts, "not declared "+strings.Join(d.unexpectedLabels, ", "))
		}
		c.add(Item{Class: ClassFieldChanged, App: app, Object: appAddr(app), Address: appAddr(app) + ".owners", Field: "owners",
			Missing: d.missing, Unexpected: d.unexpected, Message: "owners differ: " + strings.Join(parts, "; ")})
	}
	for _, s := range c.plan.Applications {
		if s.Status != "prunable" && s.Status != "delete" {
			continue
		}
		if _, inSpec := c.apps[s.Key]; inSpec {
			continue
		}
		appID := ""
		if la := c.liveApps[s.Key]; la != nil {
			appID = " (appId " + la.AppID + ")"
		}
		c.object(Object{Address: appAddr(s.Key), App: s.Key, Type: "application"})
		c.add(Item{Class: ClassNotInSpec, App: s.Key, Object: appAddr(s.Key), Address: appAddr(s.Key),
			Message: fmt.Sprintf("application %q%s carries %s but the spec does not name it", s.DisplayName, appID, tenant.SetTag(c.spec.Set))})
	}
}

// changes turns an update action's field changes into ClassFieldChanged
// items: Before is what the tenant has, After what the spec says.
func (c *classifier) changes(a *planner.Action, object, prefix string) {
	kind := ""
	if sa := c.apps[a.App]; sa != nil {
		kind = string(sa.Kind)
	}
	for _, ch := range a.Changes {
		field := SpecPath(kind, prefix+ch.Path)
		it := Item{Class: ClassFieldChanged, App: a.App, Object: object, Address: object + "." + field, Field: field,
			Expected: ch.After, Actual: ch.Before, Missing: unquoteAll(ch.Added), Unexpected: unquoteAll(ch.Removed)}
		if len(ch.Added)+len(ch.Removed) > 0 {
			var parts []string
			if len(ch.Added) > 0 {
				parts = append(parts, "missing "+strings.Join(ch.Added, ", "))
			}
			if len(ch.Removed) > 0 {
				parts = append(parts, "not declared "+strings.Join(ch.Removed, ", "))
			}
			it.Message = field + " differs: " + strings.Join(parts, "; ")
		} else {
			it.Message = fmt.Sprintf("%s is %s in the tenant; the spec says %s", field, jsonOr(ch.Before, "absent"), jsonOr(ch.After, "absent"))
		}
		c.add(it)
	}
}

// credentials classifies the password credentials of the spec's
// applications: by hand, without a vault copy, not declared, missing, and
// the current one's expiry.
func (c *classifier) credentials() {
	for _, sa := range c.spec.Applications {
		if sa == nil {
			continue
		}
		la := c.liveApps[sa.Key]
		managedName := planner.ManagedSecretName(c.spec.Set, sa.Key)
		vault := ""
		if sa.Secret != nil {
			vault = sa.Secret.Vault
		}
		// The planner's classifier says which credentials are regsync's
		// and which of those the vault holds (newest first); those that
		// are not regsync's are unmanaged()'s.
		var orphans, rest []tenant.PasswordCredential
		if la != nil {
			for _, cc := range c.creds.Classify(managedName, vault, la.PasswordCredentials) {
				switch cc.State {
				case planner.CredentialForeign:
				case planner.CredentialUnstored:
					orphans = append(orphans, cc.Credential)
				case planner.CredentialStored, planner.CredentialUnknown:
					rest = append(rest, cc.Credential)
				default:
					panic("internal error: unknown planner.CredentialState " + string(cc.State))
				}
			}
		}
		managed := len(orphans) + len(rest)
		object := appAddr(sa.Key)
		if sa.Secret != nil {
			object = secretAddr(sa.Key)
		}
		if sa.Secret == nil {
			// Without a spec secret there is no vault to ask: every
			// managed credential is CredentialUnknown, none orphaned. A
			// client moving to a certificate or a federated credential
			// keeps them for the overlap, as the plan does
			// (planner.SecretMigrationOf): a notice, not drift. Once the
			// overlap has passed they are drift again.
			why := "the spec declares no secret for this application"
			m, migrating := planner.SecretMigrationOf(c.spec, sa, la)
			if migrating && m.Keeps(c.opts.Now) {
				for _, cr := range rest {
					cred := c.credential(sa.Key, cr, true, StatusKept, "", "")
					c.r.Notices = append(c.r.Notices, Notice{App: sa.Key, Object: object, Address: credAddr(sa.Key, cr.KeyID), Credential: cred,
						Message: fmt.Sprintf("%s while its users move to the %s; not drift until then", m.KeptNote(cr.KeyID), successorKind(m))})
				}
				rest = nil
			} else if migrating {
				why = m.RemovalReason()
			}
			for _, cr := range rest {
				cred := c.credential(sa.Key, cr, true, StatusUndeclared, "", "")
				c.add(Item{Class: ClassNotInSpec, App: sa.Key, Object: object, Address: credAddr(sa.Key, cr.KeyID), Credential: cred,
					Message: fmt.Sprintf("managed client secret %s (ends %s) remains, but %s", cr.KeyID, day(cr.End), why)})
			}
		} else {
			name := sa.Secret.Name
			if name == "" {
				name = spec.DefaultSecretName(sa.Key)
			}
			if c.live != nil {
				for _, d := range c.live.DeletedSecrets {
					if strings.EqualFold(d.Vault, vault) && strings.EqualFold(d.Name, name) {
						c.add(Item{Class: ClassMissing, App: sa.Key, Object: object, Address: secretAddr(sa.Key),
							Message: fmt.Sprintf("Key Vault secret %s in %s was deleted on %s and is recoverable until %s; its name stays reserved, so apply recovers it (with the recover permission) or stops until it is recovered or purged",
								name, vault, day(d.DeletedDate), day(d.ScheduledPurgeDate))})
					}
				}
			}
			for _, cr := range orphans {
				cred := c.credential(sa.Key, cr, true, StatusOrphaned, vault, name)
				c.add(Item{Class: ClassNoVaultCopy, App: sa.Key, Object: object, Address: credAddr(sa.Key, cr.KeyID), Credential: cred,
					Message: fmt.Sprintf("client secret %s (ends %s) has no copy in Key Vault %s: no secret there carries key-id %s, so nobody can use it",
						cr.KeyID, day(cr.End), vault, cr.KeyID)})
			}
			if managed == 0 && !c.implied(sa.Key, false) {
				c.add(Item{Class: ClassMissing, App: sa.Key, Object: object, Address: secretAddr(sa.Key),
					Message: fmt.Sprintf("the application has no client secret named %q; the spec stores one in Key Vault %s as %s", managedName, vault, name)})
			} else if managed == 0 {
				c.add(Item{Class: ClassMissing, App: sa.Key, Object: object, Address: secretAddr(sa.Key),
					Message: fmt.Sprintf("the client secret is missing with its application; the spec stores it in Key Vault %s as %s", vault, name)})
			}
			for i, cr := range rest {
				status := StatusSuperseded
				if i == 0 {
					status = StatusCurrent
				}
				cred := c.credential(sa.Key, cr, true, status, vault, name)
				if i == 0 {
					c.expiry(sa.Key, object, cred)
				}
			}
		}
		c.unmanaged(sa, la, object)
	}
}

// unmanaged reports every credential of the application and of its
// service principal that regsync did not create and the spec does not
// ignore (planner.UnmanagedCredentials, the rule plan prunes by), high
// risk. secretObject is the object the application's own client secrets
// report under.
func (c *classifier) unmanaged(sa *spec.Application, la *tenant.Application, secretObject string) {
	if la == nil {
		return
	}
	sp := c.spByApp[strings.ToLower(la.AppID)]
	found, _ := planner.UnmanagedCredentials(c.live, c.spec.Set, sa, la, sp)
	for _, u := range found {
		object := appAddr(sa.Key)
		switch {
		case u.On == planner.OnServicePrincipal:
			object = spAddr(sa.Key)
		case u.Kind == planner.KindPassword:
			object = secretObject
		}
		cred := &Credential{App: sa.Key, KeyID: u.KeyID, DisplayName: u.DisplayName, Status: StatusByHand,
			Type: u.Type, Usage: u.Usage, Thumbprint: u.Thumbprint, Issuer: u.Issuer, Subject: u.Subject}
		if u.Kind != planner.KindPassword {
			cred.Kind = string(u.Kind)
		}
		if u.On == planner.OnServicePrincipal {
			cred.On = u.On
		}
		var msg string
		if u.Kind == planner.KindFederated {
			msg = fmt.Sprintf("federated credential %q (%s, %s) is not declared in the spec: %s can sign in as this application",
				u.DisplayName, u.Issuer, u.Subject, u.Subject)
		} else {
			cred.Start, cred.End, cred.DaysLeft = u.Start, u.End, daysLeft(c.opts.Now, u.End)
			c.r.Credentials = append(c.r.Credentials, *cred)
			msg = fmt.Sprintf("%s, ending %s, was not created by regsync: whoever holds it can sign in as this application", u.Label(), day(u.End))
		}
		c.add(Item{Class: ClassCredentialByHand, App: sa.Key, Object: object, Address: planner.UnmanagedAddress(sa.Key, u),
			Credential: cred, Risk: RiskHigh, Message: msg})
	}
}

// successorKind names what a migration moves a client to.
func successorKind(m planner.SecretMigration) string {
	if m.To == planner.KindCertificate {
		return "certificate"
	}
	return "federated credential"
}

// RiskHigh marks an item that lets someone sign in as a managed
// application.
const RiskHigh = "high"

// credential records a credential for the timeline and returns a copy for
// an item. For a managed one, the vault secret is the one carrying its
// keyId, else the spec's.
func (c *classifier) credential(app string, cr tenant.PasswordCredential, managed bool, status, vault, name string) *Credential {
	out := Credential{App: app, KeyID: cr.KeyID, DisplayName: cr.DisplayName, Managed: managed,
		Start: cr.Start.UTC(), End: cr.End.UTC(), DaysLeft: daysLeft(c.opts.Now, cr.End), Status: status, Vault: vault, VaultSecret: name}
	if vault != "" {
		if n := c.creds.SecretCarrying(vault, cr.KeyID); n != "" {
			out.VaultSecret = n
		}
	}
	c.r.Credentials = append(c.r.Credentials, out)
	return &out
}

func (c *classifier) expiry(app, object string, cred *Credential) {
	now := c.opts.Now
	if cred.End.After(now.Add(c.opts.ExpiryWindow)) {
		return
	}
	it := Item{Class: ClassSecretExpiring, App: app, Object: object, Address: credAddr(app, cred.KeyID), Credential: cred,
		Severity: SeverityWarning}
	where := fmt.Sprintf("Key Vault %s, secret %s", cred.Vault, cred.VaultSecret)
	if !cred.End.After(now) {
		it.Severity = SeverityDrift
		it.Message = fmt.Sprintf("client secret %s ended %s (%s ago; %s): sign-ins with it fail until it is renewed",
			cred.KeyID, day(cred.End), plural(-cred.DaysLeft, "day", "days"), where)
	} else {
		if c.opts.FailOnExpiry {
			it.Severity = SeverityDrift
		}
		it.Message = fmt.Sprintf("client secret %s ends %s, %s left (%s)",
			cred.KeyID, day(cred.End), plural(cred.DaysLeft, "day", "days"), where)
	}
	c.add(it)
}

// vaultSecrets reports secrets of the set whose client-id / key-id tags
// point to no live credential. A secret belongs to the set when its
// regsync-set tag names it or its client-id is an application of the set.
func (c *classifier) vaultSecrets() {
	for _, s := range c.live.Secrets {
		keyID, clientID := s.Tags[tenant.SecretTagKeyID], s.Tags[tenant.SecretTagClientID]
		key, ok := c.setApps[strings.ToLower(clientID)]
		if keyID == "" || (!ok && s.Tags[tenant.SecretTagSet] != c.spec.Set) {
			continue
		}
		var app *tenant.Application
		if ok {
			app = c.appByID[strings.ToLower(clientID)]
		} else {
			key = s.Tags[tenant.SecretTagKey]
		}
		if app != nil {
			alive := false
			for _, cr := range app.PasswordCredentials {
				if strings.EqualFold(cr.KeyID, keyID) {
					alive = true
					break
				}
			}
			if alive {
				continue
			}
		}
		addr := fmt.Sprintf("key_vault.%s.secrets[%s]", s.Vault, quote(s.Name))
		object := addr
		if sa := c.apps[key]; sa != nil && sa.Secret != nil {
			object = secretAddr(key)
		} else {
			c.object(Object{Address: addr, App: key, Type: "vault_secret"})
		}
		vs := &VaultSecret{Vault: s.Vault, Name: s.Name, ClientID: clientID, KeyID: keyID}
		if s.Expires != nil {
			e := s.Expires.UTC()
			vs.Expires = &e
		}
		msg := fmt.Sprintf("Key Vault secret %s/%s carries key-id %s, which application %q no longer has: its value signs in nobody", s.Vault, s.Name, keyID, key)
		if app == nil {
			msg = fmt.Sprintf("Key Vault secret %s/%s belongs to application %s (client-id), which no longer exists", s.Vault, s.Name, clientID)
		}
		c.add(Item{Class: ClassVaultSecretOrphaned, App: key, Object: object, Address: addr, VaultSecret: vs, Message: msg})
	}
}

// unmanagedConsent reports app-role assignments and grants for all users
// held by the service principal of a client whose spec leaves that part of
// adminConsent off (roles, scopes): the spec asks for no such consent, so
// someone granted it by hand. (With a part on, the plan compares that
// consent and fromPlan reports it.)
func (c *classifier) unmanagedConsent() {
	for _, sa := range c.spec.Applications {
		if sa == nil || (sa.AdminConsent.Roles && sa.AdminConsent.Scopes) {
			continue
		}
		off := func(part string) string {
			if sa.AdminConsent.Any() {
				return "adminConsent." + part
			}
			return "adminConsent"
		}
		la := c.liveApps[sa.Key]
		if la == nil {
			continue
		}
		sp := c.spByApp[strings.ToLower(la.AppID)]
		if sp == nil {
			continue
		}
		for _, a := range c.live.AppRoleAssignments {
			if sa.AdminConsent.Roles || !strings.EqualFold(a.PrincipalID, sp.ID) {
				continue
			}
			res, role := c.permLabel(a.ResourceID, a.AppRoleID)
			c.add(Item{Class: ClassConsentAdded, App: sa.Key, Object: spAddr(sa.Key), Field: "app_role_assignments",
				Address:    fmt.Sprintf("%s.app_role_assignments[%s]", appAddr(sa.Key), quote(res+"/"+role)),
				Unexpected: []string{res + "/" + role},
				Message:    fmt.Sprintf("application permission %s of %s is granted, but the spec leaves %s off", role, res, off("roles"))})
		}
		for _, g := range c.live.PermissionGrants {
			if sa.AdminConsent.Scopes || !strings.EqualFold(g.ClientID, sp.ID) || g.ConsentType != "AllPrincipals" {
				continue
			}
			res, _ := c.permLabel(g.ResourceID, "")
			c.add(Item{Class: ClassConsentAdded, App: sa.Key, Object: spAddr(sa.Key), Field: "scope",
				Address:    fmt.Sprintf("%s.permission_grants[%s]", appAddr(sa.Key), quote(res)),
				Unexpected: strings.Fields(g.Scope),
				Message:    fmt.Sprintf("delegated scopes %s of %s are consented for all users, but the spec leaves %s off", g.Scope, res, off("scopes"))})
		}
	}
}

// permLabel names a resource service principal (its spec key, api key or
// display name) and one of its app roles (by value).
func (c *classifier) permLabel(spID, roleID string) (resource, role string) {
	resource, role = spID, roleID
	sp := c.spByID[strings.ToLower(spID)]
	if sp == nil {
		return resource, role
	}
	resource = sp.DisplayName
	if n, ok := c.names[strings.ToLower(sp.AppID)]; ok {
		resource = n
	}
	for _, r := range sp.AppRoles {
		if strings.EqualFold(r.ID, roleID) {
			role = r.Value
		}
	}
	if la := c.appByID[strings.ToLower(sp.AppID)]; la != nil {
		for _, r := range la.AppRoles {
			if strings.EqualFold(r.ID, roleID) {
				role = r.Value
			}
		}
	}
	return resource, role
}

// finish orders objects and items and counts them.
func (c *classifier) finish() {
	sort.SliceStable(c.extra, func(i, j int) bool { return c.extra[i].Address < c.extra[j].Address })
	for _, o := range c.extra {
		c.objIndex[o.Address] = len(c.r.Objects)
		c.r.Objects = append(c.r.Objects, o)
	}
	classIndex := map[Class]int{}
	for i, cl := range Classes {
		classIndex[cl] = i
	}
	sort.SliceStable(c.r.Items, func(i, j int) bool {
		a, b := c.r.Items[i], c.r.Items[j]
		if classIndex[a.Class] != classIndex[b.Class] {
			return classIndex[a.Class] < classIndex[b.Class]
		}
		return c.objIndex[a.Object] < c.objIndex[b.Object]
	})
	counts := map[Class]int{}
	for _, it := range c.r.Items {
		if _, ok := c.objIndex[it.Object]; !ok {
			panic(fmt.Sprintf("internal error: drift item %s names no object %s", it.Address, it.Object))
		}
		counts[it.Class]++
		switch it.Severity {
		case SeverityDrift:
			c.r.Summary.Drift++
		case SeverityWarning:
			c.r.Summary.Warnings++
		default:
			panic(fmt.Sprintf("internal error: unknown drift.Severity %q", string(it.Severity)))
		}
	}
	c.r.Summary.Notices = len(c.r.Notices)
	c.r.Summary.Classes = make([]ClassCount, len(Classes))
	for i, cl := range Classes {
		c.r.Summary.Classes[i] = ClassCount{Class: cl, Count: counts[cl]}
	}
}

func credAddr(app, keyID string) string {
	return fmt.Sprintf("%s.password_credentials[%s]", appAddr(app), quote(keyID))
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// unquoteAll reads the planner's readable set elements: JSON strings are
// unquoted, anything else is kept as written.
func unquoteAll(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		var v string
		if err := json.Unmarshal([]byte(s), &v); err == nil {
			out[i] = v
		} else {
			out[i] = s
		}
	}
	return out
}

func jsonOr(raw json.RawMessage, absent string) string {
	if len(raw) == 0 || string(raw) == "null" {
		return absent
	}
	return string(raw)
}

// fieldString reads a string field from a create action's changes.
func fieldString(a *planner.Action, path, fallback string) string {
	for _, ch := range a.Changes {
		if ch.Path == path {
			var s string
			if json.Unmarshal(ch.After, &s) == nil && s != "" {
				return s
			}
		}
	}
	return fallback
}

// daysLeft counts whole days from now to end, rounding down: negative once
// end has passed.
func daysLeft(now, end time.Time) int {
	return int(math.Floor(end.Sub(now).Hours() / 24))
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SpecPath turns a plan change path into the names spec authors write:
// the head through the property table (tenant.Properties, which knows
// that web_redirect_uris is a confidential client's redirectUris), the
// rest from snake_case to the spec's camelCase. Keys in brackets stay.
func SpecPath(kind, path string) string {
	var out strings.Builder
	for i, part := range splitPath(path) {
		if strings.HasPrefix(part, "[") {
			out.WriteString(part)
			continue
		}
		if i > 0 {
			out.WriteByte('.')
		}
		if i == 0 {
			if p, ok := tenant.PropertyByPlan(part); ok {
				if n := p.SpecName(kind); n != "" {
					out.WriteString(n)
					continue
				}
			}
		}
		if n, ok := specWords[part]; ok {
			out.WriteString(n)
			continue
		}
		out.WriteString(lowerCamel(part))
	}
	return out.String()
}

// specWords are the plan names whose spec name is not their camelCase.
var specWords = map[string]string{
	"is_enabled":           "enabled",
	"allowed_member_types": "memberTypes",
}

// splitPath splits a.b["k"].c into a, b, ["k"], c.
func splitPath(path string) []string {
	var parts []string
	for path != "" {
		switch {
		case path[0] == '.':
			path = path[1:]
		case path[0] == '[':
			end := strings.Index(path, "]")
			for end > 0 && strings.Count(path[:end], `"`)%2 == 1 {
				next := strings.Index(path[end+1:], "]")
				if next < 0 {
					end = -1
					break
				}
				end += next + 1
			}
			if end < 0 {
				return append(parts, path)
			}
			parts = append(parts, path[:end+1])
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			parts = append(parts, path[:end])
			path = path[end:]
		}
	}
	return parts
}

func lowerCamel(s string) string {
	words := strings.Split(s, "_")
	for i := 1; i < len(words); i++ {
		if words[i] != "" {
			words[i] = strings.ToUpper(words[i][:1]) + words[i][1:]
		}
	}
	return strings.Join(words, "")
}

// ownerLabel names an owner in a message: its id, then what the directory
// says it is, when the plan knows.
func ownerLabel(o *planner.OwnerAction) string {
	if d := o.Object.Describe(); d != "" {
		return o.OwnerID + " " + d
	}
	return o.OwnerID
}
