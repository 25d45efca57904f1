package emulator

import (
	"fmt"
	"net/http"
	"strings"
)

// readsOnly reports whether a request only reads: a GET or HEAD, or
// getByIds, a POST only because its ids travel in the body. Such a request
// is charged as a read, never loses its answer as a write may, and does not
// save the state.
func readsOnly(method, pattern string) bool {
	return method == http.MethodGet || method == http.MethodHead || pattern == "directoryObjects/getByIds"
}

// getByIdsLimit is how many ids one getByIds request may name
// (directoryobject-getbyids.md: "You can specify up to 1000 IDs").
const getByIdsLimit = 1000

// getByIdsTypes maps the values getByIds accepts in types (without case)
// to the @odata.type of the objects they select; directoryObject, the
// default, selects every kind.
var getByIdsTypes = map[string]string{
	"user":             "#microsoft.graph.user",
	"group":            "#microsoft.graph.group",
	"serviceprincipal": "#microsoft.graph.servicePrincipal",
	"application":      "#microsoft.graph.application",
	"directoryobject":  "",
}

// getByIds serves POST /directoryObjects/getByIds
// (directoryobject-getbyids.md): the objects with the given ids, among the
// kinds named by types (all when absent), each whole with its @odata.type,
// in one response without paging. An id that names nothing, or an object
// of another kind, is simply left out.
func (g *graphServer) getByIds(ctx *graphCtx, body map[string]any) (int, any, *graphError) {
	for k := range body {
		if k != "ids" && k != "types" {
			return 0, nil, badRequest(fmt.Sprintf("Property '%s' does not exist on type 'microsoft.graph.getByIds'.", k))
		}
	}
	ids, ok := idList(body["ids"])
	if !ok || len(ids) == 0 {
		return 0, nil, badRequest("Invalid value specified for property 'ids' of resource 'getByIds'.")
	}
	if len(ids) > getByIdsLimit {
		return 0, nil, badRequest(fmt.Sprintf("Too many ids: at most %d can be requested at once.", getByIdsLimit))
	}
	kinds := map[string]bool{}
	all := true
	if raw, present := body["types"]; present && raw != nil {
		types, ok := idList(raw)
		if !ok {
			return 0, nil, badRequest("Invalid value specified for property 'types' of resource 'getByIds'.")
		}
		if len(types) > 0 {
			all = false
		}
		for _, t := range types {
			odata, known := getByIdsTypes[strings.ToLower(strings.TrimPrefix(t, "microsoft.graph."))]
			if !known {
				return 0, nil, badRequest(fmt.Sprintf("Invalid type '%s' specified in 'types'.", t))
			}
			if odata == "" {
				all = true
			}
			kinds[odata] = true
		}
	}
	out := []any{}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[strings.ToLower(id)] {
			continue
		}
		seen[strings.ToLower(id)] = true
		d, typ := g.directoryObject(id)
		if d == nil || (!all && !kinds[typ]) {
			continue
		}
		// A key credential's key shows only to a single-object GET that
		// selects keyCredentials, never here.
		doc := hideKeys(copyDoc(d))
		doc["@odata.type"] = typ
		out = append(out, g.publicDoc(doc))
	}
	return http.StatusOK, map[string]any{"@odata.context": ctx.base + "/$metadata#directoryObjects", "value": out}, nil
}

// idList reads a JSON array of strings.
func idList(v any) ([]string, bool) {
	arr, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}
