package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
)

// kind is the JSON type a property must have.
type kind int

const (
	kString kind = iota
	kBool
	kInt
	kGUID
	kDate   // RFC 3339 date-time string
	kBinary // base64 string
	kObject // an object with known properties
	kArray
	kAny // accepted as sent, not checked
)

// ptype describes a property: its kind, an object's properties or an
// array's element, and whether clients may write it.
type ptype struct {
	kind     kind
	edm      string // the Edm type named in errors
	name     string // the Graph type name of an object, for errors
	fields   map[string]*ptype
	elem     *ptype
	readOnly bool
}

var (
	tString = &ptype{kind: kString, edm: "Edm.String"}
	tBool   = &ptype{kind: kBool, edm: "Edm.Boolean"}
	tInt    = &ptype{kind: kInt, edm: "Edm.Int32"}
	tGUID   = &ptype{kind: kGUID, edm: "Edm.Guid"}
	tDate   = &ptype{kind: kDate, edm: "Edm.DateTimeOffset"}
	tBinary = &ptype{kind: kBinary, edm: "Edm.Binary"}
	tAny    = &ptype{kind: kAny, edm: "complex type"}
)

func ro(t *ptype) *ptype { c := *t; c.readOnly = true; return &c }
func arr(t *ptype) *ptype {
	return &ptype{kind: kArray, elem: t, edm: "Collection(" + t.edm + ")"}
}
func obj(name string, fields map[string]*ptype) *ptype {
	return &ptype{kind: kObject, name: name, fields: fields, edm: "microsoft.graph." + name}
}

// The Graph v1.0 types the emulator accepts in request bodies, after the
// v1.0 reference pages (resources/application.md, serviceprincipal.md,
// approleassignment.md, oauth2permissiongrant.md,
// federatedidentitycredential.md, passwordcredential.md).
var (
	tPermissionScope = obj("permissionScope", map[string]*ptype{
		"adminConsentDescription": tString, "adminConsentDisplayName": tString, "id": tGUID,
		"isEnabled": tBool, "origin": tString, "type": tString, "userConsentDescription": tString,
		"userConsentDisplayName": tString, "value": tString,
	})
	tAppRole = obj("appRole", map[string]*ptype{
		"allowedMemberTypes": arr(tString), "description": tString, "displayName": tString, "id": tGUID,
		"isEnabled": tBool, "origin": tString, "value": tString,
	})
	tRedirects    = func(name string) *ptype { return obj(name, map[string]*ptype{"redirectUris": arr(tString)}) }
	tAPIApplicati = obj("apiApplication", map[string]*ptype{
		"acceptMappedClaims": tBool, "knownClientApplications": arr(tGUID),
		"oauth2PermissionScopes": arr(tPermissionScope),
		"preAuthorizedApplications": arr(obj("preAuthorizedApplication", map[string]*ptype{
			"appId": tString, "delegatedPermissionIds": arr(tString),
		})),
		"requestedAccessTokenVersion": tInt,
	})
	tWeb = obj("webApplication", map[string]*ptype{
		"homePageUrl": tString, "logoutUrl": tString, "redirectUris": arr(tString),
		"implicitGrantSettings": obj("implicitGrantSettings", map[string]*ptype{
			"enableAccessTokenIssuance": tBool, "enableIdTokenIssuance": tBool,
		}),
		"redirectUriSettings": arr(obj("redirectUriSettings", map[string]*ptype{"uri": tString, "index": tInt})),
	})
	tInfo = obj("informationalUrl", map[string]*ptype{
		"logoUrl": tString, "marketingUrl": tString, "privacyStatementUrl": tString,
		"supportUrl": tString, "termsOfServiceUrl": tString,
	})
	tRequiredResourceAccess = obj("requiredResourceAccess", map[string]*ptype{
		"resourceAppId": tString,
		"resourceAccess": arr(obj("resourceAccess", map[string]*ptype{
			"id": tGUID, "type": tString,
		})),
	})
	tPasswordCredential = obj("passwordCredential", map[string]*ptype{
		"customKeyIdentifier": tBinary, "displayName": tString, "endDateTime": tDate,
		"hint": ro(tString), "keyId": ro(tGUID), "secretText": ro(tString), "startDateTime": tDate,
	})
	tKeyCredential = obj("keyCredential", map[string]*ptype{
		"customKeyIdentifier": tBinary, "displayName": tString, "endDateTime": tDate, "key": tBinary,
		"keyId": tGUID, "startDateTime": tDate, "type": tString, "usage": tString,
	})

	applicationType = obj("application", map[string]*ptype{
		"id": ro(tString), "appId": ro(tString), "deletedDateTime": ro(tDate), "createdDateTime": ro(tDate),
		"applicationTemplateId": ro(tString), "publisherDomain": ro(tString),
		"disabledByMicrosoftStatus": ro(tString), "certification": ro(tAny),
		"addIns": arr(tAny), "api": tAPIApplicati, "appRoles": arr(tAppRole),
		"authenticationBehaviors": tAny, "defaultRedirectUri": tString, "description": tString,
		"displayName": tString, "groupMembershipClaims": tString, "identifierUris": arr(tString),
		"info": tInfo, "isDeviceOnlyAuthSupported": tBool, "isFallbackPublicClient": tBool,
		"keyCredentials": arr(tKeyCredential), "logo": tBinary, "nativeAuthenticationApisEnabled": tString,
		"notes": tString, "oauth2RequirePostResponse": tBool, "optionalClaims": tAny,
		"parentalControlSettings": tAny, "passwordCredentials": arr(tPasswordCredential),
		"publicClient": tRedirects("publicClientApplication"), "requestSignatureVerification": tAny,
		"requiredResourceAccess": arr(tRequiredResourceAccess), "samlMetadataUrl": tString,
		"serviceManagementReference": tString, "servicePrincipalLockConfiguration": tAny,
		"signInAudience": tString, "spa": tRedirects("spaApplication"), "tags": arr(tString),
		"tokenEncryptionKeyId": tGUID, "uniqueName": tString, "verifiedPublisher": tAny,
		"web": tWeb,
	})

	servicePrincipalType = obj("servicePrincipal", map[string]*ptype{
		"id": ro(tString), "deletedDateTime": ro(tDate), "createdDateTime": ro(tDate),
		"appDisplayName": ro(tString), "appOwnerOrganizationId": ro(tGUID),
		"applicationTemplateId": ro(tString), "signInAudience": ro(tString),
		"disabledByMicrosoftStatus": ro(tString), "resourceSpecificApplicationPermissions": ro(tAny),
		"accountEnabled": tBool, "addIns": arr(tAny), "alternativeNames": arr(tString),
		"appDescription": tString, "appId": tString, "appRoleAssignmentRequired": tBool,
		"appRoles": arr(tAppRole), "customSecurityAttributes": tAny, "description": tString,
		"displayName": tString, "homepage": tString, "info": tInfo,
		"keyCredentials": arr(tKeyCredential), "loginUrl": tString, "logoutUrl": tString,
		"notes": tString, "notificationEmailAddresses": arr(tString),
		"oauth2PermissionScopes": arr(tPermissionScope), "passwordCredentials": arr(tPasswordCredential),
		"preferredSingleSignOnMode": tString, "preferredTokenSigningKeyThumbprint": tString,
		"replyUrls": arr(tString), "samlSingleSignOnSettings": tAny,
		"servicePrincipalNames": arr(tString), "servicePrincipalType": tString, "tags": arr(tString),
		"tokenEncryptionKeyId": tGUID, "verifiedPublisher": tAny,
	})

	appRoleAssignmentType = obj("appRoleAssignment", map[string]*ptype{
		"id": ro(tString), "deletedDateTime": ro(tDate), "createdDateTime": ro(tDate),
		"principalDisplayName": ro(tString), "principalType": ro(tString), "resourceDisplayName": ro(tString),
		"appRoleId": tGUID, "principalId": tGUID, "resourceId": tGUID,
	})

	grantType = obj("oAuth2PermissionGrant", map[string]*ptype{
		"id": ro(tString), "clientId": tString, "consentType": tString, "principalId": tString,
		"resourceId": tString, "scope": tString,
	})

	ficType = obj("federatedIdentityCredential", map[string]*ptype{
		"id": ro(tString), "audiences": arr(tString), "description": tString, "issuer": tString,
		"name": tString, "subject": tString,
	})

	addPasswordType = obj("addPasswordRequest", map[string]*ptype{"passwordCredential": tPasswordCredential})
	removePassType  = obj("removePasswordRequest", map[string]*ptype{"keyId": tGUID})
	refType         = obj("referenceCreate", map[string]*ptype{})
)

// checkBody checks v against t: unknown properties and wrong JSON types are
// errors (400 Request_BadRequest). Annotations ("@odata.type" and any other
// "@…" key) are ignored and removed. Read-only properties are removed, so a
// body copied from a GET is accepted. It returns v cleaned.
func checkBody(v map[string]any, t *ptype) (map[string]any, *graphError) {
	out, err := checkValue(v, t, "")
	if err != nil {
		return nil, err
	}
	return out.(map[string]any), nil
}

func checkValue(v any, t *ptype, path string) (any, *graphError) {
	if v == nil {
		return nil, nil
	}
	wrong := func() *graphError {
		return badRequest(fmt.Sprintf("Invalid value for property '%s': a value of type '%s' was expected.", strings.TrimPrefix(path, "."), t.edm))
	}
	switch t.kind {
	case kAny:
		return v, nil
	case kString:
		if _, ok := v.(string); !ok {
			return nil, wrong()
		}
	case kBool:
		if _, ok := v.(bool); !ok {
			return nil, wrong()
		}
	case kInt:
		n, ok := v.(json.Number)
		if !ok {
			return nil, wrong()
		}
		i, err := n.Int64()
		if err != nil {
			return nil, wrong()
		}
		return i, nil
	case kGUID:
		s, ok := v.(string)
		if !ok {
			return nil, wrong()
		}
		if _, err := uuid.Parse(s); err != nil || len(s) != 36 {
			return nil, badRequest(fmt.Sprintf("Invalid value for property '%s': '%s' is not a valid Edm.Guid.", strings.TrimPrefix(path, "."), s))
		}
	case kDate:
		s, ok := v.(string)
		if !ok {
			return nil, wrong()
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return nil, badRequest(fmt.Sprintf("Invalid value for property '%s': '%s' is not a valid Edm.DateTimeOffset.", strings.TrimPrefix(path, "."), s))
		}
	case kBinary:
		s, ok := v.(string)
		if !ok {
			return nil, wrong()
		}
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return nil, badRequest(fmt.Sprintf("Invalid value for property '%s': not valid base64 (Edm.Binary).", strings.TrimPrefix(path, ".")))
		}
	case kArray:
		a, ok := v.([]any)
		if !ok {
			return nil, wrong()
		}
		out := make([]any, 0, len(a))
		for i, el := range a {
			if el == nil {
				return nil, badRequest(fmt.Sprintf("Invalid value for property '%s': a collection may not contain null.", strings.TrimPrefix(path, ".")))
			}
			c, err := checkValue(el, t.elem, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	case kObject:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, wrong()
		}
		out := map[string]any{}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if strings.Contains(k, "@") {
				continue // @odata.type and other annotations
			}
			ft, ok := t.fields[k]
			if !ok {
				return nil, badRequest(fmt.Sprintf("Property '%s' does not exist on type '%s'.", k, t.edm))
			}
			c, err := checkValue(m[k], ft, path+"."+k)
			if err != nil {
				return nil, err
			}
			if ft.readOnly {
				continue
			}
			out[k] = c
		}
		return out, nil
	default:
		panic(fmt.Sprintf("internal error: unknown property kind %d", t.kind))
	}
	return v, nil
}

// mergePatch applies a checked PATCH body to a stored document: complex
// properties merge property by property, collections and scalars are
// replaced whole, and null clears (a collection becomes empty).
func mergePatch(stored, patch map[string]any, t *ptype) {
	for k, v := range patch {
		ft := t.fields[k]
		switch {
		case v == nil && ft != nil && ft.kind == kArray:
			stored[k] = []any{}
		case v == nil:
			stored[k] = nil
		case ft != nil && ft.kind == kObject:
			cur, ok := stored[k].(map[string]any)
			if !ok {
				cur = map[string]any{}
			}
			mergePatch(cur, v.(map[string]any), ft)
			stored[k] = cur
		default:
			stored[k] = deepCopy(v)
		}
	}
}

// deepCopy copies a decoded JSON value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = deepCopy(e)
		}
		return a
	default:
		return v
	}
}

func copyDoc(m map[string]any) map[string]any { return deepCopy(m).(map[string]any) }

// str returns m[k] as a string, "" when absent or not a string.
func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// list returns m[k] as a slice, nil when absent.
func list(m map[string]any, k string) []any {
	a, _ := m[k].([]any)
	return a
}

// sub returns m[k] as an object, nil when absent.
func sub(m map[string]any, k string) map[string]any {
	o, _ := m[k].(map[string]any)
	return o
}

// strings returns the string elements of m[k].
func stringList(m map[string]any, k string) []string {
	var out []string
	for _, e := range list(m, k) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
