package analyze

import (
	"strings"
	"testing"
)

func TestLowerScheme(t *testing.T) {
	for _, s := range []string{"Basic", "Bearer", "Negotiate", "NTLM", "Digest", "basic", "BEARER", "DPoP", "", "Kerberos"} {
		if got := lowerScheme(s); got != strings.ToLower(s) {
			t.Errorf("lowerScheme(%q) = %q", s, got)
		}
	}
}
