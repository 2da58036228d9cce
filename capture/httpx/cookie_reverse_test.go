package httpx

import "testing"

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
