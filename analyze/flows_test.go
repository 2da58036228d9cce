package analyze_test

import (
	"testing"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/analyze/analyzetest"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
)

// The analyzers' tests build captures in code with capturetest's builder;
// these short names keep the cases readable.

type flowOpt = capturetest.FlowOpt

var (
	hdr          = capturetest.Hdr
	respHdr      = capturetest.RespHdr
	setCookieHdr = capturetest.SetCookie
	cookieHdr    = capturetest.Cookie
	respBody     = capturetest.RespBody
	startAt      = capturetest.StartAt
	lasting      = capturetest.Lasting
	userAgent    = capturetest.UserAgent
	fromClient   = capturetest.FromClient
	onConn       = capturetest.OnConn
	captureEpoch = capturetest.Epoch
)

// capt is a capture built in code.
type capt struct{ *capturetest.Capture }

func newCapt() *capt { return &capt{capturetest.NewCapture()} }

func (c *capt) add(method, rawURL string, status int, opts ...flowOpt) *capture.Flow {
	return c.Add(method, rawURL, status, opts...)
}

// run numbers the flows by start time and analyzes them with all analyzers.
func (c *capt) run() []analyze.Finding { return analyze.Run(c.Numbered()) }

// eachCase builds each case's capture as a subtest, runs every analyzer on
// it and hands check the findings.
func eachCase(t *testing.T, cases map[string]func(*capt), check func(t *testing.T, got []analyze.Finding)) {
	t.Helper()
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			c := newCapt()
			build(c)
			check(t, c.run())
		})
	}
}

func (c *capt) runWith(as ...analyze.Analyzer) []analyze.Finding {
	return analyze.Run(c.Numbered(), as...)
}

// want is one expected finding: kind, flow and severity.
type want struct {
	kind string
	flow int
	sev  analyze.Severity
}

func expectExactly(t *testing.T, got []analyze.Finding, wants ...want) {
	t.Helper()
	ws := make([]analyzetest.Want, len(wants))
	for i, w := range wants {
		ws[i] = analyzetest.Want{Kind: w.kind, Flow: w.flow, Sev: w.sev}
	}
	analyzetest.ExpectExactly(t, got, ws...)
}

var (
	expectQuiet = analyzetest.ExpectQuiet
	expectNone  = analyzetest.ExpectNone
	findingOf   = analyzetest.FindingOf
	lines       = analyzetest.Lines
)

const basicAuth = "Basic cHJvdmlzaW9uZXI6czNjcmV0"

const restlet401 = `{"code":401,"description":"The request requires user authentication","reasonPhrase":"Unauthorized","uri":"http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2"}`

const apim401 = `{"statusCode":401,"message":"Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."}`

func refused401(body string) []flowOpt {
	return []flowOpt{respBody(body), respHdr("Content-Type", "application/json"), respHdr("WWW-Authenticate", `Token Basic realm="admin"`)}
}
