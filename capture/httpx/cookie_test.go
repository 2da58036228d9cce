package httpx

import (
	"slices"
	"strings"
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
		got, ok := ParseCookieDate(s)
		if !ok || !got.Equal(want) {
			t.Errorf("ParseCookieDate(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "tomorrow", "Wed, 31 Feb 2015 07:28:00 GMT", "Wed, 21 Oct 1600 07:28:00 GMT", "Wed, 21 Oct 2015 25:00:00 GMT"} {
		if got, ok := ParseCookieDate(s); ok {
			t.Errorf("ParseCookieDate(%q) = %v, want failure", s, got)
		}
	}
}

func TestParseSetCookie(t *testing.T) {
	c, ok := ParseSetCookie(`JSESSIONID="ab c"; path=/admin; DOMAIN=.Example.com; secure; HttpOnly; SameSite=None; Max-Age=-5; expires=Wed, 21 Oct 2015 07:28:00 GMT`)
	if !ok || c.Name != "JSESSIONID" || c.Value != "ab c" || c.Path != "/admin" || c.Domain != "example.com" ||
		!c.Secure || !c.HTTPOnly || c.SameSite != "none" || !c.HasMaxAge || c.MaxAge != -5 || !c.HasExpires {
		t.Errorf("parsed %+v", c)
	}
	c, _ = ParseSetCookie("a=1; Path=relative; Max-Age=12x")
	if c.Path != "" || c.HasMaxAge {
		t.Errorf("a relative Path and a bad Max-Age must be ignored: %+v", c)
	}
	c, _ = ParseSetCookie("a=1; Path=/x; Path=/y")
	if c.Path != "/y" {
		t.Errorf("the last Path wins: %q", c.Path)
	}
	for _, bad := range []string{"novalue", "=x", " ; Path=/"} {
		if _, ok := ParseSetCookie(bad); ok {
			t.Errorf("ParseSetCookie(%q) accepted", bad)
		}
	}
}

func TestDefaultPathAndPathMatch(t *testing.T) {
	for in, want := range map[string]string{"": "/", "/": "/", "/login": "/", "/admin/auth/login": "/admin/auth", "x": "/"} {
		if got := DefaultPath(in); got != want {
			t.Errorf("DefaultPath(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tc := range []struct {
		req, cookie string
		match       bool
	}{
		{"/app", "/app", true}, {"/app/x", "/app", true}, {"/app/x", "/app/", true},
		{"/application", "/app", false}, {"/", "/app", false}, {"/APP", "/app", false},
	} {
		if got := PathMatch(tc.req, tc.cookie); got != tc.match {
			t.Errorf("PathMatch(%q, %q) = %v", tc.req, tc.cookie, got)
		}
	}
}

func TestSetCookieLinesSplitsChromesJoinedValue(t *testing.T) {
	got := SetCookieLines([]string{"a=1; Path=/\nJSESSIONID=z; Path=/; HttpOnly", "b=2"})
	if len(got) != 3 || got[1] != "JSESSIONID=z; Path=/; HttpOnly" || got[2] != "b=2" {
		t.Errorf("SetCookieLines = %q", got)
	}
}

func TestParseCookie(t *testing.T) {
	v := ` a=1; b="two words" ;c= 3;novalue; =x; d=`
	got := ParseCookie(v)
	want := []struct{ name, value, pair, raw string }{
		{"a", "1", "a=1", "1"}, {"b", "two words", `b="two words"`, `"two words"`}, {"c", "3", "c= 3", "3"}, {"d", "", "d=", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("ParseCookie(%q) = %+v", v, got)
	}
	for i, w := range want {
		p := got[i]
		if p.Name != w.name || p.Value != w.value || v[p.Start:p.End] != w.pair || v[p.ValueStart:p.End] != w.raw {
			t.Errorf("pair %d = %+v (%q, value %q), want %+v", i, p, v[p.Start:p.End], v[p.ValueStart:p.End], w)
		}
	}
	if vs := CookieValues([]string{"a=1; b=2", "a=3"}); len(vs["a"]) != 2 || vs["a"][1] != "3" || vs["b"][0] != "2" {
		t.Errorf("CookieValues = %v", vs)
	}
}

// FuzzParseCookie: every pair's spans lie inside the value, in order, and
// name the pair's own bytes.
func FuzzParseCookie(f *testing.F) {
	for _, s := range []string{"a=1; b=2", ` x = "q" ;;`, "=;=;", "a", "a=b=c; d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		last := 0
		for _, p := range ParseCookie(v) {
			if p.Start < last || p.Start > p.ValueStart || p.ValueStart > p.End || p.End > len(v) {
				t.Fatalf("spans out of order in %q: %+v", v, p)
			}
			if p.Name == "" || !strings.HasPrefix(strings.TrimSpace(v[p.Start:p.End]), p.Name) {
				t.Fatalf("name %q is not the pair %q", p.Name, v[p.Start:p.End])
			}
			last = p.End
		}
		// AppendCookie is the same parse after what dst held.
		prefix := []CookiePair{{Name: "kept"}}
		if got, want := AppendCookie(prefix, v), append(prefix, ParseCookie(v)...); !slices.Equal(got, want) {
			t.Fatalf("AppendCookie(%q) = %+v, want %+v", v, got, want)
		}
	})
}

// FuzzParseSetCookie: a parsed cookie's name holds no separator, and a
// date the parser accepts is a real calendar date.
func FuzzParseSetCookie(f *testing.F) {
	for _, s := range []string{"JSESSIONID=abc; Path=/; HttpOnly", "a=b; Expires=Wed, 09-Jun-21 10:18:14 GMT",
		"x=y; Max-Age=-1; Max-Age=10", "=novalue; Path", `q="v"; Domain=.Example.COM`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, ok := ParseSetCookie(line)
		if name, nameOK := SetCookieName(line); nameOK != ok || ok && name != c.Name {
			t.Fatalf("SetCookieName(%q) = %q, %v; ParseSetCookie's name %q, %v", line, name, nameOK, c.Name, ok)
		}
		if !ok {
			return
		}
		if c.Name == "" || strings.ContainsAny(c.Name, ";=") {
			t.Fatalf("name %q from %q", c.Name, line)
		}
		if c.HasExpires && (c.Expires.Year() < 1601 || c.Expires.Location() != time.UTC) {
			t.Fatalf("expiry %v from %q", c.Expires, line)
		}
		if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
			t.Fatalf("path %q from %q", c.Path, line)
		}
	})
}
