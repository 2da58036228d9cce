package export

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"

	"github.com/provtap/provtap/capture"
)

// RawRequest is f's request as HTTP/1.x bytes: the request line with the
// captured request-target, the headers in wire order with their original
// spelling, a blank line and the kept body.
//
// Three things are filled in so the bytes are a valid request, since a
// capture (an HTTP/2 HAR from a browser, a de-chunked body) may lack them: a
// Host header first when the flow has none, Content-Length at the end when a
// body has neither Content-Length nor Transfer-Encoding, and chunk framing
// when the request said Transfer-Encoding: chunked (the capture keeps the
// body de-chunked). CR, LF and NUL inside a field are replaced by SP, as RFC
// 9110 section 5.5 tells a recipient to, so a header can never split in two.
func RawRequest(f *capture.Flow) []byte {
	hs := withHostHeader(f, f.RequestHeaders)
	body := f.RequestBody.Bytes
	chunked := chunkedCoding(hs)
	var b bytes.Buffer
	b.Grow(256 + len(body))
	target := f.Target
	if target == "" {
		target = flowOriginForm(f)
	}
	writeRequestLine(&b, rawMethod(f), target, rawProto(f))
	for _, h := range hs {
		writeHeaderLine(&b, h)
	}
	if len(body) > 0 && !chunked && !capture.HasHeader(hs, "Content-Length") {
		writeHeaderLine(&b, capture.Header{Name: "Content-Length", Value: strconv.Itoa(len(body))})
	}
	b.WriteString("\r\n")
	if chunked {
		if len(body) > 0 {
			b.WriteString(strconv.FormatInt(int64(len(body)), 16))
			b.WriteString("\r\n")
			b.Write(body)
			b.WriteString("\r\n")
		}
		b.WriteString("0\r\n\r\n")
		return b.Bytes()
	}
	b.Write(body)
	return b.Bytes()
}

func writeRequestLine(b *bytes.Buffer, method, target, proto string) {
	b.WriteString(wireSafe(method))
	b.WriteByte(' ')
	b.WriteString(wireSafe(target))
	b.WriteByte(' ')
	b.WriteString(proto)
	b.WriteString("\r\n")
}

// writeHeaderLine writes "Name: value", or "Name:" for an empty value (what
// curl sends for one, and what the field is without optional whitespace).
func writeHeaderLine(b *bytes.Buffer, h capture.Header) {
	b.WriteString(wireSafe(h.Name))
	b.WriteByte(':')
	if h.Value != "" {
		b.WriteByte(' ')
		b.WriteString(wireSafe(h.Value))
	}
	b.WriteString("\r\n")
}

// wireSafe replaces CR, LF and NUL by SP: they cannot be inside a field.
func wireSafe(s string) string {
	if !strings.ContainsAny(s, "\r\n\x00") {
		return s
	}
	b := []byte(s) // bytewise: strings.Map would turn invalid UTF-8 into U+FFFD
	for i, c := range b {
		if c == '\r' || c == '\n' || c == 0 {
			b[i] = ' '
		}
	}
	return string(b)
}

func rawMethod(f *capture.Flow) string {
	if f.Method == "" {
		return "GET"
	}
	return f.Method
}

// rawProto is the HTTP/1.x version to write: the flow's own when it was
// HTTP/1.0, HTTP/1.1 otherwise (an HTTP/2 exchange has no HTTP/1 bytes).
func rawProto(f *capture.Flow) string {
	if strings.EqualFold(f.Proto, "HTTP/1.0") {
		return "HTTP/1.0"
	}
	return "HTTP/1.1"
}

// flowOriginForm is the path and query of the flow for a request sent straight to
// the server: Target as captured, an absolute-form target (a plain-http
// request to a forward proxy) cut down to its path, or the URL's.
func flowOriginForm(f *capture.Flow) string {
	t := f.Target
	if t == "" {
		if u, err := url.Parse(f.URL); err == nil {
			t = u.RequestURI()
			if u.ForceQuery && !strings.Contains(t, "?") {
				t += "?"
			}
		}
	}
	if i := strings.Index(t, "://"); i > 0 && !strings.HasPrefix(t, "/") {
		rest := t[i+3:]
		if j := strings.IndexAny(rest, "/?"); j >= 0 {
			t = rest[j:]
		} else {
			t = ""
		}
	}
	if t == "" {
		return "/"
	}
	if t[0] == '?' {
		return "/" + t
	}
	return t
}

// flowAuthority is host[:port] of the flow's upstream as a URL or Host header
// writes it: the port only when it is not the scheme's default.
func flowAuthority(f *capture.Flow) string {
	host, port := f.Host, f.Port
	if host == "" {
		if u, err := url.Parse(f.URL); err == nil {
			host = u.Hostname()
			port, _ = strconv.Atoi(u.Port())
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != 0 && port != capture.DefaultPort(replayScheme(f)) {
		host += ":" + strconv.Itoa(port)
	}
	return host
}

// replayScheme is http or https: the scheme curl must speak to the upstream.
func replayScheme(f *capture.Flow) string {
	s := strings.ToLower(f.Scheme)
	if s == "" {
		if u, err := url.Parse(f.URL); err == nil {
			s = strings.ToLower(u.Scheme)
		}
	}
	switch s {
	case "https", "wss":
		return "https"
	}
	return "http"
}

// withHostHeader returns hs with a Host header first when it has none: HTTP/1.1
// requires one, and every client puts it there.
func withHostHeader(f *capture.Flow, hs []capture.Header) []capture.Header {
	if capture.HasHeader(hs, "Host") {
		return hs
	}
	out := make([]capture.Header, 0, len(hs)+1)
	out = append(out, capture.Header{Name: "Host", Value: flowAuthority(f)})
	return append(out, hs...)
}

// chunkedCoding reports whether the last transfer coding is chunked.
func chunkedCoding(hs []capture.Header) bool {
	te := capture.HeaderValues(hs, "Transfer-Encoding")
	if len(te) == 0 {
		return false
	}
	codings := strings.Split(te[len(te)-1], ",")
	return strings.EqualFold(strings.TrimSpace(codings[len(codings)-1]), "chunked")
}
