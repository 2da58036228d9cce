package analyze_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
)

const scim = "https://scim-gw.example.net"

const subKey = "3f9c2a7d51e84b0c9a6f2d1e8b7c4a50"

// seed2 is the second seed failure (the README): the key travels on reads only.
func seed2(inHeader, inQuery, onWrites bool) *capt {
	c := newCapt()
	opts := func(write bool) []flowOpt {
		o := []flowOpt{hdr("Authorization", basicAuth), hdr("Accept", "application/scim+json")}
		if inHeader && (!write || onWrites) {
			o = append(o, hdr("Ocp-Apim-Subscription-Key", subKey))
		}
		return o
	}
	u := func(path string, write bool) string {
		if inQuery && (!write || onWrites) {
			return scim + path + "?subscription-key=" + subKey
		}
		return scim + path
	}
	for _, p := range []string{"/ServiceProviderConfig", "/Users", "/Groups", "/Groups/g1"} {
		c.add("GET", u(p, false), 200, opts(false)...)
	}
	status := 200
	var resp []flowOpt
	if !onWrites {
		status = 401
		resp = []flowOpt{respBody(apim401), respHdr("Content-Type", "application/json")}
	}
	c.add("PATCH", u("/Groups/g1", true), status, append(append(opts(true), hdr("Content-Type", "application/scim+json")), resp...)...)
	return c
}

func TestSeed2(t *testing.T) {
	t.Run("header and query on reads only", func(t *testing.T) {
		got := seed2(true, true, false).run()
		expectExactly(t, got, want{analyze.KindLostHeader, 5, analyze.Error}, want{analyze.KindLostQueryParam, 5, analyze.Error})
		h := findingOf(t, got, analyze.KindLostHeader, 5)
		if h.Title != "Ocp-Apim-Subscription-Key sent on GET #1–#4 is missing on PATCH" {
			t.Errorf("title %q", h.Title)
		}
		if fmt.Sprint(h.Related) != "[1 2 3 4]" {
			t.Errorf("related %v", h.Related)
		}
		if h.Missing[0] != (analyze.Missing{Where: "header", Name: "Ocp-Apim-Subscription-Key", Value: subKey, Seen: "sent on GET #4"}) {
			t.Errorf("missing %+v", h.Missing)
		}
		if !strings.Contains(h.Detail, "The refusal names the missing header") || strings.Contains(h.Detail, subKey) {
			t.Errorf("detail (must name the refusal, must not print the key): %s", h.Detail)
		}
		q := findingOf(t, got, analyze.KindLostQueryParam, 5)
		if q.Missing[0].Where != "query" || q.Missing[0].Name != "subscription-key" || !strings.Contains(q.Fix, "every operation") {
			t.Errorf("query finding %+v", q)
		}
	})
	t.Run("header only", func(t *testing.T) {
		expectExactly(t, seed2(true, false, false).run(), want{analyze.KindLostHeader, 5, analyze.Error})
	})
	t.Run("query only", func(t *testing.T) {
		expectExactly(t, seed2(false, true, false).run(), want{analyze.KindLostQueryParam, 5, analyze.Error})
	})
	t.Run("correct client", func(t *testing.T) {
		expectExactly(t, seed2(true, true, true).run())
	})
}

func TestLostHeaderRepeatPointsBack(t *testing.T) {
	c := seed2(true, false, false)
	c.add("PUT", scim+"/Groups/g1", 401, hdr("Authorization", basicAuth), respBody(apim401))
	got := c.runWith(analyze.NewLostHeader())
	expectExactly(t, got, want{analyze.KindLostHeader, 5, analyze.Error}, want{analyze.KindLostHeader, 6, analyze.Error})
	if got[1].Group() != got[0].Group() || !strings.Contains(got[1].Detail, "already missing on #5") ||
		fmt.Sprint(got[1].Related) != "[1 2 3 4 5]" {
		t.Errorf("repeat %q %v: %s", got[1].Title, got[1].Related, got[1].Detail)
	}
}

func TestLostAuthorization(t *testing.T) {
	c := newCapt()
	c.add("GET", scim+"/Users", 200, hdr("Authorization", "Bearer eyJhbGciOi.x.y"))
	c.add("POST", scim+"/Users", 401, respHdr("WWW-Authenticate", `Bearer realm="scim"`))
	got := c.runWith(analyze.NewLostHeader())
	expectExactly(t, got, want{analyze.KindLostHeader, 2, analyze.Error})
	if !strings.Contains(got[0].Fix, "authentication (Authorization: Bearer …)") {
		t.Errorf("fix %q", got[0].Fix)
	}
}

// TestLostHeaderMovedToQuery: AWS API Gateway reads x-api-key from the
// header only; a write that kept the key in the query string alone is
// refused with a bare "Forbidden", and the header is what was lost.
func TestLostHeaderMovedToQuery(t *testing.T) {
	const aws = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
	const apiKey = "Vq3kT9xY2pL7mN4bR8sW1zC6"
	c := newCapt()
	for _, p := range []string{"/Users", "/Groups", "/Groups/g1"} {
		c.add("GET", aws+p+"?api_key="+apiKey, 200, hdr("x-api-key", apiKey), hdr("Authorization", basicAuth))
	}
	c.add("PUT", aws+"/Groups/g1?api_key="+apiKey, 403, hdr("Authorization", basicAuth),
		respBody(`{"message":"Forbidden"}`), respHdr("Content-Type", "application/json"), respHdr("x-amzn-ErrorType", "ForbiddenException"))
	got := c.runWith(analyze.NewLostHeader(), analyze.NewLostQueryParam())
	expectExactly(t, got, want{analyze.KindLostHeader, 4, analyze.Error})
	if d := got[0].Detail; !strings.Contains(d, "did travel elsewhere on this request") || strings.Contains(d, apiKey) {
		t.Errorf("detail (must say the value travelled elsewhere, must not print the key): %s", d)
	}
}

func TestLostHeaderInfoWhenNothingFailed(t *testing.T) {
	c := newCapt()
	for i := 0; i < 3; i++ {
		c.add("GET", scim+"/Users", 200, hdr("X-Tenant", "acme"))
	}
	c.add("PUT", scim+"/Users/1", 200)
	c.add("PUT", scim+"/Users/2", 200)
	expectExactly(t, c.runWith(analyze.NewLostHeader()), want{analyze.KindLostHeader, 4, analyze.Info})
}

// Each quiet case ends in a refusal, so an analyzer that ignored the rule
// would report it.
func TestLostHeaderQuiet(t *testing.T) {
	key := hdr("Ocp-Apim-Subscription-Key", subKey)
	deny := []flowOpt{respBody(`{"error":"insufficient privileges"}`)}
	cases := map[string]func(c *capt){
		"Content-Type and body only on writes": func(c *capt) {
			c.add("POST", scim+"/Users", 201, key, hdr("Content-Type", "application/scim+json"), hdr("Content-Length", "120"))
			c.add("POST", scim+"/Groups", 201, key, hdr("Content-Type", "application/scim+json"), hdr("Content-Length", "80"))
			c.add("GET", scim+"/Users", 403, append(deny, key)...)
		},
		"If-Match only on writes": func(c *capt) {
			c.add("PUT", scim+"/Users/1", 200, key, hdr("If-Match", `W/"1"`))
			c.add("PATCH", scim+"/Users/1", 200, key, hdr("If-Match", `W/"2"`))
			c.add("GET", scim+"/Users/1", 403, append(deny, key)...)
		},
		"per-request ids and traces": func(c *capt) {
			for i := 0; i < 3; i++ {
				c.add("GET", scim+"/Users", 200, key, hdr("X-Request-Id", fmt.Sprint("r", i)),
					hdr("traceparent", fmt.Sprintf("00-%032d-%016d-01", i, i)), hdr("X-Correlation-Id", fmt.Sprint("c", i)),
					hdr("X-B3-TraceId", fmt.Sprint("b", i)), hdr("X-Trace", fmt.Sprint("t", i)))
			}
			c.add("PATCH", scim+"/Users/1", 403, append(deny, key)...)
		},
		"unknown header whose value changes per call": func(c *capt) {
			for i := 0; i < 3; i++ {
				c.add("GET", scim+"/Users", 200, key, hdr("X-Acme-Op", fmt.Sprint("op-", i)))
			}
			c.add("PATCH", scim+"/Users/1", 403, append(deny, key)...)
		},
		"Accept differs by endpoint": func(c *capt) {
			c.add("GET", scim+"/Users", 200, key, hdr("Accept", "application/scim+json"))
			c.add("GET", scim+"/Schemas", 200, key, hdr("Accept", "application/json"))
			c.add("DELETE", scim+"/Users/1", 403, append(deny, key)...)
		},
		"User-Agent differs": func(c *capt) {
			c.add("GET", scim+"/Users", 200, key, userAgent("Mozilla/5.0"))
			c.add("GET", scim+"/Users", 200, key, userAgent("Mozilla/5.0"))
			c.add("PATCH", scim+"/Users/1", 403, append(deny, key, userAgent("Java/1.8.0_392"))...)
		},
		"verb-specific standard and conventional headers": func(c *capt) {
			for i := 0; i < 3; i++ {
				c.add("POST", scim+"/Users", 201, key, hdr("X-HTTP-Method-Override", "PATCH"), hdr("X-Requested-With", "XMLHttpRequest"),
					hdr("Content-MD5", "Q2hlY2s="), hdr("Expect", "100-continue"), hdr("Prefer", "return=minimal"),
					hdr("Idempotency-Key", "same-key"), hdr("X-Idempotency-Key", "same-key"), hdr("Proxy-Connection", "keep-alive"))
			}
			c.add("GET", scim+"/Users", 403, append(deny, key)...)
		},
		"timestamp with a one-second resolution": func(c *capt) {
			c.add("GET", scim+"/Users", 200, key, hdr("X-Client-Timestamp", "1741082400"))
			c.add("GET", scim+"/Groups", 200, key, hdr("X-Client-Timestamp", "1741082400"))
			c.add("PATCH", scim+"/Groups/1", 403, append(deny, key)...)
		},
		"another host never received the header": func(c *capt) {
			c.add("GET", scim+"/Users", 200, key)
			c.add("GET", scim+"/Groups", 200, key)
			c.add("PATCH", "https://other.example.net/Groups/1", 401, respBody(apim401))
		},
		"another program on the same host": func(c *capt) {
			c.add("GET", scim+"/Users", 200, key)
			c.add("GET", scim+"/Groups", 200, key)
			c.add("GET", scim+"/health", 401, userAgent("curl/8.5.0"), respBody(apim401))
		},
		"another port is another origin": func(c *capt) {
			c.add("GET", scim+"/Users", 200, key)
			c.add("GET", scim+"/Groups", 200, key)
			c.add("PATCH", scim+":8443/Groups/1", 401, respBody(apim401))
		},
		"seen once, then absent from successful requests": func(c *capt) {
			c.add("GET", scim+"/Users", 200, key, hdr("X-Debug-Flags", "verbose"))
			c.add("GET", scim+"/Groups", 200, key)
			c.add("GET", scim+"/Groups/1", 200, key)
			c.add("PATCH", scim+"/Groups/1", 403, append(deny, key)...)
		},
		"credential seen once, then absent from successful requests": func(c *capt) {
			c.add("GET", scim+"/Users", 200, key, hdr("X-Admin-Token", "t0ken-abcdef"))
			c.add("GET", scim+"/Groups", 200, key)
			c.add("PATCH", scim+"/Groups/1", 403, append(deny, key)...)
		},
		"key moved from header to query, refused for another reason": func(c *capt) {
			basic := hdr("Authorization", basicAuth)
			c.add("GET", scim+"/Users", 200, key, basic)
			c.add("GET", scim+"/Groups", 200, key, basic)
			c.add("PATCH", scim+"/Groups/1?subscription-key="+subKey, 403, append(deny, basic)...)
		},
		"key moved from header to query, refused as a duplicate": func(c *capt) {
			basic := hdr("Authorization", basicAuth)
			c.add("GET", scim+"/Users", 200, key, basic)
			c.add("GET", scim+"/Groups", 200, key, basic)
			c.add("PATCH", scim+"/Groups/1?subscription-key="+subKey, 409, basic, respHdr("Content-Type", "application/scim+json"),
				respBody(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"Member u1 (login jdoe) is already in group g1"}`))
		},
		"key moved from header to query, accepted there": func(c *capt) {
			basic := hdr("Authorization", basicAuth)
			c.add("GET", scim+"/Users", 200, key, basic)
			c.add("GET", scim+"/Groups", 200, key, basic)
			c.add("PATCH", scim+"/Groups/1?subscription-key="+subKey, 204, basic)
		},
		"CORS preflight": func(c *capt) {
			c.add("GET", scim+"/Users", 200, key)
			c.add("OPTIONS", scim+"/Users/1", 401, hdr("Access-Control-Request-Method", "PATCH"), hdr("Access-Control-Request-Headers", "ocp-apim-subscription-key"))
		},
		"browser image": func(c *capt) {
			c.add("GET", scim+"/Users", 200, key, hdr("Sec-Fetch-Dest", "empty"))
			c.add("GET", scim+"/logo.png", 401, hdr("Sec-Fetch-Dest", "image"))
		},
		"header only ever on refused requests": func(c *capt) {
			c.add("GET", scim+"/Users", 401, key)
			c.add("GET", scim+"/Users", 401)
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			c := newCapt()
			build(c)
			expectNone(t, c.run(), analyze.KindLostHeader, analyze.KindLostQueryParam)
		})
	}
}

func TestLostQueryParamQuiet(t *testing.T) {
	cases := map[string]func(c *capt){
		"one-time OAuth code": func(c *capt) {
			c.add("GET", scim+"/callback?code=abc123def456&state=x", 302)
			c.add("GET", scim+"/Users", 401, respHdr("WWW-Authenticate", "Bearer"))
		},
		"signature that changes per call": func(c *capt) {
			c.add("GET", scim+"/Users?sig=aaaaaaaaaaaa", 200)
			c.add("GET", scim+"/Groups?sig=bbbbbbbbbbbb", 200)
			c.add("PUT", scim+"/Groups/1", 401)
		},
		"not a credential parameter": func(c *capt) {
			c.add("GET", scim+"/Users?filter=userName+eq+%22x%22", 200)
			c.add("GET", scim+"/Users?filter=userName+eq+%22x%22", 200)
			c.add("PUT", scim+"/Users/1", 401)
		},
		"seen once, then absent from a successful request": func(c *capt) {
			c.add("GET", scim+"/Users?api_key=k1k1k1k1k1", 200)
			c.add("GET", scim+"/Groups", 200)
			c.add("PUT", scim+"/Groups/1", 401)
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			c := newCapt()
			build(c)
			expectNone(t, c.run(), analyze.KindLostQueryParam, analyze.KindLostHeader)
		})
	}
}
