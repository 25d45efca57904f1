package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/directoryobjects"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/regsync/regsync/tenant"
)

// ownerTypes are the kinds of object an owner id is looked up among: an
// application's owners are users and service principals; groups are named
// too, so that an id that is a group says so rather than "not found".
var ownerTypes = []string{"user", "servicePrincipal", "group"}

// ObjectsByID names up to tenant.ObjectsByIDChunk objects in one request,
// POST /directoryObjects/getByIds (directoryobject-getbyids: up to 1,000
// ids; ids that match nothing are left out of the answer; $select is not
// offered, so each object comes whole). An id that is not a GUID cannot
// name an object and is not sent.
func (c *Client) ObjectsByID(ctx context.Context, ids []string) ([]tenant.DirectoryObject, error) {
	ids, _ = splitRefs(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > tenant.ObjectsByIDChunk {
		return nil, fmt.Errorf("internal error: %d ids in one getByIds request (at most %d)", len(ids), tenant.ObjectsByIDChunk)
	}
	body := directoryobjects.NewGetByIdsPostRequestBody()
	body.SetIds(ids)
	body.SetTypes(ownerTypes)
	resp, err := c.sdk.DirectoryObjects().GetByIds().PostAsGetByIdsPostResponse(ctx, body, nil)
	if err != nil {
		return nil, mapError(err, "naming %d directory objects", len(ids))
	}
	if resp == nil {
		return nil, noBody("naming directory objects")
	}
	var out []tenant.DirectoryObject
	for _, o := range resp.GetValue() {
		out = append(out, toDirectoryObject(o))
	}
	return out, nil
}

// toDirectoryObject keeps an object's id, type and names.
func toDirectoryObject(o models.DirectoryObjectable) tenant.DirectoryObject {
	d := tenant.DirectoryObject{ID: str(o.GetId())}
	switch v := o.(type) {
	case models.Userable:
		d.Type, d.DisplayName, d.UserPrincipalName = "user", str(v.GetDisplayName()), str(v.GetUserPrincipalName())
	case models.ServicePrincipalable:
		d.Type, d.DisplayName, d.AppID = "servicePrincipal", str(v.GetDisplayName()), str(v.GetAppId())
	case models.Groupable:
		d.Type, d.DisplayName = "group", str(v.GetDisplayName())
	default:
		d.Type = strings.TrimPrefix(str(o.GetOdataType()), "#microsoft.graph.")
	}
	return d
}
