package httpx

import (
	"net"
	"strings"
	"testing"
)

// isIP must agree with net.ParseIP: it only skips the parse.
func FuzzIsIP(f *testing.F) {
	for _, s := range []string{"", "1.2.3.4", "::1", "example.com", "1.2.3.4.", "fe80::1%eth0", "a:b", "0", "::ffff:1.2.3.4", "1.2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isIP(s), net.ParseIP(s) != nil; got != want {
			t.Fatalf("isIP(%q) = %v, net.ParseIP says %v", s, got, want)
		}
	})
}

// lowerKnown must be strings.ToLower: it only skips the allocation.
func FuzzLowerKnown(f *testing.F) {
	for _, s := range []string{"", "Path", "HTTPONLY", "ſecure", "max-Age", "Lax", "SAMESITE", "x-Foo", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, known := range [][]string{setCookieAttrs, sameSiteValues} {
			if got, want := lowerKnown(s, known), strings.ToLower(s); got != want {
				t.Fatalf("lowerKnown(%q) = %q, strings.ToLower says %q", s, got, want)
			}
		}
	})
}
