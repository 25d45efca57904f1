package endpoints

import "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

func policyOptions() policy.TokenRequestOptions {
	return policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}}
}
