package analyze

import (
	"testing"
	"time"
)

func TestParseCookieDate(t *testing.T) {
	want := time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)
	for _, s := range []string{
		"Wed, 21 Oct 2015 07:28:00 GMT",     // RFC 1123
		"Wednesday, 21-Oct-15 07:28:00 GMT", // RFC 850
		"Wed, 21-Oct-2015 07:28:00 GMT",     // Netscape
		"Wed Oct 21 07:28:00 2015",          // asctime
		"21 Oct 2015 07:28:00",
	} {
		got, ok := parseCookieDate(s)
		if !ok || !got.Equal(want) {
			t.Errorf("parseCookieDate(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "tomorrow", "Wed, 31 Feb 2015 07:28:00 GMT", "Wed, 21 Oct 1600 07:28:00 GMT", "Wed, 21 Oct 2015 25:00:00 GMT"} {
		if got, ok := parseCookieDate(s); ok {
			t.Errorf("parseCookieDate(%q) = %v, want failure", s, got)
		}
	}
}

func TestParseSetCookie(t *testing.T) {
	c, ok := parseSetCookie(`JSESSIONID="ab c"; path=/admin; DOMAIN=.Example.com; secure; HttpOnly; SameSite=None; Max-Age=-5; expires=Wed, 21 Oct 2015 07:28:00 GMT`)
	if !ok || c.Name != "JSESSIONID" || c.Value != "ab c" || c.Path != "/admin" || c.Domain != "example.com" ||
		!c.Secure || !c.HTTPOnly || c.SameSite != "none" || !c.HasMaxAge || c.MaxAge != -5 || !c.HasExpires {
		t.Errorf("parsed %+v", c)
	}
	c, _ = parseSetCookie("a=1; Path=relative; Max-Age=12x")
	if c.Path != "" || c.HasMaxAge {
		t.Errorf("a relative Path and a bad Max-Age must be ignored: %+v", c)
	}
	c, _ = parseSetCookie("a=1; Path=/x; Path=/y")
	if c.Path != "/y" {
		t.Errorf("the last Path wins: %q", c.Path)
	}
	for _, bad := range []string{"novalue", "=x", " ; Path=/"} {
		if _, ok := parseSetCookie(bad); ok {
			t.Errorf("parseSetCookie(%q) accepted", bad)
		}
	}
}

func TestDefaultPathAndPathMatch(t *testing.T) {
	for in, want := range map[string]string{"": "/", "/": "/", "/login": "/", "/admin/auth/login": "/admin/auth", "x": "/"} {
		if got := defaultPath(in); got != want {
			t.Errorf("defaultPath(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tc := range []struct {
		req, cookie string
		match       bool
	}{
		{"/app", "/app", true}, {"/app/x", "/app", true}, {"/app/x", "/app/", true},
		{"/application", "/app", false}, {"/", "/app", false}, {"/APP", "/app", false},
	} {
		if got := pathMatch(tc.req, tc.cookie); got != tc.match {
			t.Errorf("pathMatch(%q, %q) = %v", tc.req, tc.cookie, got)
		}
	}
}

func TestChromeJoinedSetCookie(t *testing.T) {
	c := newCapt()
	c.add("GET", api+"/login", 200, setCookieHdr("a=1; Path=/\nJSESSIONID=z; Path=/; HttpOnly"))
	c.add("GET", api+"/users", 401, append(refused401(restlet401), cookieHdr("a=1"))...)
	got := c.runWith(NewDroppedCookie())
	expectExactly(t, got, want{KindDroppedCookie, 2, Error})
	if got[0].Missing[0].Name != "JSESSIONID" {
		t.Errorf("missing %+v", got[0].Missing)
	}
}
