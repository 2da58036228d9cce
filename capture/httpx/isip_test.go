package httpx

import (
	"net"
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
