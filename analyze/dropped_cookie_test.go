package analyze_test

import (
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

const api = "https://iam.example.com"

// seed1 is the first seed failure (the README): POST opens a session, the cookie-less PATCH is refused.
func seed1(withJar bool) *capt {
	c := newCapt()
	c.add("POST", api+"/admin/users", 201, hdr("Authorization", basicAuth), hdr("Content-Type", "application/json"),
		setCookieHdr("JSESSIONID=8F3A1C; Path=/; HttpOnly"))
	if withJar {
		c.add("PATCH", api+"/admin/usergroups/7f3c", 204, hdr("Authorization", basicAuth), cookieHdr("JSESSIONID=8F3A1C"))
		c.add("GET", api+"/admin/users/jdoe", 200, hdr("Authorization", basicAuth), cookieHdr("JSESSIONID=8F3A1C"))
		return c
	}
	c.add("PATCH", api+"/admin/usergroups/7f3c", 401, append(refused401(restlet401), hdr("Authorization", basicAuth))...)
	c.add("GET", api+"/admin/users/jdoe", 401, append(refused401(restlet401), hdr("Authorization", basicAuth))...)
	return c
}

func TestSeed1WithoutJar(t *testing.T) {
	got := seed1(false).run()
	expectExactly(t, got,
		want{analyze.KindDroppedCookie, 2, analyze.Error}, want{analyze.KindConcurrentSession, 2, analyze.Error},
		want{analyze.KindDroppedCookie, 3, analyze.Error}, want{analyze.KindConcurrentSession, 3, analyze.Error})
	d := findingOf(t, got, analyze.KindDroppedCookie, 2)
	if d.Title != "JSESSIONID set by #1 was not sent" {
		t.Errorf("title %q", d.Title)
	}
	if len(d.Related) != 1 || d.Related[0] != 1 {
		t.Errorf("related %v, want [1]", d.Related)
	}
	if len(d.Missing) != 1 || d.Missing[0] != (analyze.Missing{Where: "cookie", Name: "JSESSIONID", Value: "8F3A1C", Seen: "set by #1"}) {
		t.Errorf("missing %+v", d.Missing)
	}
	for _, s := range []string{"set JSESSIONID=••••••", "Path=/", "host-only for iam.example.com", "HttpOnly", "session cookie", "no Cookie header",
		"401", "the same credentials (Basic provisioner)"} {
		if !strings.Contains(d.Detail, s) {
			t.Errorf("detail lacks %q: %s", s, d.Detail)
		}
	}
	if !strings.Contains(d.Fix, "Cookie: JSESSIONID=") || !strings.Contains(d.Fix, "cookie jar") {
		t.Errorf("fix %q", d.Fix)
	}
	// One root cause on two requests: one problem.
	r := analyze.NewReport(3, got)
	var dropped *analyze.Problem
	for _, p := range r.Problems {
		if p.Kind == analyze.KindDroppedCookie {
			dropped = p
		}
	}
	if len(r.Problems) != 2 || dropped == nil || dropped.Count != 2 || dropped.Flows[0] != 2 || dropped.Flows[1] != 3 ||
		dropped.Severity != analyze.Error || dropped.Title != "JSESSIONID set by #1 was not sent" {
		t.Errorf("problems %+v, want dropped-cookie on #2 and #3 and concurrent-session", r.Problems)
	}
}

func TestSeed1WithJarIsQuiet(t *testing.T) {
	got := seed1(true).run()
	expectExactly(t, got)
}

func TestDroppedCookieSeverity(t *testing.T) {
	t.Run("tied by its other cookies, dropped the session, still succeeded: warning", func(t *testing.T) {
		c := newCapt()
		c.add("GET", api+"/login", 200, setCookieHdr("PHPSESSID=abc; path=/"), setCookieHdr("lang=en-GB; path=/"))
		c.add("GET", api+"/users", 200, cookieHdr("lang=en-GB"))
		got := c.runWith(analyze.NewDroppedCookie())
		expectExactly(t, got, want{analyze.KindDroppedCookie, 2, analyze.Warning})
		if d := got[0].Detail; !strings.Contains(d, "presented other cookies this client received") {
			t.Errorf("detail %s", d)
		}
	})
	t.Run("on the same connection, nothing else: info", func(t *testing.T) {
		c := newCapt()
		c.add("GET", api+"/login", 200, setCookieHdr("PHPSESSID=abc; path=/"), onConn(4))
		c.add("GET", api+"/users", 200, onConn(4))
		expectExactly(t, c.runWith(analyze.NewDroppedCookie()), want{analyze.KindDroppedCookie, 2, analyze.Info})
	})
	t.Run("only the same program, nothing failed: nothing", func(t *testing.T) {
		c := newCapt()
		c.add("GET", api+"/login", 200, setCookieHdr("PHPSESSID=abc; path=/"))
		c.add("GET", api+"/users", 200)
		expectExactly(t, c.runWith(analyze.NewDroppedCookie()))
	})
	t.Run("affinity cookie ignored by a client that keeps the others: info", func(t *testing.T) {
		c := newCapt()
		c.add("GET", api+"/users", 200, setCookieHdr("AWSALB=xyz; Expires=Tue, 11 Mar 2025 10:00:00 GMT; Path=/"),
			setCookieHdr("JSESSIONID=s1; Path=/; HttpOnly"))
		c.add("GET", api+"/groups", 200, cookieHdr("JSESSIONID=s1"))
		expectExactly(t, c.runWith(analyze.NewDroppedCookie()), want{analyze.KindDroppedCookie, 2, analyze.Info})
	})
	t.Run("server answers the cookie-less request with another session, never presented: warning", func(t *testing.T) {
		c := newCapt()
		c.add("GET", api+"/users", 200, setCookieHdr("JSESSIONID=one; Path=/; HttpOnly"))
		c.add("GET", api+"/groups", 200, setCookieHdr("JSESSIONID=two; Path=/; HttpOnly"))
		got := c.runWith(analyze.NewDroppedCookie())
		expectExactly(t, got, want{analyze.KindDroppedCookie, 2, analyze.Warning})
		if f := got[0]; !strings.Contains(f.Title, "opened another session") || !strings.Contains(f.Detail, "No request presented the new session") {
			t.Errorf("title %q detail %s", f.Title, f.Detail)
		}
	})
	t.Run("another session, which the next request presents: another client, nothing", func(t *testing.T) {
		c := newCapt()
		c.add("GET", api+"/users", 200, setCookieHdr("JSESSIONID=one; Path=/; HttpOnly"))
		c.add("GET", api+"/groups", 200, setCookieHdr("JSESSIONID=two; Path=/; HttpOnly"))
		c.add("GET", api+"/groups/1", 200, cookieHdr("JSESSIONID=two"))
		expectExactly(t, c.runWith(analyze.NewDroppedCookie()))
	})
	t.Run("stale value: one step lower", func(t *testing.T) {
		c := newCapt()
		c.add("GET", api+"/users", 200, setCookieHdr("JSESSIONID=one; Path=/; HttpOnly"))
		c.add("GET", api+"/groups", 200, cookieHdr("JSESSIONID=one"), setCookieHdr("JSESSIONID=two; Path=/; HttpOnly"))
		c.add("PUT", api+"/groups/1", 401, append(refused401(restlet401), cookieHdr("JSESSIONID=one"))...)
		got := c.runWith(analyze.NewDroppedCookie())
		expectExactly(t, got, want{analyze.KindDroppedCookie, 3, analyze.Warning})
		if !strings.Contains(got[0].Title, "stale") {
			t.Errorf("title %q", got[0].Title)
		}
	})
}

// Each quiet case must fail if the cookie model were naive.
func TestDroppedCookieQuiet(t *testing.T) {
	refused := func(opts ...flowOpt) []flowOpt { return append(refused401(restlet401), opts...) }
	cases := map[string]func(c *capt){
		"explicit path elsewhere": func(c *capt) {
			c.add("POST", api+"/app/login", 200, setCookieHdr("JSESSIONID=a; Path=/app; HttpOnly"))
			c.add("GET", api+"/application/users", 401, refused()...) // /application is not under /app
		},
		"default path": func(c *capt) {
			// No Path: the default path is /admin/auth, not /.
			c.add("POST", api+"/admin/auth/login", 200, setCookieHdr("JSESSIONID=a; HttpOnly"))
			c.add("GET", api+"/admin/users", 401, refused()...)
		},
		"host-only cookie, subdomain request": func(c *capt) {
			c.add("GET", "https://example.com/login", 200, setCookieHdr("JSESSIONID=a; Path=/"))
			c.add("GET", "https://api.example.com/users", 401, refused()...)
		},
		"domain cookie, other domain": func(c *capt) {
			c.add("GET", "https://api.example.com/login", 200, setCookieHdr("JSESSIONID=a; Path=/; Domain=api.example.com"))
			c.add("GET", "https://www.example.com/users", 401, refused()...)
		},
		"Domain attribute naming a foreign domain": func(c *capt) {
			c.add("GET", "https://api.example.com/login", 200, setCookieHdr("JSESSIONID=a; Path=/; Domain=example.org"))
			c.add("GET", "https://example.org/users", 401, refused()...)
		},
		"public suffix domain rejected": func(c *capt) {
			c.add("GET", "https://iam.example.co.uk/login", 200, setCookieHdr("JSESSIONID=a; Path=/; Domain=co.uk"))
			c.add("GET", "https://iam.example.co.uk/users", 401, refused()...)
		},
		"expired by Max-Age on the capture's clock": func(c *capt) {
			c.add("GET", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/; Max-Age=2"))
			c.add("GET", api+"/users", 401, refused(startAt(3*time.Second))...)
		},
		"Max-Age wins over a future Expires": func(c *capt) {
			c.add("GET", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/; Expires=Wed, 01 Jan 2031 00:00:00 GMT; Max-Age=1"))
			c.add("GET", api+"/users", 401, refused(startAt(5*time.Second))...)
		},
		"Expires past on the capture's clock, future today": func(c *capt) {
			// A capture from 2090: its clock, not today's, decides.
			c.SetNow(time.Date(2090, 1, 1, 10, 0, 0, 0, time.UTC))
			c.add("GET", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/; Expires=Sun, 01 Jan 2090 10:00:01 GMT"))
			c.add("GET", api+"/users", 401, append(refused401(restlet401), func(f *capture.Flow) { f.Start = f.Start.Add(5 * time.Second) })...)
		},
		"deleted with Max-Age=0": func(c *capt) {
			c.add("GET", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/; HttpOnly"))
			c.add("POST", api+"/logout", 200, cookieHdr("JSESSIONID=a"), setCookieHdr("JSESSIONID=; Path=/; Max-Age=0"))
			c.add("GET", api+"/users", 401, refused()...)
		},
		"deleted with a past Expires": func(c *capt) {
			c.add("GET", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/; HttpOnly"))
			c.add("POST", api+"/logout", 200, cookieHdr("JSESSIONID=a"), setCookieHdr("JSESSIONID=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"))
			c.add("GET", api+"/users", 401, refused()...)
		},
		"Secure cookie not sent over http": func(c *capt) {
			c.add("GET", "https://iam.example.com/login", 200, setCookieHdr("JSESSIONID=a; Path=/; Secure"))
			c.add("GET", "http://iam.example.com/users", 401, refused()...)
		},
		"replaced by name, domain and path": func(c *capt) {
			c.add("GET", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/"))
			c.add("GET", api+"/users", 200, cookieHdr("JSESSIONID=a"), setCookieHdr("JSESSIONID=b; Path=/"))
			c.add("GET", api+"/groups", 401, refused(cookieHdr("JSESSIONID=b"))...)
		},
		"response ended after the request started": func(c *capt) {
			c.add("POST", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/"), lasting(2*time.Second))
			c.add("GET", api+"/users", 401, refused(startAt(time.Second))...)
		},
		"another client on the same host": func(c *capt) {
			c.add("GET", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/"))
			c.add("GET", api+"/users", 401, refused(userAgent("curl/8.5.0"))...)
		},
		"another client machine": func(c *capt) {
			c.add("GET", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/"))
			c.add("GET", api+"/users", 401, refused(fromClient("10.9.9.9:4000"))...)
		},
		"CORS preflight": func(c *capt) {
			c.add("GET", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/"))
			c.add("OPTIONS", api+"/users", 401, refused(hdr("Access-Control-Request-Method", "PATCH"))...)
		},
		"browser cross-site request": func(c *capt) {
			c.add("GET", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/"))
			c.add("GET", api+"/users", 401, refused(hdr("Sec-Fetch-Site", "cross-site"), hdr("Sec-Fetch-Mode", "cors"))...)
		},
		"__Host- prefix without Secure rejected": func(c *capt) {
			c.add("GET", api+"/login", 200, setCookieHdr("__Host-sess=a; Path=/"))
			c.add("GET", api+"/users", 401, refused()...)
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			c := newCapt()
			build(c)
			expectNone(t, c.run(), analyze.KindDroppedCookie, analyze.KindConcurrentSession)
		})
	}
}

// The loud twins of quiet cases: the same traffic with the cookie in scope.
func TestDroppedCookieInScope(t *testing.T) {
	refused := func(opts ...flowOpt) []flowOpt { return append(refused401(restlet401), opts...) }
	cases := map[string]func(c *capt){
		"explicit path covers the request": func(c *capt) {
			c.add("POST", api+"/app/login", 200, setCookieHdr("JSESSIONID=a; Path=/app; HttpOnly"))
			c.add("GET", api+"/app/users", 401, refused()...)
		},
		"domain cookie, sibling host": func(c *capt) {
			c.add("GET", "https://api.example.com/login", 200, setCookieHdr("JSESSIONID=a; Path=/; Domain=.example.com"))
			c.add("GET", "https://www.example.com/users", 401, refused()...)
		},
		"Max-Age beats a past Expires": func(c *capt) {
			c.add("GET", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=600"))
			c.add("GET", api+"/users", 401, refused(startAt(5*time.Second))...)
		},
		"Expires in the capture's future, long past today": func(c *capt) {
			c.SetNow(time.Date(2001, 1, 1, 10, 0, 0, 0, time.UTC))
			c.add("GET", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/; Expires=Mon, 01-Jan-01 11:00:00 GMT"))
			c.add("GET", api+"/users", 401, refused()...)
		},
		"same connection, timestamps racing": func(c *capt) {
			c.add("POST", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/"), onConn(7), lasting(2*time.Second))
			c.add("GET", api+"/users", 401, refused(startAt(time.Second), onConn(7))...)
		},
		"Secure cookie over https": func(c *capt) {
			c.add("GET", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/; Secure"))
			c.add("GET", api+"/users", 401, refused()...)
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			c := newCapt()
			build(c)
			got := c.runWith(analyze.NewDroppedCookie())
			expectExactly(t, got, want{analyze.KindDroppedCookie, 2, analyze.Error})
		})
	}
}

// Quiet repeats are not a flood: one warning stands for them; a refused
// repeat is reported again and points back to the first.
// A client that keeps no cookies shows it on every request: one problem,
// however many requests, at the severity of its worst.
func TestDroppedCookieNoFlood(t *testing.T) {
	c := newCapt()
	c.add("GET", api+"/login", 200, setCookieHdr("JSESSIONID=a; Path=/; HttpOnly"), onConn(3))
	for i := 0; i < 5; i++ {
		c.add("GET", api+"/users", 200, onConn(3))
	}
	c.add("PATCH", api+"/users/1", 401, append(refused401(restlet401), onConn(3))...)
	got := c.runWith(analyze.NewDroppedCookie())
	var wants []want
	for id := 2; id <= 6; id++ {
		wants = append(wants, want{analyze.KindDroppedCookie, id, analyze.Info})
	}
	expectExactly(t, got, append(wants, want{analyze.KindDroppedCookie, 7, analyze.Error})...)
	r := analyze.NewReport(7, got)
	if len(r.Problems) != 1 || r.Problems[0].Count != 6 || r.Problems[0].Severity != analyze.Error ||
		r.Problems[0].First().Flow != 7 {
		t.Errorf("problems %+v, want one, of 6 requests, an error explained by #7", r.Problems)
	}
}

func TestChromeJoinedSetCookie(t *testing.T) {
	c := newCapt()
	c.add("GET", api+"/login", 200, setCookieHdr("a=1; Path=/\nJSESSIONID=z; Path=/; HttpOnly"))
	c.add("GET", api+"/users", 401, append(refused401(restlet401), cookieHdr("a=1"))...)
	got := c.runWith(analyze.NewDroppedCookie())
	expectExactly(t, got, want{analyze.KindDroppedCookie, 2, analyze.Error})
	if got[0].Missing[0].Name != "JSESSIONID" {
		t.Errorf("missing %+v", got[0].Missing)
	}
}
