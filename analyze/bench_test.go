package analyze_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture/har"

	"github.com/provtap/provtap/capture"
)

// syntheticFlows is connector traffic at scale: 40 client machines, 4
// origins, Basic auth and a subscription key, a session cookie kept by most
// clients and dropped by some, per-request ids, a refusal now and then.
func syntheticFlows(n int) []*capture.Flow {
	flows := make([]*capture.Flow, 0, n)
	start := time.Date(2025, 3, 4, 8, 0, 0, 0, time.UTC)
	methods := []string{"GET", "GET", "GET", "PATCH", "PUT", "POST"}
	for i := 0; i < n; i++ {
		client := i % 40
		origin := fmt.Sprintf("api%d.example.com", i%4)
		method := methods[i%len(methods)]
		path := fmt.Sprintf("/scim/v2/Groups/%d", i%500)
		f := &capture.Flow{
			ID: i + 1, Kind: capture.KindHTTP, Start: start.Add(time.Duration(i) * 5 * time.Millisecond),
			ClientAddr: fmt.Sprintf("10.0.%d.%d:%d", client/200, client%200, 40000+i%20000),
			Scheme:     "https", Host: origin, Port: 443, Method: method,
			URL: "https://" + origin + path + "?subscription-key=k3y", Target: path + "?subscription-key=k3y",
			Proto: "HTTP/1.1", Status: 200,
		}
		f.End = f.Start.Add(3 * time.Millisecond)
		f.RequestHeaders = []capture.Header{
			{Name: "Host", Value: origin}, {Name: "User-Agent", Value: "Java-http-client/17"},
			{Name: "Authorization", Value: "Basic c3ZjOnNlY3JldA=="}, {Name: "Accept", Value: "application/scim+json"},
			{Name: "Ocp-Apim-Subscription-Key", Value: "0123456789abcdef"}, {Name: "X-Request-Id", Value: fmt.Sprint("req-", i)},
		}
		if method != "GET" {
			f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: "Content-Type", Value: "application/scim+json"})
			f.RequestBody = capture.Body{Bytes: []byte(`{"members":[{"value":"u1"}]}`), Size: 28}
		}
		if i < 160 && client%3 == 0 || i%10007 == 0 {
			f.ResponseHeaders = append(f.ResponseHeaders, capture.Header{Name: "Set-Cookie", Value: fmt.Sprintf("JSESSIONID=S%d; Path=/; HttpOnly", i)})
		} else if client%7 != 0 {
			f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: "Cookie", Value: fmt.Sprintf("JSESSIONID=S%d", client)})
		}
		if i%997 == 0 {
			f.Status = 401
			f.ResponseBody = capture.Body{Bytes: []byte(`{"code":401,"description":"The request requires user authentication"}`), Size: 68, Decoded: true}
		} else {
			f.ResponseBody = capture.Body{Bytes: []byte(`{"id":"g1","displayName":"Sales"}`), Size: 33, Decoded: true}
		}
		f.ResponseHeaders = append(f.ResponseHeaders, capture.Header{Name: "Content-Type", Value: "application/scim+json"})
		flows = append(flows, f)
	}
	return flows
}

// noop is an analyzer that does nothing: the engine's own cost per flow
// (reorder, facts, logical clients) is BenchmarkEngine/facts.
type noop struct{}

func (noop) Name() string                                  { return "facts" }
func (noop) Observe(*analyze.Facts, func(analyze.Finding)) {}

// benchEngine is the engine with the analyzer mk makes, fed templates again
// and again (each pass later by the templates' span), each flow changed by
// mod when given; an analyzer's own cost is its figure minus
// BenchmarkEngine/facts'.
func benchEngine(b *testing.B, templates []*capture.Flow, mk func() analyze.Analyzer, mod func(i int, f *capture.Flow)) {
	pool := len(templates)
	span := templates[pool-1].End.Sub(templates[0].Start) + time.Second
	e := analyze.NewEngine(mk())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := new(capture.Flow)
		*f = *templates[i%pool]
		shift := time.Duration(i/pool) * span
		f.ID, f.Start, f.End = i+1, f.Start.Add(shift), f.End.Add(shift)
		if mod != nil {
			mod(i, f)
		}
		e.Add(f)
	}
}

// BenchmarkEngine measures the engine with one analyzer at a time on a
// steady stream; an analyzer's own cost is its figure minus facts'.
func BenchmarkEngine(b *testing.B) {
	templates := syntheticFlows(4096)
	b.Run("facts", func(b *testing.B) { benchEngine(b, templates, func() analyze.Analyzer { return noop{} }, nil) })
	for i, a := range analyze.All() {
		fresh := func() analyze.Analyzer { return analyze.All()[i] } // no state carried between b.N rounds
		b.Run(a.Name(), func(b *testing.B) { benchEngine(b, templates, fresh, nil) })
	}
}

// BenchmarkAnalyzeCapture is `provtap analyze` on a 100k-flow capture: read
// the HAR, then run every analyzer. Set PROVTAP_BENCH_HAR=path to keep the
// generated file (to compare with jq '.log.entries|length').
func BenchmarkAnalyzeCapture(b *testing.B) {
	path := os.Getenv("PROVTAP_BENCH_HAR")
	if path == "" {
		path = filepath.Join(b.TempDir(), "100k.har")
	}
	if _, err := os.Stat(path); err != nil {
		if err := har.WriteHAR(path, syntheticFlows(100_000)); err != nil {
			b.Fatal(err)
		}
	}
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := har.LoadHAR(path)
		if err != nil {
			b.Fatal(err)
		}
		findings := analyze.Run(c.Flows)
		if len(c.Flows) != 100_000 || len(findings) == 0 {
			b.Fatalf("%d flows, %d findings", len(c.Flows), len(findings))
		}
	}
}

// BenchmarkRunOnly is the analysis alone on 100k flows already in memory.
func BenchmarkRunOnly(b *testing.B) {
	flows := syntheticFlows(100_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		analyze.Run(flows)
	}
}
