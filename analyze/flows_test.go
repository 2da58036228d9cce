package analyze

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/har"

	"github.com/provtap/provtap/capture"
)

// capt builds a capture in code: flows one after another on the capture's
// clock, each 50 ms long, 100 ms apart, unless an option says otherwise.
type capt struct {
	now   time.Time
	flows []*capture.Flow
}

var captureEpoch = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

func newCapt() *capt { return &capt{now: captureEpoch} }

type flowOpt func(*capture.Flow)

func hdr(name, value string) flowOpt {
	return func(f *capture.Flow) {
		f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: name, Value: value})
	}
}

func respHdr(name, value string) flowOpt {
	return func(f *capture.Flow) {
		f.ResponseHeaders = append(f.ResponseHeaders, capture.Header{Name: name, Value: value})
	}
}

func setCookieHdr(v string) flowOpt { return respHdr("Set-Cookie", v) }
func cookieHdr(v string) flowOpt    { return hdr("Cookie", v) }

func respBody(s string) flowOpt {
	return func(f *capture.Flow) {
		f.ResponseBody = capture.Body{Bytes: []byte(s), Size: int64(len(s)), Decoded: true}
	}
}

// startAt places the flow at an offset from the capture's start.
func startAt(d time.Duration) flowOpt { return func(f *capture.Flow) { f.Start = captureEpoch.Add(d) } }

// lasting sets the flow's duration.
func lasting(d time.Duration) flowOpt { return func(f *capture.Flow) { f.End = f.Start.Add(d) } }

// userAgent replaces the default User-Agent.
func userAgent(v string) flowOpt {
	return func(f *capture.Flow) { f.RequestHeaders[1].Value = v }
}

func fromClient(addr string) flowOpt { return func(f *capture.Flow) { f.ClientAddr = addr } }
func onConn(id int64) flowOpt        { return func(f *capture.Flow) { f.ConnID = id } }

const basicAuth = "Basic cHJvdmlzaW9uZXI6czNjcmV0"

// add appends a flow; options apply in order, so startAt comes before lasting.
func (c *capt) add(method, rawURL string, status int, opts ...flowOpt) *capture.Flow {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = map[string]int{"http": 80, "https": 443}[u.Scheme]
	}
	f := &capture.Flow{
		Method: method, URL: rawURL, Scheme: u.Scheme, Host: u.Hostname(), Port: port,
		Target: u.RequestURI(), Proto: "HTTP/1.1", Status: status, StatusText: "",
		ClientAddr: "10.1.2.3:" + strconv.Itoa(50000+len(c.flows)),
		Start:      c.now.Add(100 * time.Millisecond),
	}
	f.End = f.Start.Add(50 * time.Millisecond)
	f.RequestHeaders = []capture.Header{{Name: "Host", Value: u.Host}, {Name: "User-Agent", Value: "Java-http-client/17.0.9"}}
	for _, o := range opts {
		o(f)
	}
	if f.End.Before(f.Start) {
		f.End = f.Start.Add(50 * time.Millisecond)
	}
	if f.Start.After(c.now) {
		c.now = f.End
	}
	c.flows = append(c.flows, f)
	return f
}

// run numbers the flows by start time and analyzes them with all analyzers.
func (c *capt) run() []Finding {
	har.Number(c.flows)
	return Run(c.flows)
}

func (c *capt) runWith(as ...Analyzer) []Finding {
	har.Number(c.flows)
	return Run(c.flows, as...)
}

// want is one expected finding: kind, flow and severity.
type want struct {
	kind string
	flow int
	sev  Severity
}

func (w want) String() string { return fmt.Sprintf("%s #%d %s", w.kind, w.flow, w.sev) }

// expectExactly asserts the findings are exactly these (in any order).
func expectExactly(t *testing.T, got []Finding, wants ...want) {
	t.Helper()
	left := append([]want{}, wants...)
	var extra []string
	for _, g := range got {
		found := false
		for i, w := range left {
			if w.kind == g.Kind && w.flow == g.Flow && w.sev == g.Severity {
				left = append(left[:i], left[i+1:]...)
				found = true
				break
			}
		}
		if !found {
			extra = append(extra, g.Line())
		}
	}
	if len(left) > 0 || len(extra) > 0 {
		t.Errorf("findings differ\nmissing: %v\nunexpected:\n  %s\nall:\n  %s", left, strings.Join(extra, "\n  "), lines(got))
	}
}

// expectQuiet asserts nothing reaches warning.
func expectQuiet(t *testing.T, got []Finding) {
	t.Helper()
	for _, g := range got {
		if g.Severity >= Warning {
			t.Errorf("want nothing of warning or above, got:\n  %s", lines(got))
			return
		}
	}
}

// expectNone asserts no finding at all of the given kinds (not even info).
func expectNone(t *testing.T, got []Finding, kinds ...string) {
	t.Helper()
	for _, g := range got {
		for _, k := range kinds {
			if g.Kind == k {
				t.Errorf("want no %s finding, got:\n  %s", k, lines(got))
				return
			}
		}
	}
}

func lines(fs []Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Line())
	}
	return strings.Join(out, "\n  ")
}

func findingOf(t *testing.T, got []Finding, kind string, flow int) Finding {
	t.Helper()
	for _, g := range got {
		if g.Kind == kind && g.Flow == flow {
			return g
		}
	}
	t.Fatalf("no %s finding on #%d; got:\n  %s", kind, flow, lines(got))
	return Finding{}
}

const restlet401 = `{"code":401,"description":"The request requires user authentication","reasonPhrase":"Unauthorized","uri":"http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2"}`

const apim401 = `{"statusCode":401,"message":"Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."}`

func refused401(body string) []flowOpt {
	return []flowOpt{respBody(body), respHdr("Content-Type", "application/json"), respHdr("WWW-Authenticate", `Token Basic realm="admin"`)}
}
