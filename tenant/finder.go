package tenant

import "context"

// Finder looks up one managed object by its identity tags. The applier uses
// it to make creates idempotent: before creating an application, and again
// after a create whose response was lost, it looks for the application that
// carries the set and key tags and adopts it instead of making a second one.
//
// graph.Client implements it. A Directory that does not is still usable;
// the applier then cannot detect a create whose response was lost.
type Finder interface {
	// FindApplication returns the application tagged both SetTag(set) and
	// KeyTag(key), or nil (and no error) when there is none. More than one
	// is an error of kind Conflict naming them. Owners and federated
	// credentials are not filled in; password credentials are.
	//
	// Like every list query it reads an eventually consistent index: an
	// application created moments ago may not be found yet.
	FindApplication(ctx context.Context, set, key string) (*Application, error)

	// FindApplicationByIdentifierURI returns the application whose
	// identifierUris hold uri, or nil (and no error) when none is visible.
	// Graph keeps identifier URIs unique in a tenant, so a create that
	// answers "Another object with the same value for property
	// identifierUris already exists" names an application this finds —
	// once replication lets it see that application. Owners and federated
	// credentials are not filled in.
	FindApplicationByIdentifierURI(ctx context.Context, uri string) (*Application, error)
}
