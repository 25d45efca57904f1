package outputs

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Formats are the renderings of Outputs.
var Formats = []string{"text", "json", "env"}

// Render writes o in format.
func Render(w io.Writer, o *Outputs, format string) error {
	switch format {
	case "", "text":
		return text(w, o)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(o)
	case "env":
		return env(w, o)
	}
	return fmt.Errorf("unknown format %q (want text, json or env)", format)
}

func text(w io.Writer, o *Outputs) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "tenant\t%s\n", o.Tenant.ID)
	fmt.Fprintf(tw, "authority\t%s\n", o.Tenant.Authority)
	for _, a := range o.Applications {
		fmt.Fprintf(tw, "\napplications.%s\t(%s) %s\n", a.Key, a.Kind, a.DisplayName)
		if !a.Applied {
			fmt.Fprintf(tw, "  not in the tenant yet\trun regsync apply\n")
			continue
		}
		row(tw, "client id", a.ClientID)
		row(tw, "object id", a.ObjectID)
		row(tw, "service principal id", a.ServicePrincipalID)
		row(tw, "audience", a.Audience)
		row(tw, "issuer", a.Issuer)
		row(tw, "scope", a.Scope)
		if a.SecretName != "" {
			row(tw, "secret", "Key Vault "+a.SecretVault+", secret "+a.SecretName)
		}
	}
	return tw.Flush()
}

func row(w io.Writer, name, value string) {
	if value != "" {
		fmt.Fprintf(w, "  %s\t%s\n", name, value)
	}
}

// env writes shell assignments, one per value: TENANT_ID, AUTHORITY and
// <KEY>_CLIENT_ID and so on, with the key in upper case and every
// character but a letter or digit as "_". Values are single-quoted, so
// `eval "$(regsync output --format env)"` is safe.
func env(w io.Writer, o *Outputs) error {
	put := func(name, value string) {
		if value != "" {
			fmt.Fprintf(w, "%s='%s'\n", name, strings.ReplaceAll(value, "'", `'\''`))
		}
	}
	put("TENANT_ID", o.Tenant.ID)
	put("AUTHORITY", o.Tenant.Authority)
	for _, a := range o.Applications {
		p := envName(a.Key) + "_"
		put(p+"CLIENT_ID", a.ClientID)
		put(p+"OBJECT_ID", a.ObjectID)
		put(p+"SERVICE_PRINCIPAL_ID", a.ServicePrincipalID)
		put(p+"AUDIENCE", a.Audience)
		put(p+"ISSUER", a.Issuer)
		put(p+"SCOPE", a.Scope)
		put(p+"SECRET_VAULT", a.SecretVault)
		put(p+"SECRET_NAME", a.SecretName)
	}
	return nil
}

func envName(key string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(key) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		s = "_" + s
	}
	return s
}
