package endpoints

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Cloud is an Azure cloud: it picks the Graph base URL, the Key Vault host
// suffix and the Entra authority host.
type Cloud string

// The clouds regsync knows. The zero value means Public.
const (
	Public Cloud = "public"
	USGov  Cloud = "usgov"
	China  Cloud = "china"
)

// ParseCloud accepts the names of Cloud (case-insensitive) and a few common
// aliases; "" is Public.
func ParseCloud(s string) (Cloud, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "public", "azurecloud", "azurepublic", "global":
		return Public, nil
	case "usgov", "usgovernment", "azureusgovernment", "azuregovernment":
		return USGov, nil
	case "china", "azurechina", "azurechinacloud":
		return China, nil
	}
	return "", fmt.Errorf("unknown cloud %q: want public, usgov or china", s)
}

// cloudInfo is what each cloud implies.
type cloudInfo struct {
	graphURL    string // base URL including /v1.0
	vaultSuffix string // DNS suffix of vault hosts
	authority   cloud.Configuration
	// armURL is Azure Resource Manager's endpoint and armAudience the
	// resource its tokens are issued for (azcore's arm/runtime registers
	// the same pairs for the three clouds).
	armURL, armAudience string
}

func (c Cloud) info() cloudInfo {
	switch c {
	case "", Public:
		return cloudInfo{"https://graph.microsoft.com/v1.0", "vault.azure.net", cloud.AzurePublic,
			"https://management.azure.com", "https://management.core.windows.net/"}
	case USGov:
		return cloudInfo{"https://graph.microsoft.us/v1.0", "vault.usgovcloudapi.net", cloud.AzureGovernment,
			"https://management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net/"}
	case China:
		return cloudInfo{"https://microsoftgraph.chinacloudapi.cn/v1.0", "vault.azure.cn", cloud.AzureChina,
			"https://management.chinacloudapi.cn", "https://management.core.chinacloudapi.cn/"}
	default:
		panic(fmt.Sprintf("internal error: unknown endpoints.Cloud %q", string(c)))
	}
}

// Environment variables read by FromEnv. docs/auth.md documents them.
const (
	EnvCloud       = "REGSYNC_CLOUD"
	EnvGraphURL    = "REGSYNC_GRAPH_URL"
	EnvKeyVaultURL = "REGSYNC_KEYVAULT_URL"
	EnvToken       = "REGSYNC_TOKEN"
	EnvTenantID    = "REGSYNC_TENANT_ID"
	EnvARMURL      = "REGSYNC_ARM_URL"
)

// VaultPlaceholder is replaced by a vault name in a vault URL template.
const VaultPlaceholder = "{vault}"

// Config says where Graph and Key Vault are and how to authenticate.
// The zero value is the public cloud with azidentity's default chain.
type Config struct {
	Cloud Cloud
	// GraphURL overrides the cloud's Graph base URL (it includes /v1.0).
	GraphURL string
	// VaultURL overrides the cloud's vault URL template; it must hold
	// "{vault}", e.g. https://127.0.0.1:8443/vaults/{vault}.
	VaultURL string
	// ARMURL overrides the cloud's Azure Resource Manager endpoint
	// (https://management.azure.com for the public cloud).
	ARMURL string
	// Token is a static bearer token sent to every service instead of
	// asking azidentity for one (for emulators and tests).
	Token string
	// TenantID is the tenant azidentity signs in to (optional).
	TenantID string
	// CACertPEM holds extra root CAs (PEM) trusted besides the system pool.
	// Go already honours SSL_CERT_FILE for the system pool.
	CACertPEM []byte
}

// FromEnv reads the REGSYNC_* variables through getenv.
func FromEnv(getenv func(string) string) (Config, error) {
	c, err := ParseCloud(getenv(EnvCloud))
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", EnvCloud, err)
	}
	cfg := Config{
		Cloud:    c,
		GraphURL: strings.TrimSpace(getenv(EnvGraphURL)),
		VaultURL: strings.TrimSpace(getenv(EnvKeyVaultURL)),
		ARMURL:   strings.TrimSpace(getenv(EnvARMURL)),
		Token:    strings.TrimSpace(getenv(EnvToken)),
		TenantID: strings.TrimSpace(getenv(EnvTenantID)),
	}
	return cfg, cfg.Validate()
}

// Validate checks the overrides.
func (c Config) Validate() error {
	if _, err := ParseCloud(string(c.Cloud)); err != nil {
		return err
	}
	if c.GraphURL != "" {
		if _, err := parseHTTPS(c.GraphURL); err != nil {
			return fmt.Errorf("graph URL: %w", err)
		}
	}
	if c.VaultURL != "" {
		if !strings.Contains(c.VaultURL, VaultPlaceholder) {
			return fmt.Errorf("key vault URL %q: must contain %s", c.VaultURL, VaultPlaceholder)
		}
		if _, err := parseHTTPS(strings.ReplaceAll(c.VaultURL, VaultPlaceholder, "v")); err != nil {
			return fmt.Errorf("key vault URL: %w", err)
		}
	}
	if c.ARMURL != "" {
		if _, err := parseHTTPS(c.ARMURL); err != nil {
			return fmt.Errorf("azure resource manager URL: %w", err)
		}
	}
	if len(c.CACertPEM) > 0 {
		if !x509.NewCertPool().AppendCertsFromPEM(c.CACertPEM) {
			return errors.New("CA certificate: no PEM certificate found")
		}
	}
	return nil
}

func parseHTTPS(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%q: want an https:// URL", raw)
	}
	return u, nil
}

// GraphBaseURL is the Graph base URL in force, without a trailing slash.
func (c Config) GraphBaseURL() string {
	if c.GraphURL != "" {
		return strings.TrimRight(c.GraphURL, "/")
	}
	return c.Cloud.info().graphURL
}

// GraphOrigin is scheme://host[:port] of the Graph base URL.
func (c Config) GraphOrigin() string {
	u, err := url.Parse(c.GraphBaseURL())
	if err != nil {
		return c.GraphBaseURL()
	}
	return u.Scheme + "://" + u.Host
}

// GraphHost is the host name (no port) of the Graph base URL: the one host
// the bearer token may be sent to.
func (c Config) GraphHost() string {
	u, err := url.Parse(c.GraphBaseURL())
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// GraphScope is the OAuth scope of Graph tokens: the origin of the Graph
// URL plus /.default (the cloud's origin for a real tenant).
func (c Config) GraphScope() string {
	return strings.TrimRight(c.GraphOrigin(), "/") + "/.default"
}

// ARMBaseURL is the Azure Resource Manager endpoint in force, without a
// trailing slash.
func (c Config) ARMBaseURL() string {
	if c.ARMURL != "" {
		return strings.TrimRight(c.ARMURL, "/")
	}
	return c.Cloud.info().armURL
}

// ARMAudience is the resource ARM tokens are asked for: the cloud's
// (https://management.core.windows.net/ for the public cloud), also when
// the endpoint is overridden, so a token never names another resource.
func (c Config) ARMAudience() string { return c.Cloud.info().armAudience }

// AuthorityCloud is azcore's configuration of the cloud's authority, for
// SDK clients that take one.
func (c Config) AuthorityCloud() cloud.Configuration { return c.Cloud.info().authority }

// VaultURLFor returns the URL of a vault by name.
func (c Config) VaultURLFor(vault string) string {
	tmpl := c.VaultURL
	if tmpl == "" {
		tmpl = "https://" + VaultPlaceholder + "." + c.Cloud.info().vaultSuffix
	}
	return strings.ReplaceAll(tmpl, VaultPlaceholder, vault)
}

// VaultResource is the Key Vault resource of the cloud, as Key Vault names
// it in its challenge (https://vault.azure.net for the public cloud): the
// only resource regsync asks a token for on behalf of a vault that is not
// on a loopback address.
func (c Config) VaultResource() string { return "https://" + c.Cloud.info().vaultSuffix }

// IsLoopback reports whether host (a host name or IP, without a port) is a
// loopback address or "localhost", where an emulator runs; no other
// machine can answer there.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// VaultOverridden reports whether the vault URL comes from an override,
// in which case the Key Vault challenge's resource cannot be verified
// against the host (a loopback address never matches it).
func (c Config) VaultOverridden() bool { return c.VaultURL != "" }

// AuthorityHost is the Entra authority of the cloud.
func (c Config) AuthorityHost() string { return c.Cloud.info().authority.ActiveDirectoryAuthorityHost }

// Transport returns the base HTTP transport: Go's defaults plus the extra
// CAs of CACertPEM.
func (c Config) Transport() (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if len(c.CACertPEM) == 0 {
		return t, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(c.CACertPEM) {
		return nil, errors.New("CA certificate: no PEM certificate found")
	}
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return t, nil
}

// Credential returns the token source: a static token when Token is set,
// otherwise azidentity's DefaultAzureCredential (environment, workload
// identity, managed identity, Azure CLI, ...) against the cloud's
// authority.
func (c Config) Credential() (azcore.TokenCredential, error) {
	if c.Token != "" {
		return StaticToken(c.Token), nil
	}
	opts := &azidentity.DefaultAzureCredentialOptions{TenantID: c.TenantID}
	opts.Cloud = c.Cloud.info().authority
	cred, err := azidentity.NewDefaultAzureCredential(opts)
	if err != nil {
		return nil, fmt.Errorf("building the default Azure credential: %w", err)
	}
	return cred, nil
}

// StaticToken is a TokenCredential that always returns the same token.
type StaticToken string

// GetToken returns the token, valid for an hour from now.
func (t StaticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(t), ExpiresOn: time.Now().Add(time.Hour)}, nil
}
