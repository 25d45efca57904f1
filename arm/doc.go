// Package arm implements tenant.Access over Azure Resource Manager's
// authorization provider (armauthorization): the role definitions
// assignable at a scope and the role assignments made there. It is the
// only package that imports the ARM SDK, and no SDK type leaves it.
//
// It authenticates like graph and keyvault (endpoints.Config: a static
// token, or azidentity's default chain), asks for tokens for the cloud's
// Resource Manager audience, sends the product first in every User-Agent,
// and leaves every retry to the caller (tenant.RetryPolicy): azcore's own
// retries are off, and failures come back as *tenant.Error with a kind.
package arm
