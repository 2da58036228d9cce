package analyze

import (
	"net/url"
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
		return dots[:n*len("•")]
	}
	if !utf8.ValidString(v) {
		r := []rune(v) // invalid bytes shown as U+FFFD
		return string(r[:4]) + "…" + string(r[n-2:])
	}
	head := 0
	for i := 0; i < 4; i++ {
		_, size := utf8.DecodeRuneInString(v[head:])
		head += size
	}
	tail := len(v)
	for i := 0; i < 2; i++ {
		_, size := utf8.DecodeLastRuneInString(v[:tail])
		tail -= size
	}
	return v[:head] + "…" + v[tail:]
}

// dots are what maskSecret shows of a short value, one per character.
var dots = strings.Repeat("•", 8)

// maskValue masks the value of a credential header or parameter and only
// shortens others (a tenant name, a version).
func maskValue(name, v string) string {
	if httpx.IsCredentialHeader(name) || httpx.IsCredentialParam(name) {
		return maskSecret(v)
	}
	return shorten(v, 32)
}

// MaskTarget is a request target (path and query) with the values of its
// credential parameters masked (subscription-key=6c1f…e5): what a report
// or the findings pane shows of a request that is the evidence.
func MaskTarget(target string) string {
	path, query, ok := strings.Cut(target, "?")
	if !ok {
		return target
	}
	parts := strings.Split(query, "&")
	changed := false
	for i, p := range parts {
		name, value, hasValue := strings.Cut(p, "=")
		if !hasValue || value == "" {
			continue
		}
		if n, err := url.QueryUnescape(name); err == nil && httpx.IsCredentialParam(n) {
			v, _ := url.QueryUnescape(value)
			parts[i] = name + "=" + maskSecret(v)
			changed = true
		}
	}
	if !changed {
		return target
	}
	return path + "?" + strings.Join(parts, "&")
}
