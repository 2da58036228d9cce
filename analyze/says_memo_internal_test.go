package analyze

import (
	"strings"
	"testing"
)

// FuzzSaysMemo: the remembered answer is Refusal.says' on every text of an
// arbitrary sequence, repeated or not.
func FuzzSaysMemo(f *testing.F) {
	f.Add("session limit reached|session limit reached|no|SESSION LIMIT||active session")
	f.Add("csrf|csrf|xsrf token|csrf")
	f.Fuzz(func(t *testing.T, texts string) {
		phrases := append(append([]string(nil), sessionLimitPhrases...), "csrf", "xsrf")
		var m saysMemo
		for i, text := range strings.Split(texts, "|") {
			r := Refusal{text: text}
			if got, want := m.says(r, phrases...), r.says(phrases...); got != want {
				t.Fatalf("text %d %q: %v, want %v", i, text, got, want)
			}
		}
	})
}
