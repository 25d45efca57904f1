package endpoints

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    map[string]string
		wantErr string
	}{
		{name: "public default", env: nil, want: map[string]string{
			"graph": "https://graph.microsoft.com/v1.0", "host": "graph.microsoft.com", "scope": "https://graph.microsoft.com/.default",
			"vault": "https://kv.vault.azure.net", "authority": "https://login.microsoftonline.com/", "overridden": "false",
		}},
		{name: "usgov", env: map[string]string{EnvCloud: "AzureUSGovernment"}, want: map[string]string{
			"graph": "https://graph.microsoft.us/v1.0", "host": "graph.microsoft.us", "scope": "https://graph.microsoft.us/.default",
			"vault": "https://kv.vault.usgovcloudapi.net", "authority": "https://login.microsoftonline.us/", "overridden": "false",
		}},
		{name: "china", env: map[string]string{EnvCloud: "china"}, want: map[string]string{
			"graph": "https://microsoftgraph.chinacloudapi.cn/v1.0", "host": "microsoftgraph.chinacloudapi.cn", "scope": "https://microsoftgraph.chinacloudapi.cn/.default",
			"vault": "https://kv.vault.azure.cn", "authority": "https://login.chinacloudapi.cn/", "overridden": "false",
		}},
		{name: "emulator overrides", env: map[string]string{
			EnvGraphURL: "https://127.0.0.1:8443/v1.0/", EnvKeyVaultURL: "https://127.0.0.1:8443/vaults/{vault}", EnvToken: "t",
		}, want: map[string]string{
			"graph": "https://127.0.0.1:8443/v1.0", "host": "127.0.0.1", "scope": "https://127.0.0.1:8443/.default",
			"vault": "https://127.0.0.1:8443/vaults/kv", "authority": "https://login.microsoftonline.com/", "overridden": "true",
		}},
		{name: "unknown cloud", env: map[string]string{EnvCloud: "mars"}, wantErr: "unknown cloud"},
		{name: "plain http graph", env: map[string]string{EnvGraphURL: "http://127.0.0.1/v1.0"}, wantErr: "https://"},
		{name: "vault template without placeholder", env: map[string]string{EnvKeyVaultURL: "https://127.0.0.1/vaults/kv"}, wantErr: "{vault}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := FromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{
				"graph": cfg.GraphBaseURL(), "host": cfg.GraphHost(), "scope": cfg.GraphScope(),
				"vault": cfg.VaultURLFor("kv"), "authority": cfg.AuthorityHost(),
				"overridden": map[bool]string{true: "true", false: "false"}[cfg.VaultOverridden()],
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestStaticTokenCredential(t *testing.T) {
	cred, err := Config{Token: "abc"}.Credential()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(t.Context(), policyOptions())
	if err != nil || tok.Token != "abc" {
		t.Errorf("GetToken = %q, %v; want abc", tok.Token, err)
	}
}

func TestBadCA(t *testing.T) {
	if err := (Config{CACertPEM: []byte("not pem")}).Validate(); err == nil {
		t.Error("Validate accepted a CA without a certificate")
	}
}
