package har

import (
	"net/url"
	"strings"
	"testing"
)

// checkPlainURL: plainURL gives what referencePlainURL gives, and where it
// splits a URL, url.Parse accepts it with the same scheme, host name and port.
func checkPlainURL(t *testing.T, s string) {
	t.Helper()
	scheme, host, port, ok := plainURL(s)
	if rs, rh, rp, rok := referencePlainURL(s); scheme != rs || host != rh || port != rp || ok != rok {
		t.Fatalf("plainURL(%q) = %q %q %q %v; reference: %q %q %q %v", s, scheme, host, port, ok, rs, rh, rp, rok)
	}
	if !ok {
		return
	}
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("plainURL(%q) = %q %q %q; url.Parse: %v", s, scheme, host, port, err)
	}
	if want := strings.ToLower(u.Scheme); scheme != want || host != u.Hostname() || port != u.Port() {
		t.Fatalf("plainURL(%q) = %q %q %q; url.Parse: %q %q %q", s, scheme, host, port, want, u.Hostname(), u.Port())
	}
}

var plainURLCases = []string{
	"https://gw.example.com/scim/v2/Users?filter=userName%20eq%20%22svc%22&k=1",
	"http://a:8080/", "HTTP://A.B:/x", "http://a:08", "http://a:99999999999999999999/",
	"http://a/b%zz", "http://a/b?%zz", "http://a/b%2", "http://a/b%2f?", "http://a?", "http://a/??",
	"http://a:1:2/", "http://[::1]:80/", "http://u@a/", "http://a/#f", "http:///x", "http://",
	"h+s.-1://x_y~z/p q", "http://a/\x7f", "http://a/é", "1http://a/", "http:/a", "mailto:x",
	"http://a%41/", "http://a/b/../c", "ws://h:/", "http://a:b/",
	"http://a?b#", "http://a?b\x01", "http://a?%", "http://a/%41%", "http://a/%4", "http://a/b?c/d%zz#", "http://a:1?x", "http://:1/",
	"http://a\x00b/", "http://a/p\x7f?q", "h://a:/b?", "http://a/%2F%2f",
}

// referencePlainURL is plainURL as it was, a few passes over the URL.
func referencePlainURL(s string) (scheme, host, port string, ok bool) {
	if s == "" || !isLetter(s[0]) {
		return "", "", "", false
	}
	i := 1
	for i < len(s) && (isLetter(s[i]) || '0' <= s[i] && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.') {
		i++
	}
	if i+3 > len(s) || s[i:i+3] != "://" {
		return "", "", "", false
	}
	scheme = s[:i]
	for j := 0; j < len(s); j++ {
		if c := s[j]; c < ' ' || c == 0x7f || c == '#' {
			return "", "", "", false
		}
	}
	rest := s[i+3:]
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		rest = rest[:q]
	}
	authority, path := rest, ""
	if p := strings.IndexByte(rest, '/'); p >= 0 {
		authority, path = rest[:p], rest[p:]
	}
	colon := -1
	for j := 0; j < len(authority); j++ {
		switch c := authority[j]; {
		case isLetter(c), '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			if colon >= 0 && !('0' <= c && c <= '9') {
				return "", "", "", false
			}
		case c == ':' && colon < 0:
			colon = j
		default:
			return "", "", "", false
		}
	}
	host = authority
	if colon >= 0 {
		host, port = authority[:colon], authority[colon+1:]
	}
	if host == "" {
		return "", "", "", false
	}
	for j := 0; j < len(path); j++ {
		if path[j] == '%' && (j+2 >= len(path) || !isHex(path[j+1]) || !isHex(path[j+2])) {
			return "", "", "", false
		}
	}
	return strings.ToLower(scheme), host, port, true
}

func TestPlainURL(t *testing.T) {
	for _, s := range plainURLCases {
		checkPlainURL(t, s)
	}
	if _, _, _, ok := plainURL(plainURLCases[0]); !ok {
		t.Errorf("plainURL(%q) not split", plainURLCases[0])
	}
}

func FuzzPlainURL(f *testing.F) {
	for _, s := range plainURLCases {
		f.Add(s)
	}
	f.Fuzz(checkPlainURL)
}
