package emulator

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

var applicationSpec = collectionSpec{
	entitySet: "applications", typeName: "Application", t: applicationType,
	// Filterable properties per resources/application.md.
	filterable: map[string]bool{
		"appId": true, "displayName": true, "identifierUris": true, "tags": true, "id": true,
		"signInAudience": true, "description": true, "createdDateTime": true, "publisherDomain": true,
		"uniqueName": true, "notes": false,
	},
	orderable:  map[string]bool{"displayName": true, "createdDateTime": true},
	expandable: map[string]bool{"owners": true, "federatedIdentityCredentials": true},
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// byCreation returns the visible records of m, oldest first.
func (g *graphServer) byCreation(m map[string]*record) []*record {
	var out []*record
	for _, k := range sortedKeys(m) {
		if r := m[k]; g.visible(r) {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

func (g *graphServer) publicDoc(doc map[string]any) map[string]any { return doc }

// appShape returns the document a client sees for an application, with the
// navigation properties of $expand.
func (g *graphServer) appShape(r *record, expand []string) map[string]any {
	doc := hideKeys(copyDoc(r.Doc))
	for _, e := range expand {
		switch e {
		case "owners":
			doc["owners"] = expanded(g.ownerDocs(r.Owners))
		case "federatedIdentityCredentials":
			fics := make([]any, 0, len(r.FICs))
			for _, f := range r.FICs {
				fics = append(fics, copyDoc(f))
			}
			doc["federatedIdentityCredentials"] = fics
		default:
			panic("internal error: unexpected $expand " + e)
		}
	}
	return doc
}

func (g *graphServer) listApplications(r *http.Request, ctx *graphCtx) (int, any, *graphError) {
	q, err := parseQuery(r, applicationSpec, true)
	if err != nil {
		return 0, nil, err
	}
	recs := g.byCreation(g.st.Apps)
	docs := make([]map[string]any, len(recs))
	for i, rec := range recs {
		docs[i] = rec.Doc
	}
	shape := func(d map[string]any) map[string]any {
		return g.appShape(g.st.Apps[str(d, "id")], q.expand)
	}
	return http.StatusOK, page(ctx, r, q, applicationSpec, docs, shape), nil
}

// liveApp returns the visible application a key names, or 404.
func (g *graphServer) liveApp(k keyRef) (*record, *graphError) {
	r := g.appByKey(k)
	if r == nil || !g.visible(r) {
		return nil, notFound(k.value)
	}
	return r, nil
}

func (g *graphServer) getApplication(r *http.Request, ctx *graphCtx, k keyRef) (int, any, *graphError) {
	q, err := parseQuery(r, applicationSpec, false)
	if err != nil {
		return 0, nil, err
	}
	rec, err := g.liveApp(k)
	if err != nil {
		return 0, nil, err
	}
	doc := project(g.appShape(rec, q.expand), q.selects)
	showKeys(doc, rec.Doc, q.selects)
	ctxURL := ctx.base + "/$metadata#applications/$entity"
	if len(q.selects) > 0 {
		ctxURL = ctx.base + "/$metadata#applications(" + strings.Join(q.selects, ",") + ")/$entity"
	}
	doc["@odata.context"] = ctxURL
	return http.StatusOK, doc, nil
}

// newApplicationDoc is an application with the defaults of
// application-post-applications.md; signInAudience defaults to
// AzureADMyOrg, as resources/application.md now documents.
func newApplicationDoc(now time.Time) map[string]any {
	return map[string]any{
		"id": uuid.NewString(), "appId": uuid.NewString(), "deletedDateTime": nil,
		"applicationTemplateId": nil, "disabledByMicrosoftStatus": nil, "createdDateTime": formatTime(now),
		"displayName": nil, "description": nil, "groupMembershipClaims": nil, "identifierUris": []any{},
		"isDeviceOnlyAuthSupported": nil, "isFallbackPublicClient": nil, "nativeAuthenticationApisEnabled": nil,
		"notes": nil, "oauth2RequirePostResponse": false, "publisherDomain": "contoso.onmicrosoft.com",
		"serviceManagementReference": nil, "signInAudience": "AzureADMyOrg", "tags": []any{},
		"tokenEncryptionKeyId": nil, "uniqueName": nil, "samlMetadataUrl": nil, "defaultRedirectUri": nil,
		"certification": nil, "optionalClaims": nil, "servicePrincipalLockConfiguration": nil,
		"requestSignatureVerification": nil, "addIns": []any{},
		"api": map[string]any{
			"acceptMappedClaims": nil, "knownClientApplications": []any{}, "requestedAccessTokenVersion": nil,
			"oauth2PermissionScopes": []any{}, "preAuthorizedApplications": []any{},
		},
		"appRoles": []any{},
		"info": map[string]any{
			"logoUrl": nil, "marketingUrl": nil, "privacyStatementUrl": nil, "supportUrl": nil, "termsOfServiceUrl": nil,
		},
		"keyCredentials":          []any{},
		"parentalControlSettings": map[string]any{"countriesBlockedForMinors": []any{}, "legalAgeGroupRule": "Allow"},
		"passwordCredentials":     []any{},
		"publicClient":            map[string]any{"redirectUris": []any{}},
		"requiredResourceAccess":  []any{},
		"verifiedPublisher":       map[string]any{"displayName": nil, "verifiedPublisherId": nil, "addedDateTime": nil},
		"web": map[string]any{
			"homePageUrl": nil, "logoutUrl": nil, "redirectUris": []any{}, "redirectUriSettings": []any{},
			"implicitGrantSettings": map[string]any{"enableAccessTokenIssuance": false, "enableIdTokenIssuance": false},
		},
		"spa": map[string]any{"redirectUris": []any{}},
	}
}

func (g *graphServer) createApplication(ctx *graphCtx, body map[string]any) (int, any, *graphError) {
	clean, err := checkBody(body, applicationType)
	if err != nil {
		return 0, nil, err
	}
	if s, ok := clean["displayName"].(string); !ok || strings.TrimSpace(s) == "" {
		return 0, nil, badRequest("Property 'displayName' is required and cannot be empty.")
	}
	if pcs := list(clean, "passwordCredentials"); len(pcs) > 0 {
		return 0, nil, badRequest("Password credentials cannot be set on create by the regsync emulator; use addPassword.")
	}
	var keys []any
	if _, ok := clean["keyCredentials"]; ok {
		if keys, err = checkKeyCredentials(list(clean, "keyCredentials"), nil, true); err != nil {
			return 0, nil, err
		}
	}
	doc := newApplicationDoc(g.now())
	mergePatch(doc, clean, applicationType)
	if keys != nil {
		doc["keyCredentials"] = keys
	}
	if err := g.validateApplication(doc, nil); err != nil {
		return 0, nil, err
	}
	if u, _ := doc["uniqueName"].(string); u != "" && g.appByKey(keyRef{value: u, alt: "uniqueName"}) != nil {
		return 0, nil, badRequest("Another object with the same value for property uniqueName already exists.")
	}
	// An application created by a service principal gets that caller as an
	// owner (application-post-applications.md: app-only callers are added
	// as owners so Application.ReadWrite.OwnedBy can manage the app).
	g.st.addApp(&record{Doc: doc, Created: g.now(), Owners: []string{CallerSPID}})
	out := hideKeys(copyDoc(doc))
	out["@odata.context"] = ctx.base + "/$metadata#applications/$entity"
	return http.StatusCreated, out, nil
}

// upsertApplication serves PATCH /applications(uniqueName='…')
// (application-upsert.md): with "Prefer: create-if-missing" a missing
// application is created with that uniqueName (201 and the object),
// without it the request is an update and a missing one is 404; an
// existing one is updated (204). The alternate key is looked up in the
// tenant's own index, so an application created moments ago is found even
// while replication lag hides it from reads: the key is what makes the
// create exactly once. (The docs do not say how upsert meets replication;
// this is the emulator's assumption, written down in docs/graph-quirks.md.)
func (g *graphServer) upsertApplication(r *http.Request, ctx *graphCtx, k keyRef, body map[string]any) (int, any, *graphError) {
	if u, ok := body["uniqueName"].(string); ok && !strings.EqualFold(u, k.value) {
		return 0, nil, badRequest("The uniqueName in the request body must match the one in the URL.")
	}
	if rec := g.appByKey(k); rec != nil {
		return g.patchRecord(rec, body)
	}
	if !strings.Contains(strings.ToLower(r.Header.Get("Prefer")), "create-if-missing") {
		return 0, nil, notFound(k.value)
	}
	withKey := copyDoc(body)
	withKey["uniqueName"] = k.value
	return g.createApplication(ctx, withKey)
}

func (g *graphServer) patchApplication(ctx *graphCtx, k keyRef, body map[string]any) (int, any, *graphError) {
	rec, err := g.liveApp(k)
	if err != nil {
		return 0, nil, err
	}
	return g.patchRecord(rec, body)
}

// patchRecord applies a PATCH body to a stored application.
func (g *graphServer) patchRecord(rec *record, body map[string]any) (int, any, *graphError) {
	clean, err := checkBody(body, applicationType)
	if err != nil {
		return 0, nil, err
	}
	if u, ok := clean["uniqueName"]; ok {
		have, _ := rec.Doc["uniqueName"].(string)
		if want, _ := u.(string); !strings.EqualFold(want, have) {
			return 0, nil, badRequest("Property 'uniqueName' can be set only when the application is created.")
		}
	}
	if _, ok := clean["passwordCredentials"]; ok {
		return 0, nil, badRequest("Updating passwordCredentials with PATCH is not supported; use addPassword and removePassword.")
	}
	var keys []any
	if _, ok := clean["keyCredentials"]; ok {
		if keys, err = checkKeyCredentials(list(clean, "keyCredentials"), list(rec.Doc, "keyCredentials"), false); err != nil {
			return 0, nil, err
		}
	}
	next := copyDoc(rec.Doc)
	if g.faults.get().PatchReplacesComplex {
		// Each complex value in the body replaces the stored one whole:
		// what the body leaves out goes back to its default.
		fresh := newApplicationDoc(g.now())
		for k, v := range clean {
			if _, complex := v.(map[string]any); complex {
				if def, ok := fresh[k].(map[string]any); ok {
					next[k] = def
				}
			}
		}
	}
	mergePatch(next, clean, applicationType)
	if keys != nil {
		next["keyCredentials"] = keys
	}
	if err := g.validateApplication(next, rec.Doc); err != nil {
		return 0, nil, err
	}
	rec.Doc = next
	g.syncServicePrincipal(rec)
	return http.StatusNoContent, nil, nil
}

// deleteApplication moves the application to deleted items, and with it the
// service principal of the app (applications-api-overview: deleting an app
// also deletes its service principal in the home tenant).
func (g *graphServer) deleteApplication(ctx *graphCtx, k keyRef) (int, any, *graphError) {
	rec, err := g.liveApp(k)
	if err != nil {
		return 0, nil, err
	}
	id := str(rec.Doc, "id")
	doc := copyDoc(rec.Doc)
	doc["deletedDateTime"] = formatTime(g.now())
	g.st.Deleted[id] = &deletedRecord{Type: "application", Doc: doc}
	delete(g.st.Apps, id)
	if sp := g.spByAppID(str(rec.Doc, "appId")); sp != nil {
		g.removeServicePrincipal(sp)
	}
	return http.StatusNoContent, nil, nil
}

// Passwords. addPassword returns the secret once; the stored credential
// never holds it (application-addpassword.md, passwordcredential.md).

const secretAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_~.-"

// newSecretText returns a 40-character secret shaped like the ones Entra
// issues: three characters, a digit, "Q~", then 34 characters.
func newSecretText() string {
	pick := func(alphabet string) byte {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic("internal error: crypto/rand failed: " + err.Error())
		}
		return alphabet[n.Int64()]
	}
	b := make([]byte, 0, 40)
	for range 3 {
		b = append(b, pick(secretAlphabet[:len(secretAlphabet)-1])) // no '-' in the prefix
	}
	b = append(b, pick("0123456789"), 'Q', '~')
	for range 34 {
		b = append(b, pick(secretAlphabet))
	}
	return string(b)
}

func (g *graphServer) addPassword(ctx *graphCtx, k keyRef, body map[string]any) (int, any, *graphError) {
	rec, err := g.liveApp(k)
	if err != nil {
		return 0, nil, err
	}
	return g.addPasswordTo(ctx, rec, body)
}

// addPasswordTo adds a password credential to an application or a service
// principal (serviceprincipal-addpassword.md: the same request and answer).
func (g *graphServer) addPasswordTo(ctx *graphCtx, rec *record, body map[string]any) (int, any, *graphError) {
	clean, err := checkBody(body, addPasswordType)
	if err != nil {
		return 0, nil, err
	}
	pc := sub(clean, "passwordCredential")
	if pc == nil {
		pc = map[string]any{}
	}
	start := g.now().UTC()
	if s := str(pc, "startDateTime"); s != "" {
		start, _ = time.Parse(time.RFC3339Nano, s)
	}
	end := start.AddDate(2, 0, 0)
	if s := str(pc, "endDateTime"); s != "" {
		end, _ = time.Parse(time.RFC3339Nano, s)
	}
	if !end.After(start) {
		return 0, nil, badRequest("Key credential end date cannot be before or equal to its start date.")
	}
	secret := newSecretText()
	cred := map[string]any{
		"customKeyIdentifier": pc["customKeyIdentifier"], "displayName": pc["displayName"],
		"endDateTime": end.UTC().Format(time.RFC3339Nano), "hint": secret[:3], "keyId": uuid.NewString(),
		"secretText": nil, "startDateTime": start.UTC().Format(time.RFC3339Nano),
	}
	rec.Doc["passwordCredentials"] = append(list(rec.Doc, "passwordCredentials"), cred)
	out := copyDoc(cred)
	out["secretText"] = secret
	g.issued = append(g.issued, secret)
	out["@odata.context"] = ctx.base + "/$metadata#microsoft.graph.passwordCredential"
	return http.StatusOK, out, nil
}

func (g *graphServer) removePassword(ctx *graphCtx, k keyRef, body map[string]any) (int, any, *graphError) {
	rec, err := g.liveApp(k)
	if err != nil {
		return 0, nil, err
	}
	return g.removePasswordFrom(rec, body)
}

// removePasswordFrom removes a password credential of an application or a
// service principal (serviceprincipal-removepassword.md).
func (g *graphServer) removePasswordFrom(rec *record, body map[string]any) (int, any, *graphError) {
	clean, err := checkBody(body, removePassType)
	if err != nil {
		return 0, nil, err
	}
	keyID := str(clean, "keyId")
	if keyID == "" {
		return 0, nil, badRequest("Property 'keyId' is required.")
	}
	var kept []any
	found := false
	for _, c := range list(rec.Doc, "passwordCredentials") {
		if strings.EqualFold(str(c.(map[string]any), "keyId"), keyID) {
			found = true
			continue
		}
		kept = append(kept, c)
	}
	if !found {
		return 0, nil, badRequest(fmt.Sprintf("No password credential found with keyId '%s'.", keyID))
	}
	if kept == nil {
		kept = []any{}
	}
	rec.Doc["passwordCredentials"] = kept
	return http.StatusNoContent, nil, nil
}

// Owners (application-list-owners.md, application-post-owners.md,
// application-delete-owners.md).

const maxOwners = 100

// expanded is what $expand shows of a relationship: its first maxExpanded
// items.
func expanded(items []any) []any { return items[:min(len(items), maxExpanded)] }

func (g *graphServer) ownerDocs(ids []string) []any {
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		d, typ := g.directoryObject(id)
		if d == nil {
			continue
		}
		doc := copyDoc(d)
		doc["@odata.type"] = typ
		out = append(out, doc)
	}
	return out
}

func (g *graphServer) ownersOf(k keyRef, isApp bool) (*record, *graphError) {
	if isApp {
		return g.liveApp(k)
	}
	r := g.spByKey(k)
	if r == nil || !g.visible(r) {
		return nil, notFound(k.value)
	}
	return r, nil
}

var ownerSpec = collectionSpec{entitySet: "directoryObjects", typeName: "DirectoryObject", t: obj("directoryObject", map[string]*ptype{
	"id": tString, "displayName": tString, "appId": tString, "userPrincipalName": tString,
}), filterable: map[string]bool{}}

func (g *graphServer) listOwners(r *http.Request, ctx *graphCtx, k keyRef, isApp bool) (int, any, *graphError) {
	rec, err := g.ownersOf(k, isApp)
	if err != nil {
		return 0, nil, err
	}
	q, err := parseQuery(r, ownerSpec, true)
	if err != nil {
		return 0, nil, err
	}
	var docs []map[string]any
	for _, d := range g.ownerDocs(rec.Owners) {
		docs = append(docs, d.(map[string]any))
	}
	return http.StatusOK, page(ctx, r, q, ownerSpec, docs, copyDoc), nil
}

func (g *graphServer) addOwner(ctx *graphCtx, k keyRef, body map[string]any) (int, any, *graphError) {
	rec, err := g.liveApp(k)
	if err != nil {
		return 0, nil, err
	}
	ref, ok := body["@odata.id"].(string)
	for key := range body {
		if key != "@odata.id" && key != "@odata.type" {
			return 0, nil, badRequest(fmt.Sprintf("Property '%s' does not exist on type 'microsoft.graph.referenceCreate'.", key))
		}
	}
	if !ok || ref == "" {
		return 0, nil, badRequest("The request body must contain '@odata.id' with the URL of the directory object to add.")
	}
	id := strings.ToLower(refID(ref))
	d, typ := g.directoryObject(id)
	if d == nil || typ == "#microsoft.graph.application" {
		return 0, nil, notFound(id)
	}
	for _, o := range rec.Owners {
		if o == id {
			return 0, nil, badRequest("One or more added object references already exist for the following modified properties: 'owners'.")
		}
	}
	if len(rec.Owners) >= maxOwners {
		return 0, nil, badRequest("The maximum number of owners (100) has been reached for this object.")
	}
	rec.Owners = append(rec.Owners, id)
	return http.StatusNoContent, nil, nil
}

func (g *graphServer) removeOwner(ctx *graphCtx, k keyRef, ownerID string) (int, any, *graphError) {
	rec, err := g.liveApp(k)
	if err != nil {
		return 0, nil, err
	}
	ownerID = strings.ToLower(ownerID)
	for i, o := range rec.Owners {
		if o == ownerID {
			rec.Owners = append(rec.Owners[:i:i], rec.Owners[i+1:]...)
			return http.StatusNoContent, nil, nil
		}
	}
	return 0, nil, notFound(ownerID)
}

// Federated identity credentials (federatedidentitycredential.md).

const maxFICs = 20

var ficSpec = collectionSpec{entitySet: "applications('{id}')/federatedIdentityCredentials", typeName: "FederatedIdentityCredential", t: ficType,
	filterable: map[string]bool{"name": true, "subject": true, "issuer": true}}

func (g *graphServer) listFICs(r *http.Request, ctx *graphCtx, k keyRef) (int, any, *graphError) {
	rec, err := g.liveApp(k)
	if err != nil {
		return 0, nil, err
	}
	q, err := parseQuery(r, ficSpec, true)
	if err != nil {
		return 0, nil, err
	}
	spec := ficSpec
	spec.entitySet = "applications('" + str(rec.Doc, "id") + "')/federatedIdentityCredentials"
	return http.StatusOK, page(ctx, r, q, spec, rec.FICs, copyDoc), nil
}

func findFIC(rec *record, k keyRef) (int, map[string]any) {
	for i, f := range rec.FICs {
		if (k.alt == "name" && str(f, "name") == k.value) || (k.alt == "" && strings.EqualFold(str(f, "id"), k.value)) {
			return i, f
		}
	}
	return -1, nil
}

func (g *graphServer) validateFIC(rec *record, f map[string]any, skip int) *graphError {
	name := str(f, "name")
	switch {
	case name == "":
		return badRequest("Property 'name' is required.")
	case len(name) > 120:
		return badRequest("Property 'name' must be at most 120 characters long.")
	case strings.ContainsAny(name, "/\\?#%&:*<>\" "):
		return badRequest("Property 'name' must be URL friendly: it may not contain spaces or the characters / \\ ? # % & : * < > \".")
	case str(f, "issuer") == "" || len(str(f, "issuer")) > 600:
		return badRequest("Property 'issuer' is required and must be at most 600 characters long.")
	case str(f, "subject") == "" || len(str(f, "subject")) > 600:
		return badRequest("Property 'subject' is required and must be at most 600 characters long.")
	case utf8.RuneCountInString(str(f, "description")) > 600:
		return badRequest("Property 'description' must be at most 600 characters long.")
	}
	aud := stringList(f, "audiences")
	if len(aud) != 1 || len(aud[0]) > 600 || aud[0] == "" {
		return badRequest("Property 'audiences' must hold exactly one value of at most 600 characters.")
	}
	for i, o := range rec.FICs {
		if i == skip {
			continue
		}
		if strings.EqualFold(str(o, "name"), name) {
			return gerr(http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", fmt.Sprintf("FederatedIdentityCredential with name %s already exists.", name))
		}
		if str(o, "issuer") == str(f, "issuer") && str(o, "subject") == str(f, "subject") {
			return badRequest("A federated identity credential with the same issuer and subject already exists on this application.")
		}
	}
	return nil
}

func (g *graphServer) createFIC(ctx *graphCtx, k keyRef, body map[string]any) (int, any, *graphError) {
	rec, err := g.liveApp(k)
	if err != nil {
		return 0, nil, err
	}
	clean, err := checkBody(body, ficType)
	if err != nil {
		return 0, nil, err
	}
	if len(rec.FICs) >= maxFICs {
		return 0, nil, badRequest("An application can have at most 20 federated identity credentials.")
	}
	f := map[string]any{"id": uuid.NewString(), "audiences": []any{}, "description": nil, "issuer": nil, "name": nil, "subject": nil}
	mergePatch(f, clean, ficType)
	if err := g.validateFIC(rec, f, -1); err != nil {
		return 0, nil, err
	}
	rec.FICs = append(rec.FICs, f)
	out := copyDoc(f)
	out["@odata.context"] = ctx.base + "/$metadata#applications('" + str(rec.Doc, "id") + "')/federatedIdentityCredentials/$entity"
	return http.StatusCreated, out, nil
}

func (g *graphServer) getFIC(ctx *graphCtx, k, fk keyRef) (int, any, *graphError) {
	rec, err := g.liveApp(k)
	if err != nil {
		return 0, nil, err
	}
	_, f := findFIC(rec, fk)
	if f == nil {
		return 0, nil, notFound(fk.value)
	}
	out := copyDoc(f)
	out["@odata.context"] = ctx.base + "/$metadata#applications('" + str(rec.Doc, "id") + "')/federatedIdentityCredentials/$entity"
	return http.StatusOK, out, nil
}

func (g *graphServer) patchFIC(ctx *graphCtx, k, fk keyRef, body map[string]any) (int, any, *graphError) {
	rec, err := g.liveApp(k)
	if err != nil {
		return 0, nil, err
	}
	i, f := findFIC(rec, fk)
	if f == nil {
		return 0, nil, notFound(fk.value)
	}
	clean, err := checkBody(body, ficType)
	if err != nil {
		return 0, nil, err
	}
	if n, ok := clean["name"]; ok && n != f["name"] {
		return 0, nil, badRequest("Property 'name' is immutable once the federated identity credential is created.")
	}
	next := copyDoc(f)
	mergePatch(next, clean, ficType)
	if err := g.validateFIC(rec, next, i); err != nil {
		return 0, nil, err
	}
	rec.FICs[i] = next
	return http.StatusNoContent, nil, nil
}

func (g *graphServer) deleteFIC(ctx *graphCtx, k, fk keyRef) (int, any, *graphError) {
	rec, err := g.liveApp(k)
	if err != nil {
		return 0, nil, err
	}
	i, f := findFIC(rec, fk)
	if f == nil {
		return 0, nil, notFound(fk.value)
	}
	rec.FICs = append(rec.FICs[:i:i], rec.FICs[i+1:]...)
	return http.StatusNoContent, nil, nil
}

// listDeleted lists /directory/deletedItems/microsoft.graph.{typ}.
func (g *graphServer) listDeleted(r *http.Request, ctx *graphCtx, typ string) (int, any, *graphError) {
	spec := applicationSpec
	if typ == "servicePrincipal" {
		spec = servicePrincipalSpec
	}
	spec.entitySet = "directoryObjects"
	spec.expandable = nil
	q, err := parseQuery(r, spec, true)
	if err != nil {
		return 0, nil, err
	}
	var docs []map[string]any
	for _, id := range sortedKeys(g.st.Deleted) {
		if d := g.st.Deleted[id]; d.Type == typ {
			docs = append(docs, d.Doc)
		}
	}
	return http.StatusOK, page(ctx, r, q, spec, docs, copyDoc), nil
}
