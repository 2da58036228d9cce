package har

import (
	"net/url"
	"strings"
	"testing"
)

// checkPlainURL: where plainURL splits a URL, url.Parse accepts it with the
// same scheme, host name and port.
func checkPlainURL(t *testing.T, s string) {
	t.Helper()
	scheme, host, port, ok := plainURL(s)
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
