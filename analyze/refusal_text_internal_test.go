package analyze

import (
	"strings"
	"testing"
)

// FuzzLowerJoined holds lowerJoined to strings.ToLower, whatever the
// bytes (non-ASCII ones included: ToLower maps some to ASCII).
func FuzzLowerJoined(f *testing.F) {
	for _, c := range [][2]string{{`{"detail":"Unauthorized"}`, "\nBasic realm=\"SCIM\""}, {"", "\n"}, {"Ünauthorized \xff", ""}, {"KELVIN \u212a", "\n\u212a"}} {
		f.Add([]byte(c[0]), c[1])
	}
	f.Fuzz(func(t *testing.T, body []byte, tail string) {
		if got, want := lowerJoined(body, tail), strings.ToLower(string(body)+tail); got != want {
			t.Fatalf("lowerJoined(%q, %q) = %q, want %q", body, tail, got, want)
		}
	})
}
