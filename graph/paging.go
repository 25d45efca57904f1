package graph

import "github.com/regsync/regsync/graph/endpoints"

// defaultMaxPages caps the pages of one list (endpoints.MaxPages).
const defaultMaxPages = endpoints.MaxPages

// pages starts the next-link checks of one list (endpoints.NextLinks):
// a next link is followed only with the base URL's scheme, host and port,
// once, and for at most c.maxPages pages.
func (c *Client) pages(what string) *endpoints.NextLinks {
	return endpoints.NewNextLinks(c.base, "graph", what, c.maxPages)
}
