package tenant

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// ReadQuery says what Read fetches: the managed set, and what the spec
// names outside it.
type ReadQuery struct {
	// Set is the managed set: every application and service principal
	// tagged SetTag(Set).
	Set string
	// AdoptedAppIDs are existing applications the spec adopts by appId.
	AdoptedAppIDs []string
	// APIAppIDs are the external resource APIs the spec names under apis:
	// (Microsoft Graph, Azure Healthcare APIs, ...), by appId.
	APIAppIDs []string
	// Users and Groups are the users (userPrincipalName or object id) and
	// groups (display name or object id) the spec names
	// (spec.Spec.PrincipalRefs): read with a few filtered list requests.
	Users  []string
	Groups []string
	// Owners are the owner object ids the spec declares. Read names them,
	// the owners the set's applications have and the holders of the role
	// assignments at Scopes with ObjectResolver (a request per
	// ObjectsByIDChunk ids, beside the consents).
	Owners []string
	// Vaults are the Key Vaults the spec writes secrets to.
	Vaults []string
	// DeletedSecrets asks for each vault's soft-deleted secrets too (one
	// more request per vault): drift reports a managed secret deleted by
	// hand, which blocks apply until it is recovered or purged.
	DeletedSecrets bool
	// Scopes are the Azure resource ids the spec names under
	// azureResources: Read lists the role definitions assignable at each
	// and the role assignments made at each (one paged list of each per
	// scope) through Access.
	Scopes []string
	// Access is Azure Resource Manager; it may be nil when Scopes is empty.
	Access Access
	// CertificateVaults are the Key Vaults the spec makes certificates in.
	// Read lists their certificates (and, with DeletedSecrets, their
	// deleted ones) when the store is also a CertificateStore.
	CertificateVaults []string
	// Parallelism bounds the directory's reads in flight, and apart from
	// them the vaults'; zero means DefaultReadParallelism.
	Parallelism int
	// Retry is how each read is retried; its zero fields take
	// DefaultRetryPolicy's values. Read never tolerates lag: a NotFound
	// (a vault that does not exist) is final.
	Retry RetryPolicy
}

// Read fetches everything the planner needs, at the paging floor, with
// independent reads in parallel:
//
//   - the organization; the set's applications (one paged query); the
//     set's service principals with the app-role assignments each holds
//     (ScanServicePrincipals, one paged query); adopted applications and
//     the service principals of adopted apps and external APIs (by appId,
//     chunked); the users and groups the spec names (a few filtered
//     lists);
//   - the consents that belong to the set, started as soon as the
//     principals they belong to are known (each page of the scan, the
//     adopted apps' principals): the delegated grants of the set's
//     principals (GrantsOf, GrantChunk principals a call), the
//     assignments and grants of adopted principals (ConsentsOf,
//     ConsentChunk a call), and every assignment on the set's own
//     resource service principals. An external API's other consents
//     (every user's consent to Microsoft Graph) are never read: the read
//     and the saved plan's fingerprint grow with the set, not with the
//     tenant;
//   - beside all of it, in a group of its own, the secret and certificate
//     metadata of each vault, whose pages follow one another; then the
//     versions of the secrets and certificates that need them.
//
// Every read is a GET, so each call is retried as a whole under q.Retry
// when it fails Throttled or Transient: a 500 or 502, which the Graph SDK
// does not resend, or a 429, 503 or 504 that outlasted the SDK's own
// retries. A paged list that fails on a later page is read again from its
// first page. (Why the retry is here and not in the Graph client: see
// RetryPolicy.)
//
// Results are deduplicated by id and sorted, so two reads of the same
// tenant compare equal. GraphRequests and VaultRequests count the requests
// this read added to dir and store, retries included. store may be nil when
// q names no vault. The first failure that retrying did not cure cancels
// the other reads and is returned.
func Read(ctx context.Context, dir Directory, store SecretStore, q ReadQuery) (*Snapshot, error) {
	if q.Set == "" {
		return nil, fmt.Errorf("reading the tenant: empty set name")
	}
	if len(q.Vaults) > 0 && store == nil {
		return nil, fmt.Errorf("reading the tenant: vaults named but no secret store")
	}
	if len(q.Scopes) > 0 && q.Access == nil {
		return nil, fmt.Errorf("reading the tenant: Azure resources named but no connection to Azure Resource Manager")
	}
	armBefore := 0
	if q.Access != nil {
		armBefore = q.Access.Requests()
	}
	graphBefore := dir.Requests()
	vaultBefore := 0
	if store != nil {
		vaultBefore = store.Requests()
	}
	par := q.Parallelism
	if par <= 0 {
		par = DefaultReadParallelism
	}
	retry := q.Retry.WithDefaults()
	// get runs one idempotent read under the retry policy.
	get := func(ctx context.Context, read func(ctx context.Context) error) error {
		return retry.Do(ctx, false, read)
	}

	snap := &Snapshot{}
	var (
		setApps, adoptedApps []*Application
		setSPs, knownSPs     []*ServicePrincipal
		held                 []AppRoleAssignment // by the set's principals, from the scan
		mu                   sync.Mutex
		// started holds the principals whose consents are being read,
		// so that a principal met twice (in the set and adopted, or again
		// in a retried scan) is read once.
		started = map[string]bool{}
	)
	g := newGroup(ctx, par)
	// grantsOf reads the delegated grants of a chunk of the set's
	// principals; consentsOf both their grants and the assignments they
	// hold (adopted principals, which the set's scan does not bring);
	// assignedTo every assignment on one of the set's own resources.
	grantsOf := func(ids []string) {
		g.Go(func(ctx context.Context) error {
			var gs []PermissionGrant
			err := get(ctx, func(ctx context.Context) (err error) {
				gs, err = dir.GrantsOf(ctx, ids)
				return err
			})
			if err != nil {
				return err
			}
			mu.Lock()
			snap.PermissionGrants = append(snap.PermissionGrants, gs...)
			mu.Unlock()
			return nil
		})
	}
	consentsOf := func(ids []string) {
		g.Go(func(ctx context.Context) error {
			var (
				as []AppRoleAssignment
				gs []PermissionGrant
			)
			err := get(ctx, func(ctx context.Context) (err error) {
				as, gs, err = dir.ConsentsOf(ctx, ids)
				return err
			})
			if err != nil {
				return err
			}
			mu.Lock()
			snap.AppRoleAssignments = append(snap.AppRoleAssignments, as...)
			snap.PermissionGrants = append(snap.PermissionGrants, gs...)
			mu.Unlock()
			return nil
		})
	}
	assignedTo := func(id string) {
		g.Go(func(ctx context.Context) error {
			var as []AppRoleAssignment
			err := get(ctx, func(ctx context.Context) (err error) {
				as, err = dir.AppRoleAssignedTo(ctx, id)
				return err
			})
			if err != nil {
				return err
			}
			mu.Lock()
			snap.AppRoleAssignments = append(snap.AppRoleAssignments, as...)
			mu.Unlock()
			return nil
		})
	}
	// startConsents starts the consent reads of the principals not started
	// yet: with read (grantsOf or consentsOf), chunk at a time, and every
	// assignment on those that are resources.
	startConsents := func(sps []*ServicePrincipal, chunk int, read func([]string)) {
		var fresh []string
		var resources []string
		mu.Lock()
		for _, sp := range sps {
			if started[sp.ID] {
				continue
			}
			started[sp.ID] = true
			fresh = append(fresh, sp.ID)
			if len(sp.AppRoles) > 0 || len(sp.Scopes) > 0 {
				resources = append(resources, sp.ID)
			}
		}
		mu.Unlock()
		for start := 0; start < len(fresh); start += chunk {
			read(fresh[start:min(start+chunk, len(fresh))])
		}
		for _, id := range resources {
			assignedTo(id)
		}
	}
	g.Go(func(ctx context.Context) error {
		return get(ctx, func(ctx context.Context) (err error) {
			snap.Organization, err = dir.Organization(ctx)
			return err
		})
	})
	g.Go(func(ctx context.Context) error {
		return get(ctx, func(ctx context.Context) (err error) {
			setApps, err = dir.ListApplications(ctx, q.Set)
			return err
		})
	})
	// The set's service principals come with the assignments they hold,
	// a page at a time; each page's grant reads start as it arrives,
	// beside the next page.
	g.Go(func(ctx context.Context) error {
		return get(ctx, func(ctx context.Context) error {
			setSPs, held = nil, nil
			return dir.ScanServicePrincipals(ctx, q.Set, func(sps []*ServicePrincipal, as []AppRoleAssignment) error {
				setSPs = append(setSPs, sps...)
				held = append(held, as...)
				startConsents(sps, GrantChunk, grantsOf)
				return nil
			})
		})
	})
	if ids := Uniq(q.AdoptedAppIDs); len(ids) > 0 {
		g.Go(func(ctx context.Context) error {
			return get(ctx, func(ctx context.Context) (err error) {
				adoptedApps, err = dir.ApplicationsByAppID(ctx, ids)
				return err
			})
		})
	}
	adopted := map[string]bool{}
	for _, id := range q.AdoptedAppIDs {
		adopted[strings.ToLower(id)] = true
	}
	if ids := Uniq(append(append([]string(nil), q.AdoptedAppIDs...), q.APIAppIDs...)); len(ids) > 0 {
		g.Go(func(ctx context.Context) error {
			err := get(ctx, func(ctx context.Context) (err error) {
				knownSPs, err = dir.ServicePrincipalsByAppID(ctx, ids)
				return err
			})
			if err != nil {
				return err
			}
			// Adopted apps' principals are the set's too; an external
			// API's are not, and their consents are never read.
			var own []*ServicePrincipal
			for _, sp := range knownSPs {
				if adopted[strings.ToLower(sp.AppID)] {
					own = append(own, sp)
				}
			}
			startConsents(own, ConsentChunk, consentsOf)
			return nil
		})
	}
	if ids := Uniq(q.Users); len(ids) > 0 {
		g.Go(func(ctx context.Context) error {
			return get(ctx, func(ctx context.Context) (err error) {
				snap.Users, err = dir.FindUsers(ctx, ids)
				return err
			})
		})
	}
	if ids := Uniq(q.Groups); len(ids) > 0 {
		g.Go(func(ctx context.Context) error {
			return get(ctx, func(ctx context.Context) (err error) {
				snap.Groups, err = dir.FindGroups(ctx, ids)
				return err
			})
		})
	}
	// The vaults are read beside the directory, in their own group: a
	// vault's pages follow one another, and nothing in the directory
	// waits for them.
	vg := newGroup(ctx, par)
	for _, v := range Uniq(q.Vaults) {
		vg.Go(func(ctx context.Context) error {
			var secrets []SecretMeta
			err := get(ctx, func(ctx context.Context) (err error) {
				secrets, err = store.ListSecrets(ctx, v)
				return err
			})
			if err != nil {
				return err
			}
			mu.Lock()
			snap.Secrets = append(snap.Secrets, secrets...)
			mu.Unlock()
			return nil
		})
	}
	readScopes(g, q, snap, &mu, get)
	if q.DeletedSecrets {
		for _, v := range Uniq(q.Vaults) {
			vg.Go(func(ctx context.Context) error {
				var deleted []DeletedSecret
				err := get(ctx, func(ctx context.Context) (err error) {
					deleted, err = store.DeletedSecrets(ctx, v)
					return err
				})
				if err != nil {
					return err
				}
				mu.Lock()
				snap.DeletedSecrets = append(snap.DeletedSecrets, deleted...)
				mu.Unlock()
				return nil
			})
		}
	}
	certs, _ := store.(CertificateStore)
	if certs != nil {
		readCertificates(vg, certs, q, snap, &mu, get)
	}
	if err := g.Wait(); err != nil {
		vg.cancel()
		vg.Wait()
		return nil, fmt.Errorf("reading set %q: %w", q.Set, err)
	}
	snap.Applications = dedupeApps(append(setApps, adoptedApps...))
	// The names of the owners and role-assignment holders a plan shows
	// are read once the applications and assignments are in, beside the
	// vaults' pages.
	og := newGroup(ctx, par)
	readDirectoryObjects(og, dir, q, snap, &mu, get)
	if err := og.Wait(); err != nil {
		vg.cancel()
		vg.Wait()
		return nil, fmt.Errorf("reading set %q: %w", q.Set, err)
	}
	if err := vg.Wait(); err != nil {
		return nil, fmt.Errorf("reading set %q: %w", q.Set, err)
	}

	sort.Slice(snap.Users, func(i, j int) bool { return snap.Users[i].ID < snap.Users[j].ID })
	snap.Users = dedupeBy(snap.Users, func(u User) string { return u.ID })
	sort.Slice(snap.Groups, func(i, j int) bool { return snap.Groups[i].ID < snap.Groups[j].ID })
	snap.Groups = dedupeBy(snap.Groups, func(g Group) string { return g.ID })
	snap.ServicePrincipals = dedupeSPs(append(setSPs, knownSPs...))
	snap.AppRoleAssignments = append(snap.AppRoleAssignments, held...)

	sort.Slice(snap.AppRoleAssignments, func(i, j int) bool { return snap.AppRoleAssignments[i].ID < snap.AppRoleAssignments[j].ID })
	snap.AppRoleAssignments = dedupeBy(snap.AppRoleAssignments, func(a AppRoleAssignment) string { return a.ID })
	sort.Slice(snap.PermissionGrants, func(i, j int) bool { return snap.PermissionGrants[i].ID < snap.PermissionGrants[j].ID })
	snap.PermissionGrants = dedupeBy(snap.PermissionGrants, func(g PermissionGrant) string { return g.ID })
	if err := readVersions(ctx, par, store, snap, get); err != nil {
		return nil, fmt.Errorf("reading secret versions of set %q: %w", q.Set, err)
	}
	if certs != nil {
		if err := readCertificateVersions(ctx, par, certs, snap, get); err != nil {
			return nil, fmt.Errorf("reading certificate versions of set %q: %w", q.Set, err)
		}
		snap.CertificateVaultsRead = Uniq(q.CertificateVaults)
		sort.Strings(snap.CertificateVaultsRead)
	}
	sort.Slice(snap.Secrets, func(i, j int) bool {
		a, b := snap.Secrets[i], snap.Secrets[j]
		if a.Vault != b.Vault {
			return a.Vault < b.Vault
		}
		return strings.ToLower(a.Name) < strings.ToLower(b.Name)
	})

	snap.VaultsRead = Uniq(q.Vaults)
	sort.Strings(snap.VaultsRead)

	sortAccess(snap)
	sortDirectoryObjects(snap)
	snap.GraphRequests = dir.Requests() - graphBefore
	if store != nil {
		snap.VaultRequests = store.Requests() - vaultBefore
	}
	if q.Access != nil {
		snap.ARMRequests = q.Access.Requests() - armBefore
	}
	return snap, nil
}

// DefaultReadParallelism is how many directory reads Read keeps in flight
// (and, apart, vault reads). Three are the paged list chains of the set
// (applications twice, service principals), each a page of 100 at a time;
// the rest keep up with the grant reads each page of service principals
// starts (five $batch requests per page), so that the grants end with the
// last page instead of trailing it. Graph limits an application's reads
// by resource units over time, which a read spends the same however many
// are in flight (https://learn.microsoft.com/graph/throttling-limits),
// not by how many run at once.
const DefaultReadParallelism = 8

// ConsentChunk is how many principals Read passes to one
// Directory.ConsentsOf call: ten principals' assignments and grants are
// twenty GETs, the most one Graph $batch holds. GrantChunk is the same
// for Directory.GrantsOf: twenty principals' grants.
const (
	ConsentChunk = 10
	GrantChunk   = 20
)

// Uniq returns the non-empty strings of in, each once, in their first
// order.
func Uniq(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func dedupeApps(in []*Application) []*Application {
	sort.SliceStable(in, func(i, j int) bool { return in[i].ID < in[j].ID })
	return dedupeBy(in, func(a *Application) string { return a.ID })
}

func dedupeSPs(in []*ServicePrincipal) []*ServicePrincipal {
	sort.SliceStable(in, func(i, j int) bool { return in[i].ID < in[j].ID })
	return dedupeBy(in, func(s *ServicePrincipal) string { return s.ID })
}

// dedupeBy drops consecutive elements with the same key from a sorted slice.
func dedupeBy[T any](in []T, key func(T) string) []T {
	var out []T
	for i, v := range in {
		if i > 0 && key(v) == key(in[i-1]) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// group runs functions with bounded parallelism; the first error cancels
// the shared context and is the one Wait returns.
type group struct {
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func newGroup(ctx context.Context, n int) *group {
	ctx, cancel := context.WithCancel(ctx)
	return &group{ctx: ctx, cancel: cancel, sem: make(chan struct{}, n)}
}

func (g *group) Go(fn func(ctx context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		select {
		case g.sem <- struct{}{}:
		case <-g.ctx.Done():
			g.fail(g.ctx.Err())
			return
		}
		defer func() { <-g.sem }()
		if err := fn(g.ctx); err != nil {
			g.fail(err)
		}
	}()
}

func (g *group) fail(err error) {
	g.once.Do(func() {
		g.err = err
		g.cancel()
	})
}

func (g *group) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}

// readVersions lists the versions of each secret whose latest version
// carries the client-id of an application with a password credential that
// the latest version's key-id does not name. Those credentials may be
// stored in an older version (the previous generation during a renewal's
// overlap) or nowhere; only the versions' key-id tags tell.
func readVersions(ctx context.Context, par int, store SecretStore, snap *Snapshot, get func(context.Context, func(context.Context) error) error) error {
	if store == nil || len(snap.Secrets) == 0 {
		return nil
	}
	creds := map[string][]PasswordCredential{}
	for _, a := range snap.Applications {
		if a != nil {
			creds[strings.ToLower(a.AppID)] = a.PasswordCredentials
		}
	}
	var need []SecretMeta
	for _, s := range snap.Secrets {
		cs := creds[strings.ToLower(s.Tags[SecretTagClientID])]
		latest := strings.ToLower(s.Tags[SecretTagKeyID])
		for _, c := range cs {
			if strings.ToLower(c.KeyID) != latest {
				need = append(need, s)
				break
			}
		}
	}
	if len(need) == 0 {
		return nil
	}
	var mu sync.Mutex
	g := newGroup(ctx, par)
	for _, s := range need {
		g.Go(func(ctx context.Context) error {
			var vs []SecretMeta
			err := get(ctx, func(ctx context.Context) (err error) {
				vs, err = store.SecretVersions(ctx, s.Vault, s.Name)
				return err
			})
			if err != nil {
				return err
			}
			mu.Lock()
			snap.SecretVersions = append(snap.SecretVersions, vs...)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	sort.Slice(snap.SecretVersions, func(i, j int) bool {
		a, b := snap.SecretVersions[i], snap.SecretVersions[j]
		if a.Vault != b.Vault {
			return a.Vault < b.Vault
		}
		if !strings.EqualFold(a.Name, b.Name) {
			return strings.ToLower(a.Name) < strings.ToLower(b.Name)
		}
		return a.Version < b.Version
	})
	return nil
}
