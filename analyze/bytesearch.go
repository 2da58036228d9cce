package analyze

import "bytes"

// containsAt reports whether s contains sep, looking for sep's byte at k
// first. bytes.Contains starts from sep's first byte, and the needles the
// facts look for in every JSON response (`"errors"`, `:Error`,
// `access_token`) begin with bytes JSON is full of: quotes, colons and
// common letters, each a false start. Anchored on a byte that is rare in
// JSON (the `E` of `:Error`, the `_` of `access_token`), the search is one
// vectorised IndexByte over the body; it was a third of the engine's cost
// per flow on small SCIM resources.
func containsAt(s, sep []byte, k int) bool {
	n := len(sep)
	c := sep[k]
	for i := k; i <= len(s)-n+k; i++ {
		j := bytes.IndexByte(s[i:len(s)-n+k+1], c)
		if j < 0 {
			return false
		}
		i += j
		if bytes.Equal(s[i-k:i-k+n], sep) {
			return true
		}
	}
	return false
}
