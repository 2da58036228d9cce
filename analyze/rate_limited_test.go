package analyze_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
)

const rateAPI = "https://scim.example.com/scim/v2"

// after places a flow d after the capture's last flow ended.
func after(c *capt, d time.Duration) flowOpt { return startAt(c.Now().Sub(captureEpoch) + d) }

func scimCreate(user string) []flowOpt {
	return []flowOpt{hdr("Authorization", basicAuth), hdr("Content-Type", "application/scim+json"),
		capturetest.ReqBody(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + user + `"}`)}
}

func tooMany(extra ...flowOpt) flowOpt {
	return allOf(append([]flowOpt{respHdr("Content-Type", "application/scim+json"),
		respBody(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"429","detail":"Too many requests"}`)}, extra...)...)
}

// allOf is one option that applies each in order.
func allOf(os ...flowOpt) flowOpt {
	return func(f *capture.Flow) {
		for _, o := range os {
			o(f)
		}
	}
}

func with(a []flowOpt, b ...flowOpt) []flowOpt { return append(append([]flowOpt{}, a...), b...) }

func TestRateLimitedEarlyRetry(t *testing.T) {
	c := newCapt()
	c.add("GET", rateAPI+"/Users?filter=userName%20eq%20%22a%22", 200, hdr("Authorization", basicAuth))
	c.add("POST", rateAPI+"/Users", 429, with(scimCreate("jdoe"), tooMany(respHdr("Retry-After", "1"), respHdr("RateLimit-Limit", "5")))...)
	c.add("POST", rateAPI+"/Users", 429, with(scimCreate("jdoe"), after(c, 20*time.Millisecond), tooMany(respHdr("Retry-After", "1")))...)
	c.add("POST", rateAPI+"/Users", 201, with(scimCreate("jdoe"), after(c, 1050*time.Millisecond))...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindRateLimited, 3, analyze.Error})
	f := got[0]
	if f.Title != "POST /scim/v2/Users retried 20 ms after a 429 that said Retry-After: 1" || fmt.Sprint(f.Related) != "[2]" {
		t.Errorf("title %q related %v", f.Title, f.Related)
	}
	for _, s := range []string{"#2 (POST /scim/v2/Users) was answered 429 Too Many Requests “Too many requests” (Retry-After: 1, RateLimit-Limit: 5)",
		"wait 1 s (Retry-After: 1)", "started 20 ms after that response ended: 980 ms too early", "limited it again",
		"Before the first 429 (#2) this client sent 2 requests to the API within 150 ms"} {
		if !strings.Contains(f.Detail, s) {
			t.Errorf("detail lacks %q:\n%s", s, f.Detail)
		}
	}
	if !strings.Contains(f.Fix, "honour Retry-After") {
		t.Errorf("fix %q", f.Fix)
	}
}

func TestRateLimitedEarlyRetryThatGotThrough(t *testing.T) {
	c := newCapt()
	c.add("PATCH", rateAPI+"/Groups/g1", 429, with(scimCreate("x"), tooMany(respHdr("Retry-After", "5")))...)
	c.add("PATCH", rateAPI+"/Groups/g1", 204, with(scimCreate("x"), after(c, 500*time.Millisecond))...)
	expectExactly(t, c.run(), want{analyze.KindRateLimited, 2, analyze.Warning})
}

func TestRateLimitedAtOnce(t *testing.T) {
	c := newCapt()
	c.add("POST", rateAPI+"/Users", 429, with(scimCreate("jdoe"), tooMany())...)
	c.add("POST", rateAPI+"/Users", 429, with(scimCreate("jdoe"), after(c, 5*time.Millisecond), tooMany())...)
	c.add("POST", rateAPI+"/Users", 429, with(scimCreate("jdoe"), after(c, 5*time.Millisecond), tooMany())...)
	c.add("POST", rateAPI+"/Users", 201, with(scimCreate("jdoe"), after(c, 2*time.Second))...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindRateLimited, 2, analyze.Error}, want{analyze.KindRateLimited, 3, analyze.Error})
	f := findingOf(t, got, analyze.KindRateLimited, 3)
	if !strings.Contains(f.Title, "retried 5 ms after a 429, without backing off") || !strings.Contains(f.Detail, "attempt 2 of this request") ||
		!strings.Contains(f.Detail, "gives no wait") {
		t.Errorf("%q\n%s", f.Title, f.Detail)
	}
	if p := analyze.NewReport(len(c.Flows), got).Problems; len(p) != 1 || p[0].Count != 2 {
		t.Errorf("problems %+v", p)
	}
}

func TestRateLimitedGaveUp(t *testing.T) {
	c := newCapt()
	c.add("POST", rateAPI+"/Users", 429, with(scimCreate("jdoe"), tooMany(respHdr("Retry-After", "2")))...)
	for i := 0; i < 5; i++ {
		c.add("GET", rateAPI+"/Groups", 200, hdr("Authorization", basicAuth), after(c, 10*time.Second))
	}
	got := c.run()
	expectExactly(t, got, want{analyze.KindRateLimited, 1, analyze.Error})
	f := got[0]
	if f.Title != "POST /scim/v2/Users not retried after a 429 (Retry-After: 2)" ||
		!strings.Contains(f.Detail, "did not send the same request again within 32 s: it gave up") || !strings.Contains(f.Fix, "retry on 429") {
		t.Errorf("%q\n%s\n%s", f.Title, f.Detail, f.Fix)
	}
}

func TestRateLimitedCaptureEndsBeforeRetry(t *testing.T) {
	c := newCapt()
	c.add("POST", rateAPI+"/Users", 429, with(scimCreate("jdoe"), tooMany(respHdr("Retry-After", "2")))...)
	c.add("GET", rateAPI+"/Groups", 200, hdr("Authorization", basicAuth))
	got := c.run()
	expectExactly(t, got, want{analyze.KindRateLimited, 1, analyze.Warning})
	if !strings.Contains(got[0].Detail, "The capture ends") {
		t.Error(got[0].Detail)
	}
}

func TestRateLimitedHTTPDate(t *testing.T) {
	c := newCapt()
	date := c.Now().Add(150 * time.Millisecond).UTC()
	c.add("DELETE", rateAPI+"/Users/u1", 503, hdr("Authorization", basicAuth), respHdr("Date", date.Format(http1123)),
		respHdr("Retry-After", date.Add(3*time.Second).Format(http1123)))
	c.add("DELETE", rateAPI+"/Users/u1", 503, hdr("Authorization", basicAuth), after(c, time.Second),
		respHdr("Retry-After", "2"))
	c.add("DELETE", rateAPI+"/Users/u1", 204, hdr("Authorization", basicAuth), after(c, 2100*time.Millisecond))
	got := c.run()
	expectExactly(t, got, want{analyze.KindRateLimited, 2, analyze.Error})
	if !strings.Contains(got[0].Detail, "wait 3 s (Retry-After: "+date.Add(3*time.Second).Format(http1123)+")") {
		t.Error(got[0].Detail)
	}
}

const http1123 = "Mon, 02 Jan 2006 15:04:05 GMT"

func TestRateLimitedResetHeaders(t *testing.T) {
	c := newCapt()
	c.add("GET", rateAPI+"/Users", 200, hdr("Authorization", basicAuth), respHdr("X-RateLimit-Remaining", "0"), respHdr("X-RateLimit-Reset", "4"))
	c.add("GET", rateAPI+"/Users", 429, hdr("Authorization", basicAuth), respHdr("X-RateLimit-Remaining", "0"), respHdr("X-RateLimit-Reset", "4"))
	c.add("GET", rateAPI+"/Users", 429, hdr("Authorization", basicAuth), after(c, time.Second), respHdr("RateLimit", `"default";r=0;t=3`))
	c.add("GET", rateAPI+"/Users", 200, hdr("Authorization", basicAuth), after(c, 3*time.Second))
	got := c.run()
	expectExactly(t, got, want{analyze.KindRateLimited, 3, analyze.Error})
	f := got[0]
	for _, s := range []string{"wait 4 s (X-RateLimit-Reset: 4)", "#1 had already answered RateLimit-Remaining: 0"} {
		if !strings.Contains(f.Detail, s) {
			t.Errorf("lacks %q: %s", s, f.Detail)
		}
	}
	if fmt.Sprint(f.Related) != "[1 2]" {
		t.Errorf("related %v", f.Related)
	}
}

func TestRateLimitedBurstIsEvidence(t *testing.T) {
	c := newCapt()
	for i := 0; i < 5; i++ {
		c.add("POST", rateAPI+"/Users", 201, with(scimCreate(fmt.Sprint("u", i)), startAt(time.Duration(i)*10*time.Millisecond), lasting(300*time.Millisecond))...)
	}
	c.add("POST", rateAPI+"/Users", 429, with(scimCreate("u5"), startAt(60*time.Millisecond), lasting(50*time.Millisecond), tooMany(respHdr("Retry-After", "1")))...)
	c.add("POST", rateAPI+"/Users", 429, with(scimCreate("u5"), startAt(200*time.Millisecond), lasting(50*time.Millisecond), tooMany(respHdr("Retry-After", "1")))...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindRateLimited, 7, analyze.Error}, want{analyze.KindRateLimited, 7, analyze.Warning})
	if f := got[0]; !strings.Contains(f.Detail, "this client sent 6 requests to the API within 60 ms, up to 6 in flight at once") {
		t.Errorf("%q %v\n%s", f.Title, f.Related, f.Detail)
	}
	// The same threads, waiting as told: quiet.
	c = newCapt()
	for i := 0; i < 5; i++ {
		c.add("POST", rateAPI+"/Users", 201, with(scimCreate(fmt.Sprint("u", i)), startAt(time.Duration(i)*10*time.Millisecond), lasting(300*time.Millisecond))...)
	}
	c.add("POST", rateAPI+"/Users", 429, with(scimCreate("u5"), startAt(60*time.Millisecond), lasting(50*time.Millisecond), tooMany(respHdr("Retry-After", "1")))...)
	c.add("POST", rateAPI+"/Users", 201, with(scimCreate("u5"), startAt(1200*time.Millisecond))...)
	expectNone(t, c.run(), analyze.KindRateLimited)
}

func TestRateLimitedOtherLookupIsNotARetry(t *testing.T) {
	c := newCapt()
	c.add("GET", rateAPI+"/Users?filter=userName%20eq%20%22a%22&startIndex=1", 429, hdr("Authorization", basicAuth), tooMany(respHdr("Retry-After", "1")))
	c.add("GET", rateAPI+"/Users?filter=userName%20eq%20%22b%22&startIndex=1", 200, hdr("Authorization", basicAuth), after(c, 10*time.Millisecond))
	c.add("GET", rateAPI+"/Users?startIndex=101&filter=userName%20eq%20%22a%22", 200, hdr("Authorization", basicAuth), after(c, 1100*time.Millisecond))
	expectNone(t, c.run(), analyze.KindRateLimited)
}

func TestRateLimitedQuiet(t *testing.T) {
	cases := map[string]func(c *capt){
		"waited Retry-After then succeeded": func(c *capt) {
			c.add("POST", rateAPI+"/Users", 429, with(scimCreate("jdoe"), tooMany(respHdr("Retry-After", "1")))...)
			c.add("POST", rateAPI+"/Users", 201, with(scimCreate("jdoe"), after(c, 1010*time.Millisecond))...)
		},
		"waited, limited again, waited again": func(c *capt) {
			c.add("POST", rateAPI+"/Users", 429, with(scimCreate("jdoe"), tooMany(respHdr("Retry-After", "1")))...)
			c.add("POST", rateAPI+"/Users", 429, with(scimCreate("jdoe"), after(c, time.Second), tooMany(respHdr("Retry-After", "1")))...)
			c.add("POST", rateAPI+"/Users", 201, with(scimCreate("jdoe"), after(c, 1200*time.Millisecond))...)
		},
		"backed off without Retry-After": func(c *capt) {
			c.add("GET", rateAPI+"/Users?startIndex=1", 429, hdr("Authorization", basicAuth))
			c.add("GET", rateAPI+"/Users?startIndex=1", 200, hdr("Authorization", basicAuth), after(c, 800*time.Millisecond))
		},
		"503 without Retry-After is an outage": func(c *capt) {
			c.add("POST", rateAPI+"/Users", 503, with(scimCreate("jdoe"), respBody("Service Unavailable"))...)
			c.add("POST", rateAPI+"/Users", 503, with(scimCreate("jdoe"), after(c, 5*time.Millisecond), respBody("Service Unavailable"))...)
		},
		"another thread of the same account": func(c *capt) {
			c.add("POST", rateAPI+"/Users", 429, with(scimCreate("alice"), onConn(1), tooMany(respHdr("Retry-After", "1")))...)
			c.add("POST", rateAPI+"/Users", 201, with(scimCreate("bob"), onConn(2), after(c, 10*time.Millisecond))...)
			c.add("POST", rateAPI+"/Users", 429, with(scimCreate("carol"), onConn(3), after(c, 10*time.Millisecond), tooMany(respHdr("Retry-After", "1")))...)
			c.add("POST", rateAPI+"/Users", 201, with(scimCreate("alice"), onConn(1), after(c, 1100*time.Millisecond))...)
			c.add("POST", rateAPI+"/Users", 201, with(scimCreate("carol"), onConn(3), after(c, 10*time.Millisecond))...)
		},
		"two accounts, one limited": func(c *capt) {
			c.add("POST", rateAPI+"/Users", 429, with(scimCreate("jdoe"), tooMany(respHdr("Retry-After", "1")))...)
			c.add("POST", rateAPI+"/Users", 201, hdr("Authorization", "Basic b3RoZXI6c2VjcmV0"), hdr("Content-Type", "application/scim+json"),
				capturetest.ReqBody(`{"userName":"jdoe"}`), after(c, 5*time.Millisecond))
			c.add("POST", rateAPI+"/Users", 201, with(scimCreate("jdoe"), after(c, 1100*time.Millisecond))...)
		},
		"HAR without client addresses": func(c *capt) {
			c.add("POST", rateAPI+"/Users", 429, with(scimCreate("jdoe"), fromClient(""), tooMany(respHdr("Retry-After", "1")))...)
			c.add("POST", rateAPI+"/Users", 201, with(scimCreate("jdoe"), fromClient(""), after(c, 1010*time.Millisecond))...)
		},
		"a request sent before the 429 arrived": func(c *capt) {
			c.add("POST", rateAPI+"/Users", 429, with(scimCreate("jdoe"), startAt(0), lasting(200*time.Millisecond), tooMany(respHdr("Retry-After", "1")))...)
			c.add("POST", rateAPI+"/Users", 409, with(scimCreate("jdoe"), startAt(100*time.Millisecond))...)
			c.add("POST", rateAPI+"/Users", 409, with(scimCreate("jdoe"), startAt(1300*time.Millisecond))...)
		},
	}
	eachCase(t, cases, func(t *testing.T, got []analyze.Finding) {
		expectNone(t, got, analyze.KindRateLimited)
	})
}

// BenchmarkRateLimited is the analyzer alone on typical traffic (no 429)
// and on traffic where one request in 50 is limited and retried.
func BenchmarkRateLimited(b *testing.B) {
	for _, every := range []int{0, 50} {
		b.Run(fmt.Sprint("limited-every-", every), func(b *testing.B) {
			benchEngine(b, syntheticFlows(4096), func() analyze.Analyzer { return analyze.NewRateLimited() }, func(i int, f *capture.Flow) {
				if every > 0 && i%every == 0 {
					f.Status = 429
					f.ResponseHeaders = append(f.ResponseHeaders[:len(f.ResponseHeaders):len(f.ResponseHeaders)],
						capture.Header{Name: "Retry-After", Value: "1"})
				}
			})
		})
	}
}

// BenchmarkRateKindsObserve times Observe alone (facts precomputed by the
// engine) for rate-limited and lookup-create-conflict on bench_test.go's
// synthetic traffic, as is and with the flows these analyzers look at: the
// per-flow cost each adds to the engine.
func BenchmarkRateKindsObserve(b *testing.B) {
	limited := func(every int) func(i int, f *capture.Flow) {
		return func(i int, f *capture.Flow) {
			if i%every == 0 {
				f.Status = 429
				f.ResponseHeaders = append(f.ResponseHeaders[:len(f.ResponseHeaders):len(f.ResponseHeaders)],
					capture.Header{Name: "Retry-After", Value: "1"})
			}
		}
	}
	lookups := func(every int) func(i int, f *capture.Flow) {
		return func(i int, f *capture.Flow) {
			if i%every == 0 {
				f.Method = "GET"
				f.Target = "/scim/v2/Users?filter=userName%20eq%20%22u" + fmt.Sprint(i%100) + "%22"
				f.URL = "https://" + f.Host + f.Target
				f.ResponseBody = capture.Body{Bytes: []byte(emptyList), Size: int64(len(emptyList)), Decoded: true}
			} else if i%every == 1 && f.Method == "POST" {
				f.Status = 409
			}
		}
	}
	for _, tc := range []struct {
		name string
		mk   func() analyze.Analyzer
		mod  func(i int, f *capture.Flow)
	}{
		{"rate-limited/typical", func() analyze.Analyzer { return analyze.NewRateLimited() }, nil},
		{"rate-limited/429-every-50", func() analyze.Analyzer { return analyze.NewRateLimited() }, limited(50)},
		{"lookup-create-conflict/typical", func() analyze.Analyzer { return analyze.NewLookupCreateConflict() }, nil},
		{"lookup-create-conflict/lookup-every-20", func() analyze.Analyzer { return analyze.NewLookupCreateConflict() }, lookups(20)},
	} {
		flows := syntheticFlows(4096)
		if tc.mod != nil {
			for i, f := range flows {
				tc.mod(i, f)
			}
		}
		rec := &factsRecorder{}
		analyze.Run(flows, rec)
		b.Run(tc.name, func(b *testing.B) {
			a := tc.mk()
			emit := func(analyze.Finding) {}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				a.Observe(rec.facts[i%len(rec.facts)], emit)
			}
		})
	}
}

// An HTTP-date has whole seconds: a client that retries at the date it was
// given waited as told, even when the Date it came with was truncated.
func TestRateLimitedHTTPDateTruncated(t *testing.T) {
	c := newCapt()
	at := c.Now().Add(100 * time.Millisecond)
	date := at.Truncate(time.Second).Add(900 * time.Millisecond) // the response is at …:00.900
	c.SetNow(date.Add(-150 * time.Millisecond))
	c.add("POST", rateAPI+"/Users", 429, with(scimCreate("jdoe"), tooMany(respHdr("Date", date.UTC().Format(http1123)),
		respHdr("Retry-After", date.Truncate(time.Second).Add(time.Second).UTC().Format(http1123))))...)
	c.add("POST", rateAPI+"/Users", 201, with(scimCreate("jdoe"), after(c, 150*time.Millisecond))...)
	expectNone(t, c.run(), analyze.KindRateLimited)
}
