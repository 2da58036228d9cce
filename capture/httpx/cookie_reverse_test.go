package httpx

import (
	"strings"
	"testing"
)

func TestForReverseClient(t *testing.T) {
	for _, tc := range []struct{ line, base, want string }{
		{"JSESSIONID=a1; Path=/; Secure; HttpOnly", "", "JSESSIONID=a1; Path=/; HttpOnly"},
		{"SESSION=x; Domain=scim.example.com; Path=/base; secure; SameSite=None", "/base", "SESSION=x; Path=/; SameSite=None"},
		{"sid=1; path=/base/api; HttpOnly", "/base", "sid=1; path=/api; HttpOnly"},
		{"sid=1; Path=/basement", "/base", "sid=1; Path=/basement"}, // not under /base: unchanged
		{"lang=en; Path=/", "", "lang=en; Path=/"},                  // nothing to change: the very line
		{"__Host-sid=1; Path=/; Secure", "", "__Host-sid=1; Path=/; Secure"},
		{"theme=dark", "", "theme=dark"},
		{"a=b; Max-Age=60; Secure", "", "a=b; Max-Age=60"},
	} {
		if got := ForReverseClient(tc.line, tc.base); got != tc.want {
			t.Errorf("ForReverseClient(%q, %q) = %q, want %q", tc.line, tc.base, got, tc.want)
		}
	}
}

// FuzzForReverseClient: the rewritten line is the same cookie (name,
// value, every other attribute) without Secure and Domain, unless its
// name's prefix demands them.
func FuzzForReverseClient(f *testing.F) {
	for _, s := range []string{"JSESSIONID=a1; Path=/scim; Domain=x.example; Secure; HttpOnly", "a=b", "a=b;;secure;", "__Host-x=1; Secure; Path=/",
		"sid=1; Path=/base/api; Max-Age=60; SameSite=None", "=x; Secure", "a=b; domain; path"} {
		f.Add(s, "/base")
	}
	f.Fuzz(func(t *testing.T, line, base string) {
		got := ForReverseClient(line, base)
		before, okBefore := ParseSetCookie(line)
		after, okAfter := ParseSetCookie(got)
		if okBefore != okAfter {
			t.Fatalf("%q → %q: ok %v → %v", line, got, okBefore, okAfter)
		}
		if !okBefore {
			return
		}
		if before.Name != after.Name || before.Value != after.Value || before.HTTPOnly != after.HTTPOnly ||
			before.MaxAge != after.MaxAge || before.HasMaxAge != after.HasMaxAge || before.SameSite != after.SameSite {
			t.Fatalf("%q → %q: %+v → %+v", line, got, before, after)
		}
		prefixed := strings.HasPrefix(strings.TrimSpace(before.Name), "__Secure-") || strings.HasPrefix(strings.TrimSpace(before.Name), "__Host-")
		if !prefixed && (after.Secure || after.Domain != "") {
			t.Fatalf("%q → %q still has Secure or Domain", line, got)
		}
		if prefixed && got != line {
			t.Fatalf("a prefixed cookie was changed: %q → %q", line, got)
		}
	})
}
