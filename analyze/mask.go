package analyze

import (
	"strings"
	"unicode/utf8"

	"github.com/provtap/provtap/capture/httpx"
)

// maskSecret shows enough of a secret to recognise it and not enough to
// reuse it: "D37E…66", a scheme word kept ("Basic cHJv…g="); short values
// become dots. Reports are pasted into tickets and forum posts.
func maskSecret(v string) string {
	if scheme, rest, ok := strings.Cut(v, " "); ok && len(scheme) < 12 && strings.TrimSpace(rest) != "" {
		return scheme + " " + maskSecret(strings.TrimSpace(rest))
	}
	n := utf8.RuneCountInString(v)
	if n <= 8 {
		return strings.Repeat("•", n)
	}
	r := []rune(v)
	return string(r[:4]) + "…" + string(r[n-2:])
}

// maskValue masks the value of a credential header or parameter and only
// shortens others (a tenant name, a version).
func maskValue(name, v string) string {
	if httpx.IsCredentialHeader(name) || httpx.IsCredentialParam(name) {
		return maskSecret(v)
	}
	return shorten(v, 32)
}
