package analyze_test

import (
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
)

func TestConcurrentSessionSeed1(t *testing.T) {
	got := seed1(false).runWith(analyze.NewConcurrentSession())
	expectExactly(t, got, want{analyze.KindConcurrentSession, 2, analyze.Error}, want{analyze.KindConcurrentSession, 3, analyze.Error})
	f := got[0]
	if f.Title != "Refused a second session while the JSESSIONID session from #1 was live" {
		t.Errorf("title %q", f.Title)
	}
	for _, s := range []string{"#1 (POST /admin/users → 201) opened a session", "100 ms later", "Authorization: Basic", "the same account's credentials", "for Basic provisioner", "one session per user"} {
		if !strings.Contains(f.Detail, s) {
			t.Errorf("detail lacks %q: %s", s, f.Detail)
		}
	}
	if len(f.Related) != 1 || f.Related[0] != 1 || !strings.Contains(f.Fix, "cookie jar") {
		t.Errorf("related %v fix %q", f.Related, f.Fix)
	}
	if got[1].Title != f.Title || got[1].Group() != f.Group() {
		t.Errorf("the repeat on #3 must be the same problem: %q", got[1].Title)
	}
}

func TestConcurrentSessionServerSaysSo(t *testing.T) {
	c := newCapt()
	c.add("POST", api+"/api/login", 200, hdr("Authorization", basicAuth), setCookieHdr("SESSION=s1; Path=/; HttpOnly"))
	c.add("POST", api+"/api/login", 409, hdr("Authorization", basicAuth),
		respBody(`{"error":"A session already exists for this user"}`))
	got := c.runWith(analyze.NewConcurrentSession())
	expectExactly(t, got, want{analyze.KindConcurrentSession, 2, analyze.Error})
	if !strings.Contains(got[0].Detail, "Its answer says so") {
		t.Errorf("detail %s", got[0].Detail)
	}
}

func TestConcurrentSessionQuiet(t *testing.T) {
	auth := hdr("Authorization", basicAuth)
	open := func(c *capt, cookie string) {
		c.add("POST", api+"/admin/users", 201, auth, setCookieHdr(cookie))
	}
	cases := map[string]func(c *capt){
		"refused with the session cookie presented": func(c *capt) {
			open(c, "JSESSIONID=a; Path=/; HttpOnly")
			c.add("PATCH", api+"/admin/usergroups/1", 401, append(refused401(restlet401), auth, cookieHdr("JSESSIONID=a"))...)
		},
		"the refusal opened a new session itself": func(c *capt) {
			open(c, "JSESSIONID=a; Path=/; HttpOnly")
			c.add("PATCH", api+"/admin/usergroups/1", 403, auth, setCookieHdr("JSESSIONID=b; Path=/; HttpOnly"))
		},
		"a CSRF refusal": func(c *capt) {
			open(c, "JSESSIONID=a; Path=/; HttpOnly")
			c.add("PATCH", api+"/admin/usergroups/1", 403, auth, respBody(`CSRF token validation failed`))
		},
		"no credentials presented": func(c *capt) {
			open(c, "JSESSIONID=a; Path=/; HttpOnly")
			c.add("PATCH", api+"/admin/usergroups/1", 401, refused401(restlet401)...)
		},
		"session expired by Max-Age": func(c *capt) {
			open(c, "JSESSIONID=a; Path=/; Max-Age=900")
			c.add("PATCH", api+"/admin/usergroups/1", 401, append(refused401(restlet401), auth, startAt(16*time.Minute))...)
		},
		"session ended by logout": func(c *capt) {
			open(c, "JSESSIONID=a; Path=/; HttpOnly")
			c.add("POST", api+"/logout", 200, auth, cookieHdr("JSESSIONID=a"), setCookieHdr("JSESSIONID=; Path=/; Max-Age=0"))
			c.add("PATCH", api+"/admin/usergroups/1", 401, append(refused401(restlet401), auth)...)
		},
		"cookie set by a refusal opens no session": func(c *capt) {
			c.add("POST", api+"/admin/users", 401, append(refused401(restlet401), auth, setCookieHdr("JSESSIONID=a; Path=/; HttpOnly"))...)
			c.add("PATCH", api+"/admin/usergroups/1", 401, append(refused401(restlet401), auth)...)
		},
		"affinity cookie is no session": func(c *capt) {
			open(c, "AWSALB=x; Path=/; Expires=Tue, 11 Mar 2025 10:00:00 GMT")
			c.add("PATCH", api+"/admin/usergroups/1", 403, auth)
		},
		"session scoped to another path": func(c *capt) {
			open(c, "JSESSIONID=a; Path=/portal; HttpOnly")
			c.add("PATCH", api+"/admin/usergroups/1", 401, append(refused401(restlet401), auth)...)
		},
		"not refused": func(c *capt) {
			open(c, "JSESSIONID=a; Path=/; HttpOnly")
			c.add("GET", api+"/admin/users/x", 404, auth)
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			c := newCapt()
			build(c)
			expectNone(t, c.runWith(analyze.NewConcurrentSession()), analyze.KindConcurrentSession)
		})
	}
}
