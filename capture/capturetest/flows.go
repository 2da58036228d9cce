package capturetest

import (
	"net/url"
	"strconv"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
)

// Epoch is when a Capture built in code starts, on the capture's clock.
var Epoch = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

// DefaultUserAgent is the User-Agent of flows built in code.
const DefaultUserAgent = "Java-http-client/17.0.9"

// FlowOpt changes a flow being built.
type FlowOpt func(*capture.Flow)

// NewFlow is one exchange built in code, with what a reader of a capture
// file fills in (scheme, host, port, request-target), a Host and a
// User-Agent header, a 50 ms duration from Epoch, and the options applied in
// order.
func NewFlow(method, rawURL string, status int, opts ...FlowOpt) *capture.Flow {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = capture.DefaultPort(u.Scheme)
	}
	f := &capture.Flow{
		Method: method, URL: rawURL, Scheme: u.Scheme, Host: u.Hostname(), Port: port,
		Target: u.RequestURI(), Proto: "HTTP/1.1", Status: status, ResponseProto: "HTTP/1.1",
		ClientAddr: "10.1.2.3:50000", Start: Epoch,
	}
	f.End = f.Start.Add(50 * time.Millisecond)
	f.RequestHeaders = []capture.Header{{Name: "Host", Value: u.Host}, {Name: "User-Agent", Value: DefaultUserAgent}}
	for _, o := range opts {
		o(f)
	}
	if f.End.Before(f.Start) {
		f.End = f.Start.Add(50 * time.Millisecond)
	}
	return f
}

// Capture builds a capture in code: flows one after another on the
// capture's clock, each 50 ms long and 100 ms after the previous one ended,
// unless an option says otherwise; each on a client port of its own.
type Capture struct {
	now   time.Time
	Flows []*capture.Flow
}

// NewCapture starts an empty capture at Epoch.
func NewCapture() *Capture { return &Capture{now: Epoch} }

// Add appends a flow (see NewFlow); options apply in order, so StartAt comes
// before Lasting.
func (c *Capture) Add(method, rawURL string, status int, opts ...FlowOpt) *capture.Flow {
	start := c.now.Add(100 * time.Millisecond)
	pre := []FlowOpt{func(f *capture.Flow) {
		f.Start, f.End = start, start.Add(50*time.Millisecond)
		f.ClientAddr = "10.1.2.3:" + strconv.Itoa(50000+len(c.Flows))
	}}
	f := NewFlow(method, rawURL, status, append(pre, opts...)...)
	if f.Start.After(c.now) {
		c.now = f.End
	}
	c.Flows = append(c.Flows, f)
	return f
}

// Numbered orders the flows by start and numbers them, as every reader of
// a capture file does, and returns them.
func (c *Capture) Numbered() []*capture.Flow {
	har.Number(c.Flows)
	return c.Flows
}

// Hdr appends a request header.
func Hdr(name, value string) FlowOpt {
	return func(f *capture.Flow) {
		f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: name, Value: value})
	}
}

// RespHdr appends a response header.
func RespHdr(name, value string) FlowOpt {
	return func(f *capture.Flow) {
		f.ResponseHeaders = append(f.ResponseHeaders, capture.Header{Name: name, Value: value})
	}
}

// Headers replaces the request headers (Host and User-Agent included).
func Headers(hs ...capture.Header) FlowOpt {
	return func(f *capture.Flow) { f.RequestHeaders = append([]capture.Header(nil), hs...) }
}

// RespHeaders replaces the response headers.
func RespHeaders(hs ...capture.Header) FlowOpt {
	return func(f *capture.Flow) { f.ResponseHeaders = append([]capture.Header(nil), hs...) }
}

// SetCookie appends a Set-Cookie response header.
func SetCookie(v string) FlowOpt { return RespHdr("Set-Cookie", v) }

// Cookie appends a Cookie request header.
func Cookie(v string) FlowOpt { return Hdr("Cookie", v) }

// ReqBody sets the request body (as on the wire).
func ReqBody(s string) FlowOpt {
	return func(f *capture.Flow) { f.RequestBody = capture.Body{Bytes: []byte(s), Size: int64(len(s))} }
}

// RespBody sets the response body (already decoded, as HAR holds it).
func RespBody(s string) FlowOpt {
	return func(f *capture.Flow) {
		f.ResponseBody = capture.Body{Bytes: []byte(s), Size: int64(len(s)), Decoded: true}
	}
}

// StartAt places the flow's start at an offset from Epoch. Its end stays
// where it was unless that is now before the start (then 50 ms later):
// Lasting after StartAt sets the duration.
func StartAt(d time.Duration) FlowOpt { return func(f *capture.Flow) { f.Start = Epoch.Add(d) } }

// Lasting sets the flow's duration.
func Lasting(d time.Duration) FlowOpt { return func(f *capture.Flow) { f.End = f.Start.Add(d) } }

// UserAgent replaces the User-Agent header.
func UserAgent(v string) FlowOpt {
	return func(f *capture.Flow) {
		for i, h := range f.RequestHeaders {
			if h.Name == "User-Agent" {
				f.RequestHeaders[i].Value = v
				return
			}
		}
		f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: "User-Agent", Value: v})
	}
}

// FromClient sets the client address (ip:port; "" for a HAR from another tool).
func FromClient(addr string) FlowOpt { return func(f *capture.Flow) { f.ClientAddr = addr } }

// OnConn sets the client connection the flow came on.
func OnConn(id int64) FlowOpt { return func(f *capture.Flow) { f.ConnID = id } }

// ID sets the flow's number (for flows built without a Capture).
func ID(id int) FlowOpt { return func(f *capture.Flow) { f.ID = id } }

// Now is the capture's clock: when the last flow added ended.
func (c *Capture) Now() time.Time { return c.now }

// SetNow moves the capture's clock (a capture from another year).
func (c *Capture) SetNow(t time.Time) { c.now = t }
