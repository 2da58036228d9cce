package analyze_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
)

// makeJWT is an unsigned-looking HS256 JWT with the claims; provtap never
// checks signatures.
func makeJWT(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "HS256", "typ": "JWT"}) + "." + enc(claims) + ".c2lnbmF0dXJl"
}

// tokenJWT is a token issued at the capture's start + issued, valid for life.
func tokenJWT(sub string, issued, life time.Duration) string {
	iat := captureEpoch.Add(issued)
	return makeJWT(map[string]any{"sub": sub, "iss": "https://login.example.org", "client_id": "provisioner",
		"iat": iat.Unix(), "exp": iat.Add(life).Unix()})
}

func tokenResponse(token string, expiresIn int) []flowOpt {
	return []flowOpt{respHdr("Content-Type", "application/json"),
		respBody(fmt.Sprintf(`{"access_token":%q,"token_type":"Bearer","expires_in":%d}`, token, expiresIn))}
}

const expiredChallenge = `Bearer realm="scim", error="invalid_token", error_description="The access token expired"`

func bearer(tok string) flowOpt { return hdr("Authorization", "Bearer "+tok) }

func TestExpiredTokenJWT(t *testing.T) {
	tok := tokenJWT("svc-provisioning", 0, 5*time.Minute)
	c := newCapt()
	c.add("POST", scimAPI+"/oauth/token", 200, append(tokenResponse(tok, 300), startAt(0), lasting(40*time.Millisecond))...)
	c.add("GET", scimAPI+"/Users", 200, bearer(tok), startAt(2*time.Second))
	c.add("PATCH", scimAPI+"/Groups/1", 401, bearer(tok), startAt(7*time.Minute), respHdr("WWW-Authenticate", expiredChallenge))
	c.add("PATCH", scimAPI+"/Groups/2", 401, bearer(tok), startAt(8*time.Minute), respHdr("WWW-Authenticate", expiredChallenge))
	got := c.runWith(analyze.NewExpiredToken())
	expectExactly(t, got, want{analyze.KindExpiredToken, 3, analyze.Error}, want{analyze.KindExpiredToken, 4, analyze.Error})
	f := got[0]
	if f.Title != "Bearer token used 2 min after its exp (10:05:00.000 UTC)" {
		t.Errorf("title %q", f.Title)
	}
	for _, s := range []string{
		"at 10:07:00.000 UTC", "JWT (sub=svc-provisioning, client_id=provisioner", "exp is 10:05:00.000 UTC",
		"expired 2 min before the request", "issued at 10:00:00.000 UTC, valid for 5m0s",
		"#1 (POST /oauth/token) issued it", "expires_in=300",
		"#2 (GET /Users) was the last request that got through with it, at 10:00:02.000 UTC",
		`error="invalid_token"`, `error_description="The access token expired"`,
	} {
		if !strings.Contains(f.Detail, s) {
			t.Errorf("detail lacks %q:\n%s", s, f.Detail)
		}
	}
	if strings.Contains(f.Detail, tok) {
		t.Error("the detail must not print the whole token")
	}
	if fmt.Sprint(f.Related) != "[1 2]" || f.Missing != nil {
		t.Errorf("related %v missing %v", f.Related, f.Missing)
	}
	if !strings.Contains(f.Fix, "OAuth client credentials") || !strings.Contains(f.Fix, "lived 300 s") {
		t.Errorf("fix %q", f.Fix)
	}
	if got[1].Group() != f.Group() {
		t.Errorf("the repeat %q must be the same problem as %q", got[1].Title, f.Title)
	}
}

// The client had a fresh token and kept using the old one.
func TestExpiredTokenNewerUnused(t *testing.T) {
	old, fresh := tokenJWT("svc", 0, time.Minute), tokenJWT("svc", 50*time.Second, time.Minute)
	c := newCapt()
	c.add("POST", scimAPI+"/oauth/token", 200, append(tokenResponse(old, 60), startAt(0))...)
	c.add("GET", scimAPI+"/Users", 200, bearer(old), startAt(time.Second))
	c.add("POST", scimAPI+"/oauth/token", 200, append(tokenResponse(fresh, 60), startAt(50*time.Second))...)
	c.add("PUT", scimAPI+"/Users/1", 401, bearer(old), startAt(70*time.Second), respHdr("WWW-Authenticate", expiredChallenge))
	got := c.runWith(analyze.NewExpiredToken())
	expectExactly(t, got, want{analyze.KindExpiredToken, 4, analyze.Error})
	f := got[0]
	if len(f.Missing) != 1 || f.Missing[0] != (analyze.Missing{Where: "header", Name: "Authorization", Value: "Bearer " + fresh, Seen: "issued by #3"}) {
		t.Errorf("missing %+v", f.Missing)
	}
	if !strings.Contains(f.Detail, "newer token, issued by #3") || fmt.Sprint(f.Related) != "[1 2 3]" {
		t.Errorf("detail %s related %v", f.Detail, f.Related)
	}
}

func TestExpiredTokenOpaque(t *testing.T) {
	t.Run("expires_in ran out", func(t *testing.T) {
		c := newCapt()
		c.add("POST", scimAPI+"/oauth/token", 200, append(tokenResponse("8a7f0c2e91d4", 60), startAt(0), lasting(time.Second))...)
		c.add("GET", scimAPI+"/Users", 200, bearer("8a7f0c2e91d4"), startAt(2*time.Second))
		c.add("GET", scimAPI+"/Groups", 401, bearer("8a7f0c2e91d4"), startAt(2*time.Minute), respBody(`{"error":"unauthorized"}`))
		got := c.runWith(analyze.NewExpiredToken())
		expectExactly(t, got, want{analyze.KindExpiredToken, 3, analyze.Error})
		if !strings.Contains(got[0].Detail, "issued by #1 with expires_in=60: it expired at 10:01:01.000 UTC, 59 s before") {
			t.Errorf("detail %s", got[0].Detail)
		}
	})
	t.Run("invalid_token after it worked", func(t *testing.T) {
		c := newCapt()
		c.add("GET", scimAPI+"/Users", 200, bearer("opaque-1"))
		c.add("GET", scimAPI+"/Groups", 401, bearer("opaque-1"), respHdr("WWW-Authenticate", `Bearer error="invalid_token"`))
		got := c.runWith(analyze.NewExpiredToken())
		expectExactly(t, got, want{analyze.KindExpiredToken, 2, analyze.Error})
		if got[0].Title != "Bearer token rejected as invalid_token after #1 got through with it" {
			t.Errorf("title %q", got[0].Title)
		}
	})
	t.Run("rejected, then sent again", func(t *testing.T) {
		c := newCapt()
		c.add("GET", scimAPI+"/Users", 401, bearer("opaque-2"), respHdr("WWW-Authenticate", `Bearer error="invalid_token"`))
		c.add("GET", scimAPI+"/Users", 401, bearer("opaque-2"), respHdr("WWW-Authenticate", `Bearer error="invalid_token"`))
		got := c.runWith(analyze.NewExpiredToken())
		expectExactly(t, got, want{analyze.KindExpiredToken, 2, analyze.Error})
		if !strings.Contains(got[0].Detail, "already rejected it on #1, and the client sent it again") {
			t.Errorf("detail %s", got[0].Detail)
		}
	})
}

func TestExpiredTokenAcceptedIsInfo(t *testing.T) {
	tok := tokenJWT("svc", 0, time.Minute)
	c := newCapt()
	c.add("GET", scimAPI+"/Users", 200, bearer(tok), startAt(90*time.Second))
	c.add("GET", scimAPI+"/Users", 200, bearer(tok), startAt(95*time.Second))
	got := c.runWith(analyze.NewExpiredToken())
	expectExactly(t, got, want{analyze.KindExpiredToken, 1, analyze.Info})
	if !strings.Contains(got[0].Detail, "still accepted it") {
		t.Errorf("detail %s", got[0].Detail)
	}
}

func TestExpiredTokenQuiet(t *testing.T) {
	cases := map[string]func(c *capt){
		"token refreshed in time": func(c *capt) {
			a, b := tokenJWT("svc", 0, time.Minute), tokenJWT("svc", 50*time.Second, time.Minute)
			c.add("POST", scimAPI+"/oauth/token", 200, append(tokenResponse(a, 60), startAt(0))...)
			c.add("GET", scimAPI+"/Users", 200, bearer(a), startAt(time.Second))
			c.add("POST", scimAPI+"/oauth/token", 200, append(tokenResponse(b, 60), startAt(50*time.Second))...)
			c.add("PATCH", scimAPI+"/Groups/1", 204, bearer(b), startAt(70*time.Second))
			c.add("PATCH", scimAPI+"/Groups/1", 403, bearer(b), startAt(80*time.Second),
				respHdr("WWW-Authenticate", `Bearer error="insufficient_scope", scope="groups.write"`))
		},
		"valid token refused for scope": func(c *capt) {
			tok := tokenJWT("svc", 0, time.Hour)
			c.add("DELETE", scimAPI+"/Users/1", 403, bearer(tok), respHdr("WWW-Authenticate", `Bearer error="insufficient_scope"`))
		},
		"wrong token, first use": func(c *capt) {
			c.add("GET", scimAPI+"/Users", 401, bearer("not-a-token"), respHdr("WWW-Authenticate", `Bearer error="invalid_token", error_description="Signature invalid"`))
		},
		"no exp": func(c *capt) {
			tok := makeJWT(map[string]any{"sub": "svc"})
			c.add("GET", scimAPI+"/Users", 200, bearer(tok), startAt(time.Hour))
		},
		"Basic credentials": func(c *capt) {
			c.add("GET", scimAPI+"/Users", 401, hdr("Authorization", basicAuth), respHdr("WWW-Authenticate", `Basic realm="x"`))
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			c := newCapt()
			build(c)
			expectNone(t, c.run(), analyze.KindExpiredToken)
		})
	}
}

// A server error with an expired token says nothing about the token.
func TestExpiredTokenServerError(t *testing.T) {
	tok := tokenJWT("svc", 0, time.Minute)
	c := newCapt()
	c.add("GET", scimAPI+"/Users", 500, bearer(tok), startAt(90*time.Second), respBody(`{"detail":"database unavailable"}`))
	expectNone(t, c.runWith(analyze.NewExpiredToken()), analyze.KindExpiredToken)
}
