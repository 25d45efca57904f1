package planner

import "fmt"

// OwnerObject says, for display, what the directory knows of an owner id.
// It comes from the same read as the rest of the snapshot
// (tenant.Snapshot.DirectoryObjects), never from a request of its own.
type OwnerObject struct {
	// Found is false when the directory was asked and has no object with
	// this id (deleted, or never existed).
	Found bool `json:"found"`
	// Type is Graph's type: "user", "servicePrincipal", "group", ...
	Type              string `json:"type,omitempty"`
	DisplayName       string `json:"display_name,omitempty"`
	UserPrincipalName string `json:"user_principal_name,omitempty"` // users
	AppID             string `json:"app_id,omitempty"`              // service principals
}

// ownerObject looks an owner id up in the snapshot; nil when the snapshot
// holds no names (the directory was not asked).
func (b *builder) ownerObject(id string) *OwnerObject {
	if o, ok := b.live.DirectoryObject(id); ok {
		return &OwnerObject{Found: true, Type: o.Type, DisplayName: o.DisplayName, UserPrincipalName: o.UserPrincipalName, AppID: o.AppID}
	}
	if b.live.DirectoryObjectsRead {
		return &OwnerObject{}
	}
	return nil
}

// Describe names the object for people, without its id:
// `"Dana Admin" (user dana@contoso.com)`, `"Deployer" (service principal,
// appId …)`, `(not found in the directory)`; "" for a nil object.
func (o *OwnerObject) Describe() string {
	switch {
	case o == nil:
		return ""
	case !o.Found:
		return "(not found in the directory)"
	}
	var what string
	switch o.Type {
	case "user":
		what = "user"
		if o.UserPrincipalName != "" {
			what += " " + o.UserPrincipalName
		}
	case "servicePrincipal":
		what = "service principal"
		if o.AppID != "" {
			what += ", appId " + o.AppID
		}
	default:
		what = o.Type
	}
	if o.DisplayName == "" {
		return "(" + what + ")"
	}
	return fmt.Sprintf("%q (%s)", o.DisplayName, what)
}

// OwnerLabel names an owner for a message: its description when the
// directory named it (`"Dana Admin" (user dana@contoso.com)`), the id
// followed by "(not found in the directory)" when it has no such object (or
// by the type, when the object has no name), and else the id.
func OwnerLabel(id string, o *OwnerObject) string {
	switch {
	case o == nil:
		return id
	case !o.Found, o.DisplayName == "":
		return id + " " + o.Describe()
	default:
		return o.Describe()
	}
}

// ownerLabel labels an owner id from the snapshot.
func (b *builder) ownerLabel(id string) string { return OwnerLabel(id, b.ownerObject(id)) }
