// Package capture is provtap's proxy and capture file: it produces *Flow
// values, records them as HAR and reads captures back.
package capture

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Header is one header line as the client or server sent it: original
// spelling, wire order, duplicates kept.
type Header struct {
	Name  string
	Value string
}

// Body is what was kept of one message body.
type Body struct {
	Bytes     []byte // at most --max-body bytes, as on the wire (still Content-Encoded) unless Decoded
	Size      int64  // the full size on the wire
	Truncated bool   // Bytes holds only the first part
	Decoded   bool   // Bytes already had Content-Encoding removed (HAR from other tools)
}

// Timings splits Flow duration the way HAR does.
type Timings struct {
	Send    time.Duration // request sent upstream
	Wait    time.Duration // waiting for the first response byte
	Receive time.Duration // reading the response body
}

// Flow kinds beside an ordinary exchange.
const (
	KindHTTP       = ""
	KindTLSFailure = "tls-handshake-failed" // the client aborted the TLS handshake with provtap
	KindWebSocket  = "websocket"            // an upgraded connection, recorded as one flow
	// KindOutOfScope is a CONNECT to a host outside a name-constrained CA's
	// domains (provtap ca --limit-to): tunnelled as is, not decrypted, one
	// flow with the bytes each way as its body sizes.
	KindOutOfScope = "tunnel-out-of-scope"
)

// Flow is one request/response exchange (or a failed attempt at one).
type Flow struct {
	ID     int       // 1-based, in order of request start
	ConnID int64     // which client TCP/TLS connection carried it
	Kind   string    // KindHTTP, KindTLSFailure, KindWebSocket, KindOutOfScope
	Start  time.Time // request start
	End    time.Time // response end (or failure)

	ClientAddr string // ip:port of the client
	Scheme     string // http or https (of the upstream request)
	Host       string // upstream host, without port
	Port       int
	Method     string
	URL        string // absolute URL of the upstream request
	Target     string // request-target exactly as on the request line (path and query bytes)
	Proto      string // e.g. HTTP/1.1

	RequestHeaders []Header
	RequestBody    Body

	Status          int
	StatusText      string
	ResponseProto   string
	ResponseHeaders []Header
	ResponseBody    Body

	Timings Timings
	Error   string // upstream unreachable, TLS failure, client abort …

	// OriginalHost is the Host the client sent when reverse mode rewrote it.
	OriginalHost string
	// ReplayOf is the ID of the flow this one replays (0 when not a replay).
	ReplayOf int
}

// Duration is the time from request start to response end.
func (f *Flow) Duration() time.Duration {
	if f.End.IsZero() || f.End.Before(f.Start) {
		return 0
	}
	return f.End.Sub(f.Start)
}

// Origin is scheme://host:port, the unit browsers and analyzers scope state to.
func (f *Flow) Origin() string {
	return f.Scheme + "://" + strings.ToLower(f.Host) + ":" + strconv.Itoa(f.Port)
}

// Path returns the path (with query) of the request target.
func (f *Flow) Path() string {
	if f.Target != "" && !strings.HasPrefix(f.Target, "http://") && !strings.HasPrefix(f.Target, "https://") {
		return f.Target
	}
	u, err := url.Parse(f.URL)
	if err != nil {
		return f.URL
	}
	return u.RequestURI()
}

// RequestHeader returns the first value of the named request header ("" if absent).
func (f *Flow) RequestHeader(name string) string { return HeaderValue(f.RequestHeaders, name) }

// ResponseHeader returns the first value of the named response header.
func (f *Flow) ResponseHeader(name string) string { return HeaderValue(f.ResponseHeaders, name) }

// RequestHeaderValues returns every value of the named request header in wire order.
func (f *Flow) RequestHeaderValues(name string) []string { return HeaderValues(f.RequestHeaders, name) }

// ResponseHeaderValues returns every value of the named response header in wire order.
func (f *Flow) ResponseHeaderValues(name string) []string {
	return HeaderValues(f.ResponseHeaders, name)
}

// HasRequestHeader reports whether the request carried the header at all (even empty).
func (f *Flow) HasRequestHeader(name string) bool { return HasHeader(f.RequestHeaders, name) }

// HasHeader reports whether hs holds the named header at all (even empty).
func HasHeader(hs []Header, name string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

// DefaultPort is the port a URL of the scheme means when it names none.
func DefaultPort(scheme string) int {
	switch strings.ToLower(scheme) {
	case "https", "wss":
		return 443
	case "http", "ws":
		return 80
	}
	return 0
}

// Query returns the parsed query of the request URL (nil when it has none).
func (f *Flow) Query() url.Values {
	u, err := url.Parse(f.URL)
	if err != nil || u.RawQuery == "" {
		return nil
	}
	q, _ := url.ParseQuery(u.RawQuery)
	return q
}

// HeaderValue is the first value of the named header in hs ("" if absent),
// the name compared case-insensitively.
func HeaderValue(hs []Header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// HeaderValues is every value of the named header in hs, in wire order.
func HeaderValues(hs []Header, name string) []string {
	var out []string
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			out = append(out, h.Value)
		}
	}
	return out
}
