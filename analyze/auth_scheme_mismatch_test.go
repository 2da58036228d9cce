package analyze_test

import (
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
)

const (
	bearerOnly = `Bearer realm="scim"`
	scimAPI    = "https://scim.example.org"
)

// A request answers a challenge the server made before it: the first
// request's preemptive Basic answers nothing, the PATCH after the Bearer
// challenge answers it with the wrong scheme.
func TestAuthSchemeMismatch(t *testing.T) {
	c := newCapt()
	c.add("GET", scimAPI+"/Users", 401, hdr("Authorization", basicAuth), respHdr("WWW-Authenticate", bearerOnly),
		respBody(`{"detail":"Bearer token required"}`))
	c.add("PATCH", scimAPI+"/Groups/1", 401, hdr("Authorization", basicAuth), respHdr("WWW-Authenticate", bearerOnly))
	got := c.runWith(analyze.NewAuthSchemeMismatch())
	expectExactly(t, got, want{analyze.KindAuthSchemeMismatch, 2, analyze.Error})
	f := got[0]
	if f.Title != "Answered with Basic; the server offers only Bearer" {
		t.Errorf("title %q", f.Title)
	}
	for _, s := range []string{`#1's 401 offered the scheme Bearer (WWW-Authenticate: Bearer realm="scim")`, "sent Authorization: Basic …",
		"401", "kept answering with Basic on GET #1 and PATCH #2"} {
		if !strings.Contains(f.Detail, s) {
			t.Errorf("detail lacks %q: %s", s, f.Detail)
		}
	}
	if !strings.Contains(f.Fix, "OAuth") || f.Missing != nil {
		t.Errorf("fix %q missing %v", f.Fix, f.Missing)
	}
	if got := f.Related; len(got) != 1 || got[0] != 1 {
		t.Errorf("related %v, want the challenge #1", got)
	}
}

// The offer of an earlier 401 counts for a refusal without a challenge, and
// an earlier success with an offered scheme is what the request lacked.
func TestAuthSchemeMismatchEarlierOffer(t *testing.T) {
	c := newCapt()
	c.add("GET", scimAPI+"/Users", 401, respHdr("WWW-Authenticate", `Token realm="api"`))
	c.add("GET", scimAPI+"/Users", 200, hdr("Authorization", "Token 9f2c71"))
	c.add("DELETE", scimAPI+"/Users/7", 403, hdr("Authorization", basicAuth), respBody(`{"message":"Forbidden"}`))
	got := c.runWith(analyze.NewAuthSchemeMismatch())
	expectExactly(t, got, want{analyze.KindAuthSchemeMismatch, 3, analyze.Error})
	f := got[0]
	if !strings.Contains(f.Detail, "#1's 401") || !strings.Contains(f.Detail, "#2 got through with Token") {
		t.Errorf("detail %s", f.Detail)
	}
	if len(f.Missing) != 1 || f.Missing[0] != (analyze.Missing{Where: "header", Name: "Authorization", Value: "Token 9f2c71", Seen: "sent on #2"}) {
		t.Errorf("missing %+v", f.Missing)
	}
	if got := f.Related; len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("related %v", got)
	}
}

func TestAuthSchemeMismatchQuiet(t *testing.T) {
	cases := map[string]func(c *capt){
		// Seed 1: Restlet's `Token Basic realm=…` offers Basic; the cause is the session.
		"seed 1": func(c *capt) { c.Flows = seed1(false).Flows },
		"Basic challenge answered with Basic": func(c *capt) {
			c.add("GET", scimAPI+"/Users", 401, respHdr("WWW-Authenticate", `Basic realm="SCIM"`))
			c.add("GET", scimAPI+"/Users", 200, hdr("Authorization", basicAuth))
		},
		"wrong password, right scheme": func(c *capt) {
			c.add("GET", scimAPI+"/Users", 401, hdr("Authorization", basicAuth), respHdr("WWW-Authenticate", `Basic realm="SCIM"`))
		},
		"one of several challenges": func(c *capt) {
			c.add("GET", scimAPI+"/Users", 401, hdr("Authorization", basicAuth),
				respHdr("WWW-Authenticate", `Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`))
		},
		"one of several fields": func(c *capt) {
			c.add("GET", scimAPI+"/Users", 401, hdr("Authorization", "NTLM TlRMTVNTUAABAAAAB4IIog=="),
				respHdr("WWW-Authenticate", "Negotiate"), respHdr("WWW-Authenticate", "NTLM"))
		},
		"Negotiate continuation": func(c *capt) {
			c.add("GET", scimAPI+"/Users", 401, hdr("Authorization", "Negotiate YIIGhgYJKoZIhvcSAQICAQ=="),
				respHdr("WWW-Authenticate", "Negotiate oYH1MIHyoAMKAQChCwYJ=="))
		},
		"403 without any challenge": func(c *capt) {
			c.add("DELETE", scimAPI+"/Users/1", 403, hdr("Authorization", basicAuth), respBody(`{"message":"Forbidden"}`))
		},
		"not refused": func(c *capt) {
			c.add("GET", scimAPI+"/Users", 401, respHdr("WWW-Authenticate", bearerOnly))
			c.add("GET", scimAPI+"/Public", 200, hdr("Authorization", basicAuth))
		},
		"another origin's challenge": func(c *capt) {
			c.add("GET", "https://login.example.com/x", 401, respHdr("WWW-Authenticate", bearerOnly))
			c.add("GET", scimAPI+"/Users", 401, hdr("Authorization", basicAuth))
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			c := newCapt()
			build(c)
			got := c.run()
			expectNone(t, got, analyze.KindAuthSchemeMismatch)
		})
	}
}
