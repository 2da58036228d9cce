package analyze_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
)

// Tokens and sessions as SAP Gateway issues them: long enough that reports
// show them masked ("Tk1a…==").
const (
	tk1a = "Tk1aR2x8YnFzQ3hQ=="
	tk1  = "Tk1bQ9wZmVxc2RsZ"
	tk2  = "Tk2cL3Bsd2VydHl1"
	tk0  = "Tk0dM4Nhc2RmZ2hq"
	s1   = "S1e1A5F0C3D2B9E8"
	s2   = "S2f2B6E1D4C3A0F9"
)

const (
	sapAPI     = "https://sap.example.com/sap/opu/odata/sap/API_USERS_SRV"
	sapSession = "SAP_SESSIONID_PRD_100"
)

// fetch is `GET … X-CSRF-Token: Fetch` answered with token and a new session.
func fetch(c *capt, token, session string, opts ...flowOpt) {
	opts = append([]flowOpt{hdr("Authorization", basicAuth), hdr("X-CSRF-Token", "Fetch"),
		respHdr("x-csrf-token", token), respHdr("Set-Cookie", "sap-usercontext=sap-client=100; path=/")}, opts...)
	if session != "" {
		opts = append(opts, setCookieHdr(sapSession+"="+session+"; path=/; secure; HttpOnly"))
	}
	c.add("GET", sapAPI+"/Users?$top=1", 200, opts...)
}

func csrfRefused() []flowOpt {
	return []flowOpt{hdr("Authorization", basicAuth), hdr("Content-Type", "application/json"),
		respHdr("x-csrf-token", "Required"), respHdr("Content-Type", "text/plain"), respBody("CSRF token validation failed")}
}

func sessionCookie(v string) flowOpt {
	return cookieHdr("sap-usercontext=sap-client=100; " + sapSession + "=" + v)
}

func TestCSRFTokenMissing(t *testing.T) {
	c := newCapt()
	fetch(c, tk1a, s1)
	c.add("POST", sapAPI+"/Users", 403, append(csrfRefused(), sessionCookie(s1))...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindCSRFToken, 2, analyze.Error})
	f := got[0]
	if f.Title != "POST /sap/opu/odata/sap/API_USERS_SRV/Users sent without the CSRF token #1 fetched" {
		t.Errorf("title %q", f.Title)
	}
	for _, s := range []string{"#1 (GET /sap/opu/odata/sap/API_USERS_SRV/Users) fetched the CSRF token Tk1a…==",
		"bound to the session " + sapSession + "=S1e1…E8", "carried no X-CSRF-Token header", "403 “CSRF token validation failed” with x-csrf-token: Required"} {
		if !strings.Contains(f.Detail, s) {
			t.Errorf("detail lacks %q:\n%s", s, f.Detail)
		}
	}
	if len(f.Missing) != 1 || f.Missing[0] != (analyze.Missing{Where: "header", Name: "X-CSRF-Token", Value: tk1a, Seen: "fetched by #1"}) {
		t.Errorf("missing %+v", f.Missing)
	}
	if fmt.Sprint(f.Related) != "[1]" || !strings.Contains(f.Fix, "X-CSRF-Token: Fetch") {
		t.Errorf("related %v fix %q", f.Related, f.Fix)
	}
}

func TestCSRFTokenStale(t *testing.T) {
	c := newCapt()
	fetch(c, tk1, s1)
	fetch(c, tk2, "", sessionCookie(s1))
	c.add("PATCH", sapAPI+"/Users('JDOE')", 403, append(csrfRefused(), sessionCookie(s1), hdr("X-CSRF-Token", tk1))...)
	c.add("PATCH", sapAPI+"/Users('JDOE')", 403, append(csrfRefused(), sessionCookie(s1), hdr("X-CSRF-Token", tk0))...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindCSRFToken, 3, analyze.Error}, want{analyze.KindCSRFToken, 4, analyze.Error})
	if f := got[0]; !strings.Contains(f.Title, "stale CSRF token from #1; #2 fetched a newer one") || fmt.Sprint(f.Related) != "[1 2]" ||
		f.Missing[0].Value != tk2 || !strings.Contains(f.Detail, "bound to the session "+sapSession+"=S1e1…E8") {
		t.Errorf("stale: %q related %v missing %+v\n%s", f.Title, f.Related, f.Missing, f.Detail)
	}
	if f := got[1]; !strings.Contains(f.Title, "a CSRF token no fetch returned") || fmt.Sprint(f.Related) != "[2 3]" {
		t.Errorf("unknown token: %q related %v", f.Title, f.Related)
	}
}

func TestCSRFTokenWithoutSession(t *testing.T) {
	c := newCapt()
	fetch(c, tk1, s1)
	c.add("POST", sapAPI+"/Users", 403, append(csrfRefused(), hdr("X-CSRF-Token", tk1),
		setCookieHdr(sapSession+"="+s2+"; path=/; secure; HttpOnly"))...)
	c.add("POST", sapAPI+"/Users", 403, append(csrfRefused(), hdr("X-CSRF-Token", tk1), cookieHdr(sapSession+"="+s2))...)
	got := c.runWith(analyze.NewCSRFToken())
	expectExactly(t, got, want{analyze.KindCSRFToken, 2, analyze.Error}, want{analyze.KindCSRFToken, 3, analyze.Error})
	f := got[0]
	if f.Title != "POST /sap/opu/odata/sap/API_USERS_SRV/Users sent the CSRF token without the session cookie it is bound to" {
		t.Errorf("title %q", f.Title)
	}
	if len(f.Missing) != 1 || f.Missing[0] != (analyze.Missing{Where: "cookie", Name: sapSession, Value: s1, Seen: "set by #1"}) {
		t.Errorf("missing %+v", f.Missing)
	}
	if !strings.Contains(f.Detail, "no "+sapSession+" cookie") || !strings.Contains(f.Fix, "cookie jar") {
		t.Errorf("detail %s\nfix %s", f.Detail, f.Fix)
	}
	if !strings.Contains(got[1].Detail, "it sent "+sapSession+"=S2f2…F9, another session") {
		t.Errorf("other session: %s", got[1].Detail)
	}
}

func TestCSRFTokenNeverFetched(t *testing.T) {
	c := newCapt()
	c.add("GET", sapAPI+"/Users", 200, hdr("Authorization", basicAuth))
	c.add("POST", sapAPI+"/Users", 403, csrfRefused()...)
	got := c.runWith(analyze.NewCSRFToken())
	expectExactly(t, got, want{analyze.KindCSRFToken, 2, analyze.Error})
	if !strings.Contains(got[0].Title, "CSRF token required and never fetched") || got[0].Missing != nil {
		t.Errorf("%q %+v", got[0].Title, got[0].Missing)
	}
}

func TestCSRFTokenQuiet(t *testing.T) {
	cases := map[string]func(c *capt){
		"token correctly echoed with its session": func(c *capt) {
			fetch(c, tk1, s1)
			c.add("POST", sapAPI+"/Users", 201, hdr("Authorization", basicAuth), hdr("X-CSRF-Token", tk1), sessionCookie(s1))
			fetch(c, tk2, "", sessionCookie(s1))
			c.add("DELETE", sapAPI+"/Users('X')", 204, hdr("Authorization", basicAuth), hdr("x-csrf-token", tk2), sessionCookie(s1))
		},
		"write without token that the server takes": func(c *capt) {
			fetch(c, tk1, s1)
			c.add("POST", sapAPI+"/$batch", 202, hdr("Authorization", basicAuth), sessionCookie(s1))
		},
		"refused for another reason with the token and its session": func(c *capt) {
			fetch(c, tk1, s1)
			c.add("POST", sapAPI+"/Users", 403, hdr("Authorization", basicAuth), hdr("X-CSRF-Token", tk1), sessionCookie(s1),
				respBody(`{"error":{"message":"No authorization for user maintenance"}}`))
		},
		"wrong password before any token": func(c *capt) {
			c.add("POST", sapAPI+"/Users", 401, hdr("Authorization", basicAuth), respHdr("WWW-Authenticate", `Basic realm="SAP NetWeaver"`))
		},
		"read refused after a fetch": func(c *capt) {
			fetch(c, tk1, s1)
			c.add("GET", sapAPI+"/Users('X')", 403, hdr("Authorization", basicAuth), respBody("Forbidden"))
		},
		"fetch that failed gives no token": func(c *capt) {
			c.add("GET", sapAPI+"/Users", 401, hdr("X-CSRF-Token", "Fetch"), respHdr("x-csrf-token", "Required"))
			c.add("POST", sapAPI+"/Users", 401, hdr("Authorization", basicAuth), respHdr("WWW-Authenticate", `Basic realm="SAP"`))
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			c := newCapt()
			build(c)
			got := c.run()
			expectNone(t, got, analyze.KindCSRFToken)
			if name == "token correctly echoed with its session" {
				expectQuiet(t, got)
			}
		})
	}
}
