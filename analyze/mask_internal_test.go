package analyze

import (
	"strings"
	"testing"
)

// maskSecret slices valid UTF-8 by hand: the same as by runes.
func TestMaskSecretByRunes(t *testing.T) {
	byRunes := func(v string) string {
		r := []rune(v)
		n := len(r)
		if n <= 8 {
			return strings.Repeat("•", n)
		}
		return string(r[:4]) + "…" + string(r[n-2:])
	}
	for _, v := range []string{"", "a", "12345678", "123456789", "D37E6162A9B04C1F8E2D5B7A9C3E5966", "ééééééééé", "日本語のパスワード文字", "ab\xffcdefghij", "abc€defgh€i"} {
		if got, want := maskSecret(v), byRunes(v); got != want {
			t.Errorf("maskSecret(%q) = %q, want %q", v, got, want)
		}
	}
}
