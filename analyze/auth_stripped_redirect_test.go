package analyze_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

const (
	oldHost = "https://old.example.com"
	newHost = "https://new.example.net"
)

func redirectTo(status int, loc string) []flowOpt {
	return []flowOpt{respHdr("Location", loc), respHdr("Content-Length", "0"), func(f *capture.Flow) { f.Status = status }}
}

func TestAuthStrippedRedirect(t *testing.T) {
	c := newCapt()
	c.add("GET", oldHost+"/v1/Users?count=10", 308, append(redirectTo(308, newHost+"/v2/Users?count=10"), hdr("Authorization", basicAuth))...)
	c.add("GET", newHost+"/v2/Users?count=10", 401, respHdr("WWW-Authenticate", `Basic realm="SCIM"`), respBody(`{"detail":"Authentication failed"}`))
	got := c.run()
	expectExactly(t, got, want{analyze.KindAuthStrippedRedirect, 2, analyze.Error})
	f := got[0]
	if f.Title != "Authorization dropped on the redirect from #1 to new.example.net" {
		t.Errorf("title %q", f.Title)
	}
	for _, s := range []string{"#1 (GET https://old.example.com/v1/Users?count=10) carried Authorization: Basic cHJv…V0",
		"answered 308 with Location: https://new.example.net/v2/Users?count=10", "another host (old.example.com → new.example.net)",
		"without any Authorization header", "401 “Authentication failed”"} {
		if !strings.Contains(f.Detail, s) {
			t.Errorf("detail lacks %q:\n%s", s, f.Detail)
		}
	}
	if len(f.Missing) != 1 || f.Missing[0] != (analyze.Missing{Where: "header", Name: "Authorization", Value: basicAuth, Seen: "sent on #1 before the redirect"}) {
		t.Errorf("missing %+v", f.Missing)
	}
	if fmt.Sprint(f.Related) != "[1]" || !strings.Contains(f.Fix, "https://new.example.net…") || !strings.Contains(f.Fix, "--location-trusted") {
		t.Errorf("related %v fix %q", f.Related, f.Fix)
	}
}

func TestAuthStrippedRedirectSchemeAndChain(t *testing.T) {
	t.Run("http to https on the same host", func(t *testing.T) {
		c := newCapt()
		c.add("POST", "http://iam.example.com/api/users", 301, append(redirectTo(301, "https://iam.example.com/api/users"), hdr("Authorization", basicAuth))...)
		c.add("GET", "https://iam.example.com/api/users", 401, refused401(restlet401)...)
		got := c.runWith(analyze.NewAuthStrippedRedirect())
		expectExactly(t, got, want{analyze.KindAuthStrippedRedirect, 2, analyze.Error})
		if !strings.Contains(got[0].Detail, "another scheme (http → https)") {
			t.Errorf("detail %s", got[0].Detail)
		}
	})
	t.Run("through another redirect, relative Location", func(t *testing.T) {
		c := newCapt()
		c.add("GET", oldHost+"/scim/Users", 302, append(redirectTo(302, newHost+"/scim/Users"), hdr("Authorization", basicAuth))...)
		c.add("GET", newHost+"/scim/Users", 302, redirectTo(302, "/scim/v2/Users")...)
		c.add("GET", newHost+"/scim/v2/Users", 401, refused401(restlet401)...)
		c.add("GET", newHost+"/scim/v2/Users", 401, refused401(restlet401)...) // not a follow-up: no finding
		got := c.runWith(analyze.NewAuthStrippedRedirect())
		expectExactly(t, got, want{analyze.KindAuthStrippedRedirect, 3, analyze.Error})
		if fmt.Sprint(got[0].Related) != "[1 2]" || !strings.Contains(got[0].Detail, "followed the redirects #1, #2") {
			t.Errorf("related %v detail %s", got[0].Related, got[0].Detail)
		}
	})
}

func TestAuthStrippedRedirectQuiet(t *testing.T) {
	auth := hdr("Authorization", basicAuth)
	cases := map[string]func(c *capt){
		"redirect to the same host keeps the credentials": func(c *capt) {
			c.add("GET", oldHost+"/v1/Users", 308, append(redirectTo(308, oldHost+"/v2/Users"), auth)...)
			c.add("GET", oldHost+"/v2/Users", 200, auth)
		},
		"same host, credentials dropped: another analyzer's business": func(c *capt) {
			c.add("GET", oldHost+"/v1/Users", 308, append(redirectTo(308, "/v2/Users"), auth)...)
			c.add("GET", oldHost+"/v2/Users", 401, refused401(restlet401)...)
		},
		"other host needs no credentials": func(c *capt) {
			c.add("GET", oldHost+"/export", 302, append(redirectTo(302, "https://cdn.example.net/export.csv?sig=abc"), auth)...)
			c.add("GET", "https://cdn.example.net/export.csv?sig=abc", 200)
		},
		"original carried no credentials": func(c *capt) {
			c.add("GET", oldHost+"/v1/Users", 308, redirectTo(308, newHost+"/v2/Users")...)
			c.add("GET", newHost+"/v2/Users", 401, refused401(restlet401)...)
		},
		"credentials re-sent deliberately": func(c *capt) {
			c.add("GET", oldHost+"/v1/Users", 308, append(redirectTo(308, newHost+"/v2/Users"), auth)...)
			c.add("GET", newHost+"/v2/Users", 401, append(refused401(restlet401), auth)...)
		},
		"another client requests the Location": func(c *capt) {
			c.add("GET", oldHost+"/v1/Users", 308, append(redirectTo(308, newHost+"/v2/Users"), auth)...)
			c.add("GET", newHost+"/v2/Users", 401, append(refused401(restlet401), userAgent("curl/8.5.0"))...)
		},
		"another URL on the new host": func(c *capt) {
			c.add("GET", oldHost+"/v1/Users", 308, append(redirectTo(308, newHost+"/v2/Users"), auth)...)
			c.add("GET", newHost+"/v2/Groups", 401, refused401(restlet401)...)
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			c := newCapt()
			build(c)
			expectNone(t, c.run(), analyze.KindAuthStrippedRedirect)
		})
	}
}
