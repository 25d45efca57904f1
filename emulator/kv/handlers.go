package kv

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits the service documents for secrets.
const (
	maxValueBytes       = 25 * 1024 // "25k bytes"
	maxContentTypeChars = 255
	maxTags             = 15
	maxTagNameChars     = 512
	maxTagValueChars    = 512
	defaultPageSize     = 25 // "If not specified, the service will return up to 25 results."
	maxPageSize         = 25
	maxBodyBytes        = 1 << 20 // requests larger than this are refused unread
)

// attributes is a secret version's attributes on the wire. created, updated,
// recoveryLevel and recoverableDays are read-only and always present in
// answers; nbf and exp only when set.
type attributes struct {
	Enabled         bool   `json:"enabled"`
	NotBefore       *int64 `json:"nbf,omitempty"`
	Expires         *int64 `json:"exp,omitempty"`
	Created         int64  `json:"created"`
	Updated         int64  `json:"updated"`
	RecoveryLevel   string `json:"recoveryLevel"`
	RecoverableDays int    `json:"recoverableDays"`
}

// bundle is a SecretBundle, a SecretItem (list entry) or, with the deletion
// fields set, a DeletedSecretBundle or DeletedSecretItem.
type bundle struct {
	Value              *string           `json:"value,omitempty"`
	ID                 string            `json:"id"`
	KID                string            `json:"kid,omitempty"`
	Managed            bool              `json:"managed,omitempty"`
	ContentType        *string           `json:"contentType,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
	Attributes         attributes        `json:"attributes"`
	RecoveryID         string            `json:"recoveryId,omitempty"`
	DeletedDate        *int64            `json:"deletedDate,omitempty"`
	ScheduledPurgeDate *int64            `json:"scheduledPurgeDate,omitempty"`
}

// listResult is one page of a list; NextLink is null on the last page.
type listResult struct {
	Value    []bundle `json:"value"`
	NextLink *string  `json:"nextLink"`
	lastKey  string   // sort key of the last item in Value
}

// attributesIn is the settable part of attributes in a request.
type attributesIn struct {
	Enabled   *bool  `json:"enabled"`
	NotBefore *int64 `json:"nbf"`
	Expires   *int64 `json:"exp"`
}

// secretIn is the body of Set Secret and of Update Secret (which ignores
// value). Tags is a pointer so that Update can tell an absent tags member
// (leave alone) from an empty object (remove every tag).
type secretIn struct {
	Value       *string            `json:"value"`
	ContentType *string            `json:"contentType"`
	Tags        *map[string]string `json:"tags"`
	Attributes  *attributesIn      `json:"attributes"`
}

// bundleOf describes version v of sec; withValue adds the value, withDeletion
// the soft-delete fields; versioned selects the full id over the base id.
func (q *request) bundleOf(sec *secret, v *version, withValue, versioned, withDeletion bool) bundle {
	b := bundle{
		ID:          q.base() + "/secrets/" + sec.Name,
		ContentType: v.ContentType,
		Tags:        v.Tags,
		Attributes: attributes{
			Enabled:         v.Enabled,
			NotBefore:       v.NotBefore,
			Expires:         v.Expires,
			Created:         v.Created,
			Updated:         v.Updated,
			RecoveryLevel:   recoveryLevel,
			RecoverableDays: retentionDays,
		},
	}
	if versioned {
		b.ID += "/" + v.ID
	}
	if v.Managed {
		b.Managed = true
		b.KID = q.base() + "/keys/" + sec.Name + "/" + v.ID
	}
	if withValue {
		b.Value = ptr(v.Value)
	}
	if withDeletion && sec.Deleted != nil {
		b.RecoveryID = q.base() + "/deletedsecrets/" + sec.Name
		b.DeletedDate = ptr(sec.Deleted.Date)
		b.ScheduledPurgeDate = ptr(sec.Deleted.ScheduledPurge)
	}
	return b
}

// secretNotFound is the service's 404 for a missing (or soft-deleted) secret;
// what names the secret or version it looked for.
func secretNotFound(what string) *kvError {
	return &kvError{
		status:  http.StatusNotFound,
		code:    "SecretNotFound",
		message: "A secret with (name/id) " + what + " was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182",
	}
}

// deletedNotFound is the service's 404 for a name with no soft-deleted
// secret.
func deletedNotFound(name string) *kvError {
	return &kvError{status: http.StatusNotFound, code: "SecretNotFound", message: "Deleted Secret not found: " + name}
}

func badParameter(msg string) *kvError {
	return &kvError{status: http.StatusBadRequest, code: "BadParameter", message: msg}
}

// vaultFor returns q's vault after purging the secrets whose retention has
// run out, or nil when the vault has never held a secret. The caller holds
// mu.
func (s *Server) vaultFor(q *request) *vault {
	v := s.vaults[q.vault]
	if v != nil {
		v.sweep(q.now)
	}
	return v
}

// lookup returns the secret called name in q's vault, deleted or not, or nil.
// The caller holds mu.
func (s *Server) lookup(q *request, name string) *secret {
	v := s.vaultFor(q)
	if v == nil {
		return nil
	}
	return v.Secrets[strings.ToLower(name)]
}

// readBody decodes the JSON object in q's body into dst.
func readBody(q *request, dst any) *kvError {
	b, err := io.ReadAll(http.MaxBytesReader(nil, q.r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &kvError{status: http.StatusRequestEntityTooLarge, code: "BadParameter", message: "The request body is too large."}
		}
		return badParameter("The request body could not be read.")
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return badParameter("The request body is required.")
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return badParameter("The request body is not a valid JSON object: " + jsonProblem(err))
	}
	return nil
}

// jsonProblem names what was wrong with a body without echoing its content,
// which may hold a secret value.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return "expected an object."
		}
		return "property " + typeErr.Field + " has the wrong type."
	}
	return "syntax error."
}

// checkMeta validates the content type and tags of a request.
func checkMeta(in *secretIn) *kvError {
	if in.ContentType != nil && utf8.RuneCountInString(*in.ContentType) > maxContentTypeChars {
		return badParameter(fmt.Sprintf("Property contentType has invalid value: it is longer than %d characters.", maxContentTypeChars))
	}
	if in.Tags != nil {
		tags := *in.Tags
		if len(tags) > maxTags {
			return badParameter("Property has invalid value")
		}
		for k, v := range tags {
			if k == "" || utf8.RuneCountInString(k) > maxTagNameChars || utf8.RuneCountInString(v) > maxTagValueChars {
				return badParameter("Property has invalid value")
			}
		}
	}
	return nil
}

// setSecret stores a new version of a secret (PUT /secrets/{name}).
func (s *Server) setSecret(q *request, name string) (int, any, *kvError) {
	var in secretIn
	if e := readBody(q, &in); e != nil {
		return 0, nil, e
	}
	if in.Value == nil {
		return 0, nil, badParameter("Property value is required.")
	}
	if len(*in.Value) > maxValueBytes {
		return 0, nil, badParameter(fmt.Sprintf("Property value has invalid value: a secret value is at most %d bytes.", maxValueBytes))
	}
	if e := checkMeta(&in); e != nil {
		return 0, nil, e
	}
	ver := &version{
		ID:          newVersionID(),
		Value:       *in.Value,
		ContentType: in.ContentType,
		Enabled:     true,
		Created:     q.now,
		Updated:     q.now,
	}
	if in.Tags != nil && len(*in.Tags) > 0 {
		ver.Tags = copyTags(*in.Tags)
	}
	if a := in.Attributes; a != nil {
		if a.Enabled != nil {
			ver.Enabled = *a.Enabled
		}
		ver.NotBefore, ver.Expires = a.NotBefore, a.Expires
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.vaultFor(q)
	key := strings.ToLower(name)
	var sec *secret
	if v != nil {
		sec = v.Secrets[key]
	}
	if sec != nil && sec.Deleted != nil {
		return 0, nil, &kvError{
			status:  http.StatusConflict,
			code:    "Conflict",
			message: "Secret " + name + " is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.",
			inner:   "ObjectIsDeletedButRecoverable",
		}
	}
	if v == nil {
		v = &vault{Secrets: map[string]*secret{}}
		s.vaults[q.vault] = v
	}
	if sec == nil {
		sec = &secret{Name: name}
		v.Secrets[key] = sec
	}
	sec.Versions = append(sec.Versions, ver)
	s.remember(ver.Value)
	return http.StatusOK, q.bundleOf(sec, ver, true, true, false), nil
}

// getSecret returns one version of a secret with its value; an empty
// version means the current one (GET /secrets/{name}[/{version}]).
func (s *Server) getSecret(q *request, name, versionID string) (int, any, *kvError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ver, e := s.liveVersion(q, name, versionID)
	if e != nil {
		return 0, nil, e
	}
	if !ver.Enabled {
		return 0, nil, &kvError{
			status:  http.StatusForbidden,
			code:    "Forbidden",
			message: "Operation get is not allowed on a disabled secret.",
			inner:   "SecretDisabled",
		}
	}
	return http.StatusOK, q.bundleOf(sec, ver, true, true, false), nil
}

// liveVersion finds a version of a secret that is not soft-deleted. The
// caller holds mu.
func (s *Server) liveVersion(q *request, name, versionID string) (*secret, *version, *kvError) {
	what := name
	if versionID != "" {
		what += "/" + versionID
	}
	sec := s.lookup(q, name)
	if sec == nil || sec.Deleted != nil {
		return nil, nil, secretNotFound(what)
	}
	if versionID == "" {
		return sec, sec.current(), nil
	}
	ver := sec.find(versionID)
	if ver == nil {
		return nil, nil, secretNotFound(what)
	}
	return sec, ver, nil
}

// updateSecret changes the attributes, tags or content type of one version
// (PATCH /secrets/{name}/{version}); the value cannot change. The answer
// carries no value.
func (s *Server) updateSecret(q *request, name, versionID string) (int, any, *kvError) {
	var in secretIn
	if e := readBody(q, &in); e != nil {
		return 0, nil, e
	}
	if e := checkMeta(&in); e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ver, e := s.liveVersion(q, name, versionID)
	if e != nil {
		return 0, nil, e
	}
	if in.ContentType != nil {
		ver.ContentType = in.ContentType
	}
	if in.Tags != nil {
		ver.Tags = nil
		if len(*in.Tags) > 0 {
			ver.Tags = copyTags(*in.Tags)
		}
	}
	if a := in.Attributes; a != nil {
		if a.Enabled != nil {
			ver.Enabled = *a.Enabled
		}
		if a.NotBefore != nil {
			ver.NotBefore = a.NotBefore
		}
		if a.Expires != nil {
			ver.Expires = a.Expires
		}
	}
	ver.Updated = q.now
	return http.StatusOK, q.bundleOf(sec, ver, false, true, false), nil
}

// deleteSecret soft-deletes every version of a secret (DELETE
// /secrets/{name}) and describes the current version.
func (s *Server) deleteSecret(q *request, name string) (int, any, *kvError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.lookup(q, name)
	if sec == nil || sec.Deleted != nil {
		return 0, nil, secretNotFound(name)
	}
	sec.Deleted = &deletion{Date: q.now, ScheduledPurge: q.now + retentionDays*24*60*60}
	s.vaults[q.vault].purgeScheduled(sec.Deleted.ScheduledPurge)
	return http.StatusOK, q.bundleOf(sec, sec.current(), false, true, true), nil
}

// getDeleted describes a soft-deleted secret (GET /deletedsecrets/{name}).
func (s *Server) getDeleted(q *request, name string) (int, any, *kvError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.lookup(q, name)
	if sec == nil || sec.Deleted == nil {
		return 0, nil, deletedNotFound(name)
	}
	return http.StatusOK, q.bundleOf(sec, sec.current(), false, true, true), nil
}

// recoverDeleted undoes a soft delete (POST /deletedsecrets/{name}/recover)
// and describes the current version, without its value.
func (s *Server) recoverDeleted(q *request, name string) (int, any, *kvError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.lookup(q, name)
	if sec == nil || sec.Deleted == nil {
		return 0, nil, deletedNotFound(name)
	}
	sec.Deleted = nil
	return http.StatusOK, q.bundleOf(sec, sec.current(), false, true, false), nil
}

// purgeDeleted removes a soft-deleted secret for good (DELETE
// /deletedsecrets/{name}); the answer is 204 with no body.
func (s *Server) purgeDeleted(q *request, name string) (int, any, *kvError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.lookup(q, name)
	if sec == nil || sec.Deleted == nil {
		return 0, nil, deletedNotFound(name)
	}
	delete(s.vaults[q.vault].Secrets, strings.ToLower(name))
	return http.StatusNoContent, nil, nil
}

// listSecrets lists the current version of every secret that is not
// soft-deleted, by name, with base ids and no values (GET /secrets).
func (s *Server) listSecrets(q *request) (int, any, *kvError) {
	return s.listNames(q, "/secrets", false)
}

// listDeleted lists the soft-deleted secrets by name, with base ids and
// their deletion dates (GET /deletedsecrets).
func (s *Server) listDeleted(q *request) (int, any, *kvError) {
	return s.listNames(q, "/deletedsecrets", true)
}

// listNames pages through the secrets whose deleted state is deleted.
func (s *Server) listNames(q *request, path string, deleted bool) (int, any, *kvError) {
	size, after, e := pageParams(q)
	if e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	res := listResult{Value: []bundle{}}
	v := s.vaultFor(q)
	if v == nil {
		return http.StatusOK, res, nil
	}
	keys := v.sortedKeys(func(sec *secret) bool { return (sec.Deleted != nil) == deleted })
	for _, key := range keys {
		if key <= after {
			continue
		}
		if len(res.Value) == size {
			res.NextLink = q.nextLink(path, res.lastKey, size)
			break
		}
		sec := v.Secrets[key]
		res.Value = append(res.Value, q.bundleOf(sec, sec.current(), false, false, deleted))
		res.lastKey = key
	}
	return http.StatusOK, res, nil
}

// listVersions lists every version of a secret, oldest first, with full ids
// and no values (GET /secrets/{name}/versions). A name with no live secret
// gives an empty list.
func (s *Server) listVersions(q *request, name string) (int, any, *kvError) {
	size, after, e := pageParams(q)
	if e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	res := listResult{Value: []bundle{}}
	sec := s.lookup(q, name)
	if sec == nil || sec.Deleted != nil {
		return http.StatusOK, res, nil
	}
	for i, ver := range sec.Versions {
		key := fmt.Sprintf("%010d", i)
		if key <= after {
			continue
		}
		if len(res.Value) == size {
			res.NextLink = q.nextLink("/secrets/"+sec.Name+"/versions", res.lastKey, size)
			break
		}
		res.Value = append(res.Value, q.bundleOf(sec, ver, false, true, false))
		res.lastKey = key
	}
	return http.StatusOK, res, nil
}

// pageParams reads maxresults (1 to 25, default 25) and the opaque
// $skiptoken, which holds the sort key of the last item already returned.
func pageParams(q *request) (size int, after string, e *kvError) {
	qs := q.r.URL.Query()
	size = defaultPageSize
	if m := qs.Get("maxresults"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > maxPageSize {
			return 0, "", badParameter(fmt.Sprintf("The value of maxresults must be an integer from 1 to %d.", maxPageSize))
		}
		size = n
	}
	if tok := qs.Get("$skiptoken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(b) == 0 {
			return 0, "", badParameter("The $skiptoken is not valid.")
		}
		after = string(b)
	}
	return size, after, nil
}

// nextLink is the absolute URL of the page after the item whose sort key is
// last. It carries api-version (the SDK adds none to next-page requests) and
// the page size when the caller chose one.
func (q *request) nextLink(path, last string, size int) *string {
	link := q.base() + path + "?api-version=" + q.apiVersion +
		"&$skiptoken=" + base64.RawURLEncoding.EncodeToString([]byte(last))
	if q.r.URL.Query().Has("maxresults") {
		link += "&maxresults=" + strconv.Itoa(size)
	}
	return &link
}

func copyTags(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
