package analyze

import (
	"bytes"
	"testing"
)

func TestContainsAt(t *testing.T) {
	body := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"errors":[{"access_token":"x"}]}`)
	for _, sep := range []string{`"errors"`, `:Error`, `access_token`, `{"`, `}]}`, `x`, `"errorz"`} {
		for k := range len(sep) {
			for from := range len(body) + 1 {
				for to := from; to <= len(body); to++ {
					s := body[from:to]
					if got, want := containsAt(s, []byte(sep), k), bytes.Contains(s, []byte(sep)); got != want {
						t.Fatalf("containsAt(%q, %q, %d) = %v, want %v", s, sep, k, got, want)
					}
				}
			}
		}
	}
}

func FuzzContainsAt(f *testing.F) {
	f.Add([]byte(`{"errors":[]}`), []byte(`"errors"`), 4)
	f.Add([]byte(`::EE:Error`), []byte(`:Error`), 1)
	f.Add([]byte(`aaa`), []byte(`aa`), 1)
	f.Fuzz(func(t *testing.T, s, sep []byte, k int) {
		if len(sep) == 0 {
			return
		}
		k = int(uint(k) % uint(len(sep)))
		if got, want := containsAt(s, sep, k), bytes.Contains(s, sep); got != want {
			t.Fatalf("containsAt(%q, %q, %d) = %v, want %v", s, sep, k, got, want)
		}
	})
}
