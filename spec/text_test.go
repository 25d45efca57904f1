package spec

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/diag"
)

// textHead is lines 1-4 of every hidden-character case; the case's
// applications start at line 5.
const textHead = "version: 1\ntenant: contoso.com\nset: fhir\napplications:\n"

// TestHiddenCharacters: control and format characters are refused in every
// key and string, at the string, with the code point, its name and class,
// and the character's index; descriptions and notes alone may hold line
// breaks and tabs.
func TestHiddenCharacters(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string
		reason    string
	}{
		{
			name: "right-to-left override in a display name, written raw",
			doc:  "  web:\n    kind: service\n    displayName: Payroll \u202Egpj.exe\n    secret: {vault: kv-one}\n",
			want: []string{"7:18 applications.web.displayName: applications.web.displayName holds U+202E (right-to-left override, a format character) at character 9"},
		},
		{
			name: "the same character from a YAML escape",
			doc:  "  web:\n    kind: service\n    displayName: \"Payroll \\u202Egpj.exe\"\n    secret: {vault: kv-one}\n",
			want: []string{"7:18 applications.web.displayName: applications.web.displayName holds U+202E (right-to-left override, a format character) at character 9"},
		},
		{
			name:   "format characters are refused in a description too",
			doc:    "  web:\n    kind: service\n    description: \"line one\\nline two \\u2067hidden\\u2069\"\n    secret: {vault: kv-one}\n",
			want:   []string{"7:18 applications.web.description: applications.web.description holds U+2067 (right-to-left isolate, a format character) at character 19 (and 1 hidden character more)"},
			reason: "the line feed is allowed in a description, the isolates are not; the pop isolate is counted",
		},
		{
			name: "zero-width space in a redirect URI",
			doc:  "  web:\n    kind: confidential\n    secret: {vault: kv-one}\n    redirectUris:\n      - https://pay\u200Broll.contoso.com/cb\n",
			want: []string{"9:9 applications.web.redirectUris[0]: applications.web.redirectUris[0] holds U+200B (zero width space, a format character) at character 12"},
		},
		{
			name: "zero-width joiner in a scope's key",
			doc:  "  api:\n    kind: resource\n    identifierUris: [api://api]\n    scopes:\n      re\u200Dad: {}\n",
			want: []string{
				`9:7 applications.api.scopes["re\u200dad"]: "re\u200dad" is not a valid scope or role value in applications.api.scopes`,
				`9:7 applications.api.scopes["re\u200dad"]: the key of applications.api.scopes["re\u200dad"] holds U+200D (zero width joiner, a format character) at character 3`,
			},
			reason: "the schema's pattern refuses the key too; both are reported",
		},
		{
			name: "byte order mark inside notes",
			doc:  "  web:\n    kind: service\n    notes: \"ticket \\uFEFF42\"\n    secret: {vault: kv-one}\n",
			want: []string{"7:12 applications.web.notes: applications.web.notes holds U+FEFF (zero width no-break space (byte order mark), a format character) at character 8"},
		},
		{
			name: "soft hyphen in a tag",
			doc:  "  web:\n    kind: service\n    tags: [ok, \"pay\u00ADroll\"]\n    secret: {vault: kv-one}\n",
			want: []string{"7:16 applications.web.tags[1]: applications.web.tags[1] holds U+00AD (soft hyphen, a format character) at character 4"},
		},
		{
			name: "escape character in an identifier URI",
			doc:  "  api:\n    kind: resource\n    identifierUris: [\"api://a\\x1b[8mpi\"]\n",
			want: []string{
				"7:22 applications.api.identifierUris[0]: applications.api.identifierUris[0] holds U+001B (escape, a control character) at character 8",
				`7:22 applications.api.identifierUris[0]: identifier URI "api://a\x1b[8mpi" is not well formed`,
			},
		},
		{
			name:   "a line break in a single-line value",
			doc:    "  web:\n    kind: service\n    displayName: \"Payroll\\nApproved by security\"\n    secret: {vault: kv-one}\n",
			want:   []string{"7:18 applications.web.displayName: applications.web.displayName holds U+000A (line feed, a control character) at character 8"},
			reason: "a second line can pass for another field in a review",
		},
		{
			name: "line breaks and tabs in descriptions and notes are fine",
			doc: "  web:\n    kind: service\n    description: |\n      First line.\n      \tIndented with a tab.\n    notes: \"a\\tb\\nc\"\n    secret: {vault: kv-one}\n" +
				"  api:\n    kind: resource\n    identifierUris: [api://api]\n    scopes:\n      read: {adminConsentDescription: \"one\\ntwo\", userConsentDescription: \"one\\ttwo\"}\n" +
				"    appRoles:\n      reader: {memberTypes: [Application], description: \"one\\ntwo\"}\n",
		},
		{
			name:   "a carriage return is refused even in a description",
			doc:    "  web:\n    kind: service\n    description: \"Harmless\\rEvil\"\n    secret: {vault: kv-one}\n",
			want:   []string{"7:18 applications.web.description: applications.web.description holds U+000D (carriage return, a control character) at character 9"},
			reason: "a carriage return lets the text after it overwrite the text before it on a terminal",
		},
		{
			name: "isolate in a federated subject, line separator in a claim name",
			doc: "  web:\n    kind: service\n    federatedCredentials:\n      gh:\n        issuer: https://token.actions.githubusercontent.com\n        subject: \"repo:contoso/app:\\u2066ref:refs/heads/main\"\n" +
				"    optionalClaims:\n      idToken: [{name: \"email\\u2028\"}]\n",
			want: []string{
				"10:18 applications.web.federatedCredentials.gh.subject: applications.web.federatedCredentials.gh.subject holds U+2066 (left-to-right isolate, a format character) at character 18",
				"12:24 applications.web.optionalClaims.idToken[0].name: applications.web.optionalClaims.idToken[0].name holds U+2028 (line separator, a line break) at character 6",
			},
		},
		{
			name: "a tag character",
			doc:  "  web:\n    kind: service\n    displayName: \"A\\U000E0041\"\n    secret: {vault: kv-one}\n",
			want: []string{"7:18 applications.web.displayName: applications.web.displayName holds U+E0041 (a tag character, a format character) at character 2"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := Parse("r.yaml", []byte(textHead+tc.doc))
			var errs diag.Diagnostics
			for _, d := range ds {
				if d.Severity == diag.Error {
					errs = append(errs, d)
				}
			}
			got := brief(errs)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("diagnostics (-want +got):\n%s\nreason: %s", d, tc.reason)
			}
		})
	}
}
