package httpx

import (
	"testing"
	"time"
)

// The Expires values measured against Apache HttpClient 4.5.14's
// DefaultCookieSpec and RFC6265CookieSpec (relaxed: CookieSpecs.STANDARD)
// parse and validate, as the analyzer's doc comment tables them.
func TestApacheExpiresAsMeasured(t *testing.T) {
	for _, tc := range []struct {
		expires       string
		def, standard bool // kept by the default spec, by STANDARD
	}{
		{"Wed, 02 Dec 2026 10:00:00 GMT", false, true},
		{"Wed, 02-Dec-2026 10:00:00 GMT", true, true},
		{"Wed, 02-Dec-26 10:00:00 GMT", true, true},
		{"Wednesday, 02-Dec-26 10:00:00 GMT", true, true},
		{"Wed Dec  2 10:00:00 2026", false, true},
		{"2026-12-02T10:00:00Z", false, false},
		{"02 Dec 2026 10:00:00 GMT", false, true},
		{"Mon, 02-Dec-2026 10:00:00 GMT", true, true},
		{"Wed, 02 Dec 2026 10:00:00 +0000", false, true},
		{"Wed, 02-Dec-2026 10:00:00 UTC", true, true},
		{"Wed, 2 Dec 2026 10:00:00 GMT", false, true},
		{"Wed, 02-dec-2026 10:00:00 GMT", true, true},
		{"Wed, 02-Dec-2026 10:00:00 +0000", true, true},
		{"Wed, 02-Dec-2026 10:00:00", false, true},
		{"Thu, 01 Jan 1970 00:00:00 GMT", false, true},
		{"Thu, 01-Jan-1970 00:00:00 GMT", true, true},
		{`"Wed, 02 Dec 2026 10:00:00 GMT"`, false, true},
		{"02-Dec-2026 10:00:00 GMT", false, true},
		{"Wed,02-Dec-2026 10:00:00 GMT", false, true},
		{"Wed, 2-Dec-2026 10:00:00 GMT", true, true},
		{"Wed, 02-Dec-2026 10:00 GMT", false, false},
		{"Wed, 02-Dec-2026 10:00:00 PST", true, true},
		{"Wed, 02-Dec-2026 10:00:00 GMTjunk", true, true},
		{"Wed, 02-December-2026 10:00:00 GMT", true, true},
		{"Wed, 02 Dec 26 10:00:00 GMT", false, true},
		{"", false, true},
	} {
		c, ok := ParseSetCookie("SID=abc; Expires=" + tc.expires + "; Path=/")
		if !ok {
			t.Fatalf("%q not parsed", tc.expires)
		}
		if got := ApacheDefaultRejects(c) == ""; got != tc.def {
			t.Errorf("default spec keeps %q: %v, measured %v", tc.expires, got, tc.def)
		}
		if got := ApacheAnySpecRejects(c) == ""; got != tc.standard {
			t.Errorf("STANDARD keeps %q: %v, measured %v", tc.expires, got, tc.standard)
		}
	}
	for _, line := range []string{"SID=abc; Max-Age=3600; Path=/", "SID=abc; Path=/; HttpOnly"} {
		c, _ := ParseSetCookie(line)
		if ApacheDefaultRejects(c) != "" || ApacheAnySpecRejects(c) != "" {
			t.Errorf("%q: no Expires, kept by every spec", line)
		}
	}
	c, _ := ParseSetCookie("SID=abc; Max-Age=3600; Expires=Wed, 02 Dec 2026 10:00:00 GMT; Path=/")
	if ApacheDefaultRejects(c) == "" {
		t.Errorf("Max-Age does not save an RFC 1123 Expires from the default spec")
	}
	if got := NetscapeDate(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)); got != "Wed, 02-Dec-2026 10:00:00 GMT" {
		t.Errorf("NetscapeDate %q", got)
	}
}
