package tenant

import "github.com/google/uuid"

// idNamespace is the UUIDv5 namespace of regsync's derived ids.
var idNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://regsync.dev/ids"))

// StableID derives the id of a scope or app role that does not exist yet:
// a UUIDv5 of the set, the application key, the kind ("scope" or "role") and
// the value, so two plans of the same spec never differ.
func StableID(set, appKey, kind, value string) string {
	return uuid.NewSHA1(idNamespace, []byte(set+"\x00"+appKey+"\x00"+kind+"\x00"+value)).String()
}
