package analyze_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

const (
	apacheUA  = "Apache-HttpClient/4.5.14 (Java/17.0.15)"
	rfc1123   = "Tue, 04 Mar 2025 10:15:00 GMT"
	netscape  = "Tue, 04-Mar-2025 10:15:00 GMT"
	iamSessID = "8F3A1C0D9E7B6A5F4E3D"
)

// seed1Expires is seed 1 against a server whose session cookie carries an
// Expires: POST opens the session, the PATCH needs it.
func seed1Expires(ua, setCookie string, sendCookie bool, patchStatus int) *capt {
	c := newCapt()
	c.add("POST", api+"/admin/users", 201, userAgent(ua), hdr("Authorization", basicAuth), hdr("Content-Type", "application/json"),
		setCookieHdr(setCookie), respHdr("Date", "Tue, 04 Mar 2025 10:00:00 GMT"), onConn(1))
	opts := []flowOpt{userAgent(ua), hdr("Authorization", basicAuth), onConn(1)}
	if sendCookie {
		opts = append(opts, cookieHdr("JSESSIONID="+iamSessID))
	}
	if patchStatus == 401 {
		opts = append(opts, refused401(restlet401)...)
	}
	c.add("PATCH", api+"/admin/usergroups/7f3c", patchStatus, opts...)
	return c
}

func TestClientRejectedCookieApacheExpires(t *testing.T) {
	sc := "JSESSIONID=" + iamSessID + "; Path=/; Expires=" + rfc1123 + "; HttpOnly"
	got := seed1Expires(apacheUA, sc, false, 401).run()
	expectExactly(t, got,
		want{analyze.KindClientRejectedCookie, 2, analyze.Error},
		want{analyze.KindDroppedCookie, 2, analyze.Error}, want{analyze.KindConcurrentSession, 2, analyze.Error})
	f := findingOf(t, got, analyze.KindClientRejectedCookie, 2)
	if f.Title != "Apache HttpClient rejected JSESSIONID from #1: it cannot read its Expires" || fmt.Sprint(f.Related) != "[1]" {
		t.Errorf("title %q related %v", f.Title, f.Related)
	}
	for _, s := range []string{"Set-Cookie: JSESSIONID=8F3A…3D; Path=/; Expires=" + rfc1123 + "; HttpOnly",
		`"EEE, dd-MMM-yy HH:mm:ss z"`, "CookieSpecs.DEFAULT", "Invalid 'expires' attribute: " + rfc1123,
		"User-Agent \"" + apacheUA + "\"", "carried no Cookie header", "401", "CookieSpecs.STANDARD",
		"A header the client keeps: `Set-Cookie: JSESSIONID=<value>; Max-Age=900; Path=/; HttpOnly`"} {
		if !strings.Contains(f.Detail, s) {
			t.Errorf("detail lacks %q:\n%s", s, f.Detail)
		}
	}
	if strings.Contains(f.Detail, iamSessID) || strings.Contains(f.Fix, iamSessID) || strings.Contains(f.Title, iamSessID) {
		t.Errorf("the session id in clear:\n%s\n%s", f.Detail, f.Fix)
	}
	for _, s := range []string{"Max-Age=900", "Expires=" + netscape, "setCookieSpec(CookieSpecs.STANDARD)"} {
		if !strings.Contains(f.Fix, s) {
			t.Errorf("fix lacks %q: %s", s, f.Fix)
		}
	}
}

func TestClientRejectedCookieRules(t *testing.T) {
	big := strings.Repeat("x", 4200)
	for _, tc := range []struct {
		name, ua, setCookie string
		status              int
		sev                 analyze.Severity // None: no finding of the kind
		title               string
	}{
		{"unknown client: clients such as", "ConnectorX/1.0", "JSESSIONID=" + iamSessID + "; Path=/; Expires=" + rfc1123, 401,
			analyze.Error, "JSESSIONID from #1 has an Expires Apache HttpClient 4.x cannot read"},
		{"no User-Agent, Max-Age and an RFC 1123 Expires", "", "JSESSIONID=" + iamSessID + "; Max-Age=600; Expires=" + rfc1123 + "; Path=/", 401,
			analyze.Error, "JSESSIONID from #1 has an Expires Apache HttpClient 4.x cannot read"},
		{"ISO 8601 Expires, every Apache spec", apacheUA, "JSESSIONID=" + iamSessID + "; Path=/; Expires=2025-03-04T10:15:00Z", 401,
			analyze.Error, "Apache HttpClient rejected JSESSIONID from #1: its Expires is no date"},
		{"Domain the host does not match", "curl/7.88.1", "JSESSIONID=" + iamSessID + "; Path=/; Domain=login.example.org", 401,
			analyze.Error, "JSESSIONID from #1 was rejected: Domain=login.example.org does not match iam.example.com"},
		{"oversized cookie to curl", "curl/7.88.1", "JSESSIONID=" + big + "; Path=/", 401,
			analyze.Error, "JSESSIONID from #1 is 4210 bytes: over the 4096-byte cookie limit"},
		{"request succeeded anyway: info", apacheUA, "JSESSIONID=" + iamSessID + "; Path=/; Expires=" + rfc1123, 204, analyze.Info, ""},
		{"affinity cookie, request succeeded: nothing", apacheUA, "AWSALB=" + iamSessID + "; Path=/; Expires=" + rfc1123, 204, analyze.None, ""},
		{"Apache keeps the Netscape form", apacheUA, "JSESSIONID=" + iamSessID + "; Path=/; Expires=" + netscape, 401, analyze.None, ""},
		{"Apache keeps Max-Age alone", apacheUA, "JSESSIONID=" + iamSessID + "; Path=/; Max-Age=900", 401, analyze.None, ""},
		{"curl reads RFC 1123", "curl/7.88.1", "JSESSIONID=" + iamSessID + "; Path=/; Expires=" + rfc1123, 401, analyze.None, ""},
		{"the JDK reads RFC 1123", "Java-http-client/17.0.15", "JSESSIONID=" + iamSessID + "; Path=/; Expires=" + rfc1123, 401, analyze.None, ""},
		{"Apache keeps big cookies", apacheUA, "JSESSIONID=" + big + "; Path=/", 401, analyze.None, ""},
		{"cookie for another path", apacheUA, "JSESSIONID=" + iamSessID + "; Path=/portal; Expires=" + rfc1123, 401, analyze.None, ""},
		{"expired by the capture's clock", apacheUA, "JSESSIONID=" + iamSessID + "; Path=/; Expires=Tue, 04 Mar 2025 10:00:00 GMT", 401, analyze.None, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := seed1Expires(tc.ua, tc.setCookie, false, tc.status).runWith(analyze.NewClientRejectedCookie())
			if tc.sev == analyze.None {
				expectNone(t, got, analyze.KindClientRejectedCookie)
				return
			}
			expectExactly(t, got, want{analyze.KindClientRejectedCookie, 2, tc.sev})
			if len(got) == 0 {
				return
			}
			if tc.title != "" && got[0].Title != tc.title {
				t.Errorf("title %q, want %q\n%s", got[0].Title, tc.title, got[0].Detail)
			}
		})
	}
}

func TestClientRejectedCookieQuiet(t *testing.T) {
	sc := "JSESSIONID=" + iamSessID + "; Path=/; Expires=" + rfc1123 + "; HttpOnly"
	t.Run("Apache with CookieSpecs.STANDARD keeps and sends it", func(t *testing.T) {
		got := seed1Expires(apacheUA, sc, true, 204).run()
		expectExactly(t, got)
	})
	t.Run("a later Set-Cookie the client keeps ends it", func(t *testing.T) {
		c := seed1Expires(apacheUA, sc, false, 204)
		c.add("GET", api+"/admin/users/jdoe", 200, userAgent(apacheUA), hdr("Authorization", basicAuth), onConn(1),
			setCookieHdr("JSESSIONID=AB12CD34EF56; Path=/; Max-Age=900"))
		c.add("GET", api+"/admin/users/jdoe", 200, userAgent(apacheUA), hdr("Authorization", basicAuth), onConn(1),
			cookieHdr("JSESSIONID=AB12CD34EF56"))
		got := c.runWith(analyze.NewClientRejectedCookie())
		expectExactly(t, got, want{analyze.KindClientRejectedCookie, 2, analyze.Info}, want{analyze.KindClientRejectedCookie, 3, analyze.Info})
	})
	t.Run("another account's client never had it", func(t *testing.T) {
		c := newCapt()
		c.add("POST", api+"/admin/users", 201, userAgent(apacheUA), hdr("Authorization", basicAuth), setCookieHdr(sc))
		c.add("PATCH", api+"/admin/usergroups/7f3c", 401, append(refused401(restlet401), userAgent(apacheUA),
			hdr("Authorization", "Basic b3RoZXI6cGFzcw=="))...)
		expectNone(t, c.runWith(analyze.NewClientRejectedCookie()), analyze.KindClientRejectedCookie)
	})
	t.Run("a client that keeps no cookie at all: dropped-cookie's case", func(t *testing.T) {
		c := newCapt()
		c.add("POST", api+"/admin/users", 201, userAgent(apacheUA), hdr("Authorization", basicAuth), setCookieHdr(sc),
			setCookieHdr("lang=en; Path=/"))
		c.add("PATCH", api+"/admin/usergroups/7f3c", 401, append(refused401(restlet401), userAgent(apacheUA), hdr("Authorization", basicAuth))...)
		got := c.run()
		expectNone(t, got, analyze.KindClientRejectedCookie)
		findingOf(t, got, analyze.KindDroppedCookie, 2)
	})
	t.Run("the client keeps the others: sure", func(t *testing.T) {
		c := newCapt()
		c.add("POST", api+"/admin/users", 201, userAgent(apacheUA), hdr("Authorization", basicAuth), setCookieHdr(sc),
			setCookieHdr("lang=en; Path=/"))
		c.add("PATCH", api+"/admin/usergroups/7f3c", 401, append(refused401(restlet401), userAgent(apacheUA), hdr("Authorization", basicAuth),
			cookieHdr("lang=en"))...)
		got := c.runWith(analyze.NewClientRejectedCookie())
		expectExactly(t, got, want{analyze.KindClientRejectedCookie, 2, analyze.Error})
		if len(got) == 1 && (strings.Contains(got[0].Detail, "carried no cookie at all") || !strings.Contains(got[0].Detail, "carried cookies, but no JSESSIONID")) {
			t.Errorf("detail %s", got[0].Detail)
		}
	})
	t.Run("a HAR without client addresses, curl keeps it", func(t *testing.T) {
		c := seed1Expires("curl/7.88.1", sc, true, 204)
		for _, f := range c.Flows {
			f.ClientAddr = ""
		}
		expectQuiet(t, c.run())
	})
}

// One root cause on many requests is one problem.
func TestClientRejectedCookieOneProblem(t *testing.T) {
	sc := "JSESSIONID=" + iamSessID + "; Path=/; Expires=" + rfc1123 + "; HttpOnly"
	c := seed1Expires(apacheUA, sc, false, 401)
	for i := 0; i < 20; i++ {
		c.add("GET", api+"/admin/users/u"+fmt.Sprint(i), 401, append(refused401(restlet401), userAgent(apacheUA), hdr("Authorization", basicAuth))...)
	}
	got := c.runWith(analyze.NewClientRejectedCookie())
	r := analyze.NewReport(len(c.Flows), got)
	if len(r.Problems) != 1 || r.Problems[0].Count != 21 {
		t.Errorf("problems %+v", r.Problems)
	}
}

func BenchmarkClientRejectedCookie(b *testing.B) {
	benchEngine(b, syntheticFlows(4096), func() analyze.Analyzer { return analyze.NewClientRejectedCookie() }, nil)
}

// factsRecorder keeps the facts the engine computed, for benchmarks of
// one analyzer's Observe alone.
type factsRecorder struct{ facts []*analyze.Facts }

func (r *factsRecorder) Name() string { return "recorder" }
func (r *factsRecorder) Observe(fx *analyze.Facts, _ func(analyze.Finding)) {
	r.facts = append(r.facts, fx)
}

// benchObserve is mk's Observe alone, per flow, on syntheticFlows' facts
// (the engine's own cost, BenchmarkEngine/facts, not included).
func benchObserve(b *testing.B, mk func() analyze.Analyzer) {
	benchObserveOn(b, syntheticFlows(4096), mk)
}

func benchObserveOn(b *testing.B, flows []*capture.Flow, mk func() analyze.Analyzer) {
	rec := &factsRecorder{}
	analyze.Run(flows, rec)
	a := mk()
	emit := func(analyze.Finding) {}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.Observe(rec.facts[i%len(rec.facts)], emit)
	}
}

func BenchmarkObserveClientRejectedCookie(b *testing.B) {
	benchObserve(b, func() analyze.Analyzer { return analyze.NewClientRejectedCookie() })
}

// BenchmarkObserveClientRejectedCookieEveryResponse is the worst case:
// every response sets a load balancer cookie Apache's default spec drops,
// and the client (no jar) sends it back on none.
func BenchmarkObserveClientRejectedCookieEveryResponse(b *testing.B) {
	flows := syntheticFlows(4096)
	for i, f := range flows {
		f.ResponseHeaders = append(f.ResponseHeaders, capture.Header{Name: "Set-Cookie",
			Value: fmt.Sprintf("AWSALB=%08d; Expires=Tue, 11 Mar 2025 08:00:00 GMT; Path=/", i)})
	}
	benchObserveOn(b, flows, func() analyze.Analyzer { return analyze.NewClientRejectedCookie() })
}

// Threads of one Apache connector, each with its own store and session:
// each request is judged against its own thread's cookie.
func TestClientRejectedCookieThreads(t *testing.T) {
	mk := func(id string) string { return "JSESSIONID=" + id + "; Path=/; Expires=" + rfc1123 + "; HttpOnly" }
	c := newCapt()
	c.add("POST", api+"/admin/users", 201, userAgent(apacheUA), hdr("Authorization", basicAuth), onConn(1), setCookieHdr(mk("AAAA1111BBBB2222")))
	c.add("POST", api+"/admin/users", 201, userAgent("Apache-HttpClient/4.5.14 (Java/17.0.15)"), hdr("Authorization", basicAuth), onConn(2),
		setCookieHdr(mk("CCCC3333DDDD4444")), cookieHdr("other=1"))
	// Thread 2 uses CookieSpecs.STANDARD in this test: it sends its session.
	c.add("PATCH", api+"/admin/usergroups/7f3c", 200, userAgent(apacheUA), hdr("Authorization", basicAuth), onConn(2),
		cookieHdr("JSESSIONID=CCCC3333DDDD4444"))
	c.add("PATCH", api+"/admin/usergroups/7f3c", 401, append(refused401(restlet401), userAgent(apacheUA), hdr("Authorization", basicAuth), onConn(1))...)
	got := c.runWith(analyze.NewClientRejectedCookie())
	expectExactly(t, got, want{analyze.KindClientRejectedCookie, 4, analyze.Error})
	if len(got) == 1 && fmt.Sprint(got[0].Related) != "[1]" {
		t.Errorf("related %v, want thread 1's #1", got[0].Related)
	}
}

// A login with a Max-Age cookie, then a refresh with an RFC 1123 Expires
// that Apache drops: it goes on sending the old session.
func TestClientRejectedCookieStaleValue(t *testing.T) {
	c := newCapt()
	c.add("POST", api+"/admin/login", 200, userAgent(apacheUA), hdr("Authorization", basicAuth), onConn(1),
		setCookieHdr("JSESSIONID=OLD0000011111; Path=/; Max-Age=60"))
	c.add("POST", api+"/admin/users", 201, userAgent(apacheUA), onConn(1), cookieHdr("JSESSIONID=OLD0000011111"),
		setCookieHdr("JSESSIONID=NEW2222233333; Path=/; Expires="+rfc1123+"; HttpOnly"))
	c.add("PATCH", api+"/admin/usergroups/7f3c", 401, append(refused401(restlet401), userAgent(apacheUA), onConn(1),
		cookieHdr("JSESSIONID=OLD0000011111"))...)
	got := c.run()
	f := findingOf(t, got, analyze.KindClientRejectedCookie, 3)
	if f.Severity != analyze.Error || fmt.Sprint(f.Related) != "[2]" || !strings.Contains(f.Detail, "still carried JSESSIONID=OLD0…11, the value it had before") {
		t.Errorf("%s related %v\n%s", f.Line(), f.Related, f.Detail)
	}
}
