// Package graph implements tenant.Directory over Microsoft Graph v1.0 with
// msgraph-sdk-go; it is the only package that imports that SDK, and no SDK
// type leaves it.
//
// Reads are list queries at the paging floor ($filter on the set tag,
// $select of the fields the planner compares, $top=999, @odata.nextLink
// paging). Writes build a fresh SDK model for every request, because a model
// read by a single GET silently drops later edits and one read from a list
// re-sends every field it carried (WIRE.md §1.5). Every failure comes back
// as a *tenant.Error with a Kind; classify holds the table.
//
// A write is a tenant.Write value. Its request is built once, by the
// builder of its op (write.go), as the SDK's request builders would build
// it; Client.Do sends it alone and Client.DoBatch puts it in $batch, 20 at
// a time, retrying the items Graph throttled, which the SDK does not do.
//
// The Graph quirks handled here, each where it is handled:
//   - $expand on a directory object's relationship returns at most 20
//     items and no nextLink, and only one relationship may be expanded per
//     request (https://learn.microsoft.com/graph/query-parameters#expand-parameter):
//     owners and federated credentials come from two list queries, and an
//     application whose owners hit the cap is completed with its own
//     owners query.
//   - `in` filters are limited to 15 values
//     (https://developer.microsoft.com/graph/known-issues/?search=13635):
//     appId lookups are chunked.
//   - The bearer token is attached only to hosts on the provider's list,
//     so the configured Graph host is always added to it.
package graph
