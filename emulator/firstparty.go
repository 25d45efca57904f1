package emulator

// The catalogue of first-party applications whose service principals the
// seeded tenant holds. Every permission id here is the one Microsoft
// publishes (or, for the two healthcare APIs, the one their service
// principals carry in every tenant); docs/graph-quirks.md gives the source
// of each.

func scope(id, value, name, description string) map[string]any {
	return map[string]any{
		"adminConsentDescription": description, "adminConsentDisplayName": name, "id": id, "isEnabled": true,
		"origin": "Application", "type": "User", "userConsentDescription": description, "userConsentDisplayName": name,
		"value": value,
	}
}

func role(id, value, name, description string) map[string]any {
	return map[string]any{
		"allowedMemberTypes": []any{"Application"}, "description": description, "displayName": name, "id": id,
		"isEnabled": true, "origin": "Application", "value": value,
	}
}

// smartResource is a FHIR resource type with the ids of its SMART on FHIR
// read scopes on Azure Healthcare APIs: patient.<type>.read and
// user.<type>.read (Entra scope values cannot hold the '/' of SMART's
// patient/<type>.read, so the service uses '.').
type smartResource struct {
	name, patient, user string
}

var smartResources = []smartResource{
	{"AllergyIntolerance", "fa23e5cb-b06f-4d07-bcf8-f5ce114dd847", "263687ba-ab05-41b1-98ad-f057c7365c91"},
	{"CarePlan", "4fcc09b8-fd6b-430f-9b2b-7bbd2c2b7e8f", "c2c62692-9cd2-4612-9f15-cf5641284e41"},
	{"CareTeam", "4860ad86-f40e-4e2b-8661-ba03ee154b19", "3cb5f829-1e8d-4224-9e87-678b02c8f9b1"},
	{"Condition", "60fd617d-0d96-4c44-9cf3-ee91c0c45161", "dd554abf-e473-4190-8382-9b096fe49efa"},
	{"Device", "f7b318b5-9bf5-46d0-8701-845c568925d9", "a246e7b9-d55c-43a2-9b5a-b3341bc1a57d"},
	{"DiagnosticReport", "ef9475b2-f7da-4a86-b385-9fffe030c310", "588567a0-59db-4598-8bd7-0cbea9ff1811"},
	{"DocumentReference", "e2a5290a-59c6-4847-af7f-c5b16c692f24", "23b15307-5f89-4954-b86c-00e2c4279a8f"},
	{"Encounter", "9e7cdd6e-af8a-4e6d-9170-4274b35864bc", "0e5be5d5-7b95-4583-aa3c-2de990f139c9"},
	{"Goal", "e6e32ed0-c9a2-4f1b-adb5-e3d59e47bb54", "81d580ea-26f6-4822-9d91-31fb29019023"},
	{"Immunization", "f6c2728b-b49d-4d10-bb69-7798f1603807", "97d73b5a-b052-4953-a6da-3e3f159a2f85"},
	{"Location", "6fbb6a2c-cd2f-486c-a421-b188f2184df8", "cf8b4a64-fb79-401f-94a4-28d9d7cd6a8d"},
	{"Medication", "058fa58e-ac09-4308-970e-2f2da3bf49b4", "e5a7cdb9-3edb-4b0a-a43d-40a377726680"},
	{"MedicationRequest", "16352d13-6c69-4eee-adbb-f7420b3f252b", "c1519c05-9e3c-4656-844a-c83845bbaa9a"},
	{"Observation", "890da85b-b5ad-4981-8966-4b80fd75a5b8", "556e34b1-56e8-4c27-b6be-679d856c0efa"},
	{"Organization", "81882045-ad54-4a5f-926c-a2a09d7dd2b5", "e75606ef-f141-4339-a248-f4c9b07886b2"},
	{"Patient", "d23f0b68-a2f5-4647-987b-b58fdd86b49d", "56998e01-1f00-4832-a130-c358e252acf2"},
	{"Practitioner", "ad27d725-86ff-4bc9-86fb-afdb2f007089", "079186df-3044-4484-a785-d9750101f8f3"},
	{"PractitionerRole", "1d6a9f65-62f4-42b0-93d7-fc3437112f46", "ae77fe95-13db-47f8-968c-5eee9d973273"},
	{"Procedure", "be1c7593-9057-4947-a456-424dde696627", "81d46baa-aaff-454b-9a35-b6fdaa0eb2d9"},
	{"Provenance", "d56c68f3-ec5f-4e12-82cc-afa8921337f0", "8d821765-6bbb-4f52-8b7f-0dfe9ce5cb1e"},
}

// healthcareAPIs is Azure Healthcare APIs: user_impersonation and the SMART
// on FHIR scopes as delegated permissions, the SMART system scopes as
// application permissions. offline_access is both, under one id: Entra
// lets a scope and a role share a value only with the same id and texts.
func healthcareAPIs() *firstParty {
	const offlineAccess = "7f08bce5-b21b-4518-b783-c69c9c0cd658"
	const offlineText = "Grants permission for refresh tokens to be used to obtain a new access token even after the user is no longer online."
	scopes := []map[string]any{
		scope("db75143a-8f20-4238-9450-8b73ef4992f4", "user_impersonation", "Access Azure Healthcare APIs",
			"Allow the application to access Azure Healthcare APIs on behalf of the signed-in user."),
		scope("a86144c7-3e19-4b56-9675-15803eb1e617", "fhirUser", "fhirUser", "Grants permission to read information about the current logged-in user."),
		scope("fa5f9b76-5f20-4466-8b3d-6718de9744e2", "launch", "launch", "Grants permission to obtain launch context."),
		scope("f6c8eb20-e799-4de7-a7ce-74ca0c7270e1", "launch.patient", "launch.patient", "Asks for a patient to be selected at launch time."),
		scope(offlineAccess, "offline_access", "offline_access", offlineText),
		scope("8f4fe9ac-b7f2-43ca-a0ef-070f4a8ae5dc", "online_access", "online_access",
			"Grants permission for a refresh token to be used to obtain a new access token as long as the user is still online."),
		scope("0ea38e69-761b-46c7-ac06-9cd17d518949", "openid", "openid", "Grants permission to retrieve information about the current logged-in user."),
		scope("c71e9482-f052-461b-80e1-7cfeba7b2b12", "patient.all.read", "patient.all.read", "Allows user to read all resources in a patient's compartment."),
		scope("5a03b38d-4081-4265-9558-aab5f2a18b8b", "user.all.read", "user.all.read", "Allows a user to read all resources in their compartment."),
	}
	for _, r := range smartResources {
		p := "patient." + r.name + ".read"
		u := "user." + r.name + ".read"
		scopes = append(scopes,
			scope(r.patient, p, p, "Allows user to read "+r.name+" resources in a patient's compartment."),
			scope(r.user, u, u, "Allows user to read "+r.name+" resources in their own compartment."))
	}
	return &firstParty{
		AppID: HealthcareAPIsApp, DisplayName: "Azure Healthcare APIs",
		Scopes: scopes,
		AppRoles: []map[string]any{
			role(offlineAccess, "offline_access", "offline_access", offlineText),
			role("bea2566c-7172-42d0-a06a-0e2e2b58f084", "system.all.all", "system.all.all", "Read and write all resources in the system."),
			role("a44c4c64-cdb5-48fc-adbd-070df4852b2c", "system.all.read", "system.all.read", "Allows a user to read all resources in the system."),
		},
	}
}

// seedFirstParty is the catalogue of built-in first-party applications.
// A seed file entry with one of these appIds replaces it (loadSeedFile).
func seedFirstParty() map[string]*firstParty {
	return map[string]*firstParty{
		MicrosoftGraphApp: {
			AppID: MicrosoftGraphApp, DisplayName: "Microsoft Graph",
			Scopes: []map[string]any{
				scope("e1fe6dd8-ba31-4d61-89e7-88639da4683d", "User.Read", "Sign in and read user profile", "Sign in and read user profile"),
				scope("37f7f235-527c-4136-accd-4a02d197296e", "openid", "Sign users in", "Sign users in"),
				scope("14dad69e-099b-42c9-810b-d002981feec1", "profile", "View users' basic profile", "View users' basic profile"),
				scope("64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", "email", "View users' email address", "View users' email address"),
				scope("7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "offline_access", "Maintain access to data you have given it access to",
					"Maintain access to data you have given it access to"),
			},
			AppRoles: []map[string]any{
				role("18a4783c-866b-4cc7-a460-3d5e5662c884", "Application.ReadWrite.OwnedBy", "Manage apps that this app creates or owns", "Manage apps that this app creates or owns"),
				role("1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Application.ReadWrite.All", "Read and write all applications", "Read and write all applications"),
				role("df021288-bdef-4463-88db-98f22de89214", "User.Read.All", "Read all users' full profiles", "Read all users' full profiles"),
				role("7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Directory.Read.All", "Read directory data", "Read directory data"),
				role("06b708a9-e830-4db3-a914-8e69da51d44f", "AppRoleAssignment.ReadWrite.All", "Manage app permission grants and app role assignments",
					"Manage app permission grants and app role assignments"),
				role("5b567255-7703-4780-807c-7be8301ae99b", "Group.Read.All", "Read all groups", "Read all groups"),
			},
		},
		HealthcareAPIsApp: healthcareAPIs(),
		DICOMApp: {
			AppID: DICOMApp, DisplayName: "Azure API for DICOM",
			Scopes: []map[string]any{
				scope("e69ab058-b8ae-4c0f-b687-5d97888ddccb", "Dicom.ReadWrite", "Read and write DICOM", "Allows application to read and write DICOM resources."),
			},
			AppRoles: []map[string]any{},
		},
		CallerAppID: {
			AppID: CallerAppID, DisplayName: "regsync emulator caller",
			Scopes: []map[string]any{}, AppRoles: []map[string]any{},
		},
	}
}
