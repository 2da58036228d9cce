package har

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/provtap/provtap/capture"
)

// HAR 1.2 types. Only what provtap writes or reads; `_`-prefixed fields are
// provtap's own, which other tools ignore.

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	ServerIPAddress string      `json:"serverIPAddress,omitempty"`
	Connection      string      `json:"connection,omitempty"`

	ClientAddress string `json:"_clientAddress,omitempty"`
	Kind          string `json:"_kind,omitempty"`
	Error         string `json:"_error,omitempty"`
	OriginalHost  string `json:"_originalHost,omitempty"`
	ReplayOf      int    `json:"_replayOf,omitempty"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harCookie struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Path     string `json:"path,omitempty"`
	Domain   string `json:"domain,omitempty"`
	Expires  string `json:"expires,omitempty"`
	HTTPOnly bool   `json:"httpOnly,omitempty"`
	Secure   bool   `json:"secure,omitempty"`
}

type harRequest struct {
	Method        string       `json:"method"`
	URL           string       `json:"url"`
	HTTPVersion   string       `json:"httpVersion"`
	Cookies       []harCookie  `json:"cookies"`
	Headers       []harNV      `json:"headers"`
	QueryString   []harNV      `json:"queryString"`
	PostData      *harPostData `json:"postData,omitempty"`
	HeadersSize   int64        `json:"headersSize"`
	BodySize      int64        `json:"bodySize"`
	RequestTarget string       `json:"_requestTarget,omitempty"`
}

type harPostData struct {
	MimeType  string  `json:"mimeType"`
	Text      string  `json:"text"`
	Params    []harNV `json:"params,omitempty"`
	Encoding  string  `json:"encoding,omitempty"` // provtap: "base64" for non-UTF-8 bodies
	Truncated bool    `json:"_truncated,omitempty"`
}

type harResponse struct {
	Status      int         `json:"status"`
	StatusText  string      `json:"statusText"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []harCookie `json:"cookies"`
	Headers     []harNV     `json:"headers"`
	Content     harContent  `json:"content"`
	RedirectURL string      `json:"redirectURL"`
	HeadersSize int64       `json:"headersSize"`
	BodySize    int64       `json:"bodySize"`
}

type harContent struct {
	Size        int64  `json:"size"`
	Compression int64  `json:"compression,omitempty"`
	MimeType    string `json:"mimeType"`
	Text        string `json:"text,omitempty"`
	Encoding    string `json:"encoding,omitempty"`
	Truncated   bool   `json:"_truncated,omitempty"`
	// NotDecoded is set when Text holds the bytes as sent (Content-Encoding
	// not removed, because they could not be decoded).
	NotDecoded bool `json:"_notDecoded,omitempty"`
}

type harTimings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
	SSL     float64 `json:"ssl"`
}

// harTimeLayout keeps microseconds so that start order survives a round trip.
const harTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// flowFromEntry converts a HAR entry from provtap or another tool.
func flowFromEntry(e *harEntry) *capture.Flow {
	f := &capture.Flow{
		Kind:         e.Kind,
		ClientAddr:   e.ClientAddress,
		Method:       e.Request.Method,
		URL:          e.Request.URL,
		Target:       e.Request.RequestTarget,
		Proto:        normProto(e.Request.HTTPVersion),
		Status:       e.Response.Status,
		StatusText:   e.Response.StatusText,
		Error:        e.Error,
		OriginalHost: e.OriginalHost,
		ReplayOf:     e.ReplayOf,
	}
	f.ResponseProto = normProto(e.Response.HTTPVersion)
	f.Start = parseHARTime(e.StartedDateTime)
	if e.Time > 0 {
		f.End = f.Start.Add(time.Duration(e.Time * float64(time.Millisecond)))
	} else {
		f.End = f.Start
	}
	f.Timings = capture.Timings{Send: harDur(e.Timings.Send), Wait: harDur(e.Timings.Wait), Receive: harDur(e.Timings.Receive)}
	if e.Connection != "" { // "" would only allocate the parse error
		if id, err := strconv.ParseInt(e.Connection, 10, 64); err == nil {
			f.ConnID = id
		}
	}
	if scheme, host, port, target, ok := urlParts(f.URL, f.Target == ""); ok {
		f.Scheme, f.Host = scheme, host
		if port != "" {
			f.Port, _ = strconv.Atoi(port)
		}
		if f.Port == 0 {
			f.Port = capture.DefaultPort(f.Scheme)
		}
		if f.Target == "" {
			f.Target = target
		}
	}
	f.RequestHeaders = fromHARHeaders(e.Request.Headers)
	f.ResponseHeaders = fromHARHeaders(e.Response.Headers)
	// Browser HARs may list cookies only in the cookies arrays.
	if !f.HasRequestHeader("Cookie") && len(e.Request.Cookies) > 0 {
		var parts []string
		for _, c := range e.Request.Cookies {
			parts = append(parts, c.Name+"="+c.Value)
		}
		f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: "Cookie", Value: strings.Join(parts, "; ")})
	}
	if !capture.HasHeader(f.ResponseHeaders, "Set-Cookie") {
		for _, c := range e.Response.Cookies {
			f.ResponseHeaders = append(f.ResponseHeaders, capture.Header{Name: "Set-Cookie", Value: setCookieString(c)})
		}
	}
	if pd := e.Request.PostData; pd != nil {
		b := ownedBytes(pd.Text)
		if pd.Encoding == "base64" {
			if d, err := base64.StdEncoding.DecodeString(pd.Text); err == nil {
				b = d
			}
		} else if pd.Text == "" && len(pd.Params) > 0 {
			b = []byte(encodeParams(pd.Params))
		}
		f.RequestBody = capture.Body{Bytes: b, Size: int64(len(b)), Truncated: pd.Truncated}
	}
	if e.Request.BodySize > f.RequestBody.Size {
		f.RequestBody.Size = e.Request.BodySize
	}
	c := e.Response.Content
	rb := ownedBytes(c.Text)
	if c.Encoding == "base64" {
		if d, err := base64.StdEncoding.DecodeString(c.Text); err == nil {
			rb = d
		}
	}
	f.ResponseBody = capture.Body{Bytes: rb, Size: e.Response.BodySize, Truncated: c.Truncated, Decoded: !c.NotDecoded}
	if f.ResponseBody.Size < 0 {
		f.ResponseBody.Size = max(c.Size, int64(len(rb)))
	}
	return f
}

// ownedBytes is []byte(s) for a string the entry alone holds, which the
// decoders make every body text (a copy of their input, never shared or
// interned) and which nothing reads once the flow is made: its bytes become
// the body's without a second copy. A string under two bytes is copied: the
// runtime may give such strings static storage.
func ownedBytes(s string) []byte {
	if len(s) < 2 {
		return []byte(s)
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

func encodeParams(ps []harNV) string {
	var sb strings.Builder
	for i, p := range ps {
		if i > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(url.QueryEscape(p.Name))
		sb.WriteByte('=')
		sb.WriteString(url.QueryEscape(p.Value))
	}
	return sb.String()
}

func setCookieString(c harCookie) string {
	s := c.Name + "=" + c.Value
	if c.Path != "" {
		s += "; Path=" + c.Path
	}
	if c.Domain != "" {
		s += "; Domain=" + c.Domain
	}
	if c.Expires != "" {
		if t := parseHARTime(c.Expires); !t.IsZero() {
			s += "; Expires=" + t.UTC().Format(time.RFC1123)
		}
	}
	if c.Secure {
		s += "; Secure"
	}
	if c.HTTPOnly {
		s += "; HttpOnly"
	}
	return s
}

// harNV is capture.Header with JSON names (this conversion compiles only
// while both are the same two strings).
var _ = capture.Header(harNV{})

func fromHARHeaders(nvs []harNV) []capture.Header {
	if !slices.ContainsFunc(nvs, func(nv harNV) bool { return strings.HasPrefix(nv.Name, ":") }) {
		if len(nvs) == 0 {
			return []capture.Header{}
		}
		// The decoded array is the entry's own (shared only with the entry's
		// other lists, and cut with no spare capacity) and nothing else holds
		// it: it becomes the flow's headers as it is, not copied.
		return unsafe.Slice((*capture.Header)(unsafe.Pointer(unsafe.SliceData(nvs))), len(nvs))
	}
	out := make([]capture.Header, 0, len(nvs))
	for _, nv := range nvs {
		// HTTP/2 pseudo-headers (Chrome, Firefox) are not headers.
		if strings.HasPrefix(nv.Name, ":") {
			continue
		}
		out = append(out, capture.Header{Name: nv.Name, Value: nv.Value})
	}
	return out
}

func normProto(v string) string {
	switch v {
	case "HTTP/1.1", "HTTP/2.0", "HTTP/3.0": // already what the rest gives
		return v
	}
	switch strings.ToLower(v) {
	case "", "unknown":
		return "HTTP/1.1"
	case "h2", "http/2", "http/2.0":
		return "HTTP/2.0"
	case "h3", "http/3":
		return "HTTP/3.0"
	}
	return strings.ToUpper(v)
}

func harDur(msec float64) time.Duration {
	if msec <= 0 {
		return 0
	}
	return time.Duration(msec * float64(time.Millisecond))
}
