package export

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// Curl returns a command, for pasting into bash or zsh, that sends f's
// request again byte for byte (HTTP/1.1, with curl 7.55 or later): the
// same method, request-target, headers in their order and spelling
// (duplicates and empty values included) and body. curl adds none of its
// own: its default User-Agent, Accept and Content-Type are switched off
// when the request had none, and its Host is moved or replaced when the
// request's differs.
//
// What is not the request is left out: hop-by-hop and proxy headers
// (Connection, Keep-Alive, Proxy-Authorization, TE, Transfer-Encoding, …)
// belong to the captured connection, and Content-Length is made to match the
// body. Every header and body byte is inside single quotes or $'…', so none
// of it can ever run as shell syntax; a body with NUL bytes or too long for
// one argument goes through printf (a builtin, not bound by the kernel's
// argument limit) on curl's standard input.
//
// Only fields HTTP itself cannot carry are changed: CR, LF and NUL inside a
// header become SP (RFC 9110 section 5.5), a value of nothing but blanks is
// sent empty, and a header whose name is not a valid token is left out.
func Curl(f *capture.Flow) string {
	return NewRequest(f).Curl()
}

// Request is what sending f's request again puts on the wire: the one
// request builder behind every way provtap resends a request — the curl
// command (Curl), the curl config file and the replay (its Bytes). Build it
// with NewRequest.
type Request struct {
	method, scheme, authority, target string
	proto                             string // as captured: HTTP/1.0 is kept, others become HTTP/1.1
	headers                           []capture.Header
	body                              []byte
}

// Scheme is http or https: how the request must reach the upstream.
func (r *Request) Scheme() string { return r.scheme }

// Authority is host[:port] of the upstream (the port only when it is not
// the scheme's default).
func (r *Request) Authority() string { return r.authority }

// Bytes is the request as HTTP/1.x bytes, exactly what Curl's command and a
// replay send.
func (r *Request) Bytes() []byte { return RawRequest(r.flow()) }

// NewRequest builds the request that resends f: its method, request-target,
// headers in order and spelling and body, without what belonged to the
// captured connection (hop-by-hop and proxy headers), with a Host header and
// a Content-Length that counts the body.
func NewRequest(f *capture.Flow) *Request {
	r := &Request{
		method:    wireSafe(rawMethod(f)),
		scheme:    replayScheme(f),
		authority: flowAuthority(f),
		target:    wireSafe(flowOriginForm(f)),
		proto:     strings.ToUpper(f.Proto),
		body:      f.RequestBody.Bytes,
	}
	for _, h := range withHostHeader(f, httpx.EndToEnd(f.RequestHeaders)) {
		if !isFieldName(h.Name) {
			continue
		}
		v := wireSafe(h.Value)
		if strings.Trim(v, " \t\v\f") == "" {
			v = "" // curl cannot send blanks alone; RFC 9110 calls them empty
		}
		r.headers = append(r.headers, capture.Header{Name: h.Name, Value: v})
	}
	// Content-Length must count the bytes actually sent, or the server hangs.
	n, has := strconv.Itoa(len(r.body)), false
	for i := range r.headers {
		if strings.EqualFold(r.headers[i].Name, "Content-Length") {
			r.headers[i].Value, has = n, true
		}
	}
	if !has && len(r.body) > 0 {
		r.headers = append(r.headers, capture.Header{Name: "Content-Length", Value: n})
	}
	return r
}

// flow is the request as a Flow, so RawRequest gives its bytes.
func (r *Request) flow() *capture.Flow {
	proto := "HTTP/1.1"
	if r.proto == "HTTP/1.0" {
		proto = r.proto
	}
	return &capture.Flow{Method: r.method, Scheme: r.scheme, Target: r.target, Proto: proto,
		RequestHeaders: r.headers, RequestBody: capture.Body{Bytes: r.body, Size: int64(len(r.body))}}
}

// maxArgBody is the largest body passed as an argument: Linux refuses a
// single argument over 128 KiB (MAX_ARG_STRLEN).
const maxArgBody = 64 << 10

// expectThreshold is the body size above which some curl versions add
// "Expect: 100-continue" (1 KiB before 7.71, 1 MiB after).
const expectThreshold = 1024

// curlOpt is one curl option of the command that resends a request: its
// long name without the dashes, and its value unless it is a flag.
type curlOpt struct {
	name, value string
	flag        bool
}

// curlPlan is what makes curl send a request's bytes, whatever writes it
// down: Curl as a bash/zsh command, CurlConfig as a config file.
type curlPlan struct {
	head    []curlOpt // protocol version, method, URL, request-target
	headers []curlOpt // one -H each, in order, with curl's own switched off
}

// plan is the curl options that send r's method, target and headers (the
// body is up to each writer).
func (r *Request) plan() curlPlan {
	hasBody := len(r.body) > 0
	var p curlPlan
	opt := func(name, value string) { p.head = append(p.head, curlOpt{name: name, value: value}) }
	flag := func(name string) { p.head = append(p.head, curlOpt{name: name, flag: true}) }
	switch {
	case r.proto == "HTTP/1.0":
		flag("http1.0")
	case r.scheme == "https":
		// Else curl would negotiate HTTP/2, and send other bytes (an
		// HTTP/2 capture is replayed as HTTP/1.1, like RawRequest).
		flag("http1.1")
	}
	// -X HEAD would wait for a body that never comes, so -I; but curl
	// refuses -I with data, so a HEAD with a body is -X HEAD.
	switch {
	case r.method == "HEAD" && !hasBody:
		flag("head")
	case r.method == "GET" && !hasBody, r.method == "POST" && hasBody:
	default:
		opt("request", r.method)
	}
	if decodable(capture.HeaderValues(r.headers, "Accept-Encoding")) {
		// The request's own Accept-Encoding is still sent as it was (a
		// header given with -H replaces curl's); this only makes curl print
		// the answer decoded rather than as gzip, br or zstd bytes.
		flag("compressed")
	}
	base := r.scheme + "://" + r.authority
	if curlKeepsTarget(r.target) {
		if strings.ContainsAny(r.target, "[]{}") {
			flag("globoff") // no URL globbing
		}
		if hasDotSegment(r.target) {
			flag("path-as-is") // keep /./ and /../
		}
		opt("url", base+r.target)
	} else {
		// curl would percent-encode or cut these bytes in a URL.
		opt("url", base+"/")
		opt("request-target", r.target)
	}

	hdr := func(s string) { p.headers = append(p.headers, curlOpt{name: "header", value: s}) }
	// curl sends its Host first; a custom "Host: x" takes that slot as
	// "Host: x". Anything else is sent in place after clearing curl's.
	hosts := 0
	for _, h := range r.headers {
		if strings.EqualFold(h.Name, "Host") {
			hosts++
		}
	}
	simpleHost := hosts == 1 && r.headers[0].Name == "Host" && r.headers[0].Value != ""
	if !simpleHost {
		hdr("Host:")
	}
	cls := len(capture.HeaderValues(r.headers, "Content-Length"))
	for i, h := range r.headers {
		if i == 0 && simpleHost && h.Value == r.authority {
			continue // curl writes this very line
		}
		if i == len(r.headers)-1 && hasBody && cls == 1 && h.Name == "Content-Length" {
			continue // curl writes it last, with this value
		}
		if h.Value == "" {
			hdr(h.Name + ";") // curl's syntax for an empty header
		} else {
			hdr(h.Name + ": " + h.Value)
		}
	}
	// Switch off what curl would add on its own.
	if !capture.HasHeader(r.headers, "User-Agent") {
		hdr("User-Agent:")
	}
	if !capture.HasHeader(r.headers, "Accept") {
		hdr("Accept:")
	}
	if hasBody && !capture.HasHeader(r.headers, "Content-Type") {
		hdr("Content-Type:")
	}
	if len(r.body) > expectThreshold && !capture.HasHeader(r.headers, "Expect") {
		hdr("Expect:")
	}
	return p
}

// shellShort are the options Curl writes in their short form.
var shellShort = map[string]string{"request": "-X", "head": "-I", "globoff": "-g", "header": "-H"}

// shellArg is o as bash/zsh words: the URL bare, the method as a word.
func shellArg(o curlOpt) string {
	name := shellShort[o.name]
	if name == "" {
		name = "--" + o.name
	}
	switch {
	case o.flag:
		return name
	case o.name == "url":
		return shellQuote(o.value)
	case o.name == "request":
		return name + " " + shellWord(o.value)
	}
	return name + " " + shellQuote(o.value)
}

// Curl is the request as a bash/zsh command (see the package function Curl).
func (r *Request) Curl() string {
	p := r.plan()
	head := []string{"curl"}
	for _, o := range p.head {
		head = append(head, shellArg(o))
	}
	var lines []string
	for _, o := range p.headers {
		lines = append(lines, shellArg(o))
	}
	var pre string
	switch {
	case len(r.body) == 0:
	case len(r.body) <= maxArgBody && bytes.IndexByte(r.body, 0) < 0:
		// --data-raw, unlike -d and --data-binary, reads no file for "@…".
		lines = append(lines, "--data-raw "+shellQuote(string(r.body)))
	default:
		pre = "printf " + printfFormat(r.body) + " |\n  "
		lines = append(lines, "--data-binary @-")
	}
	var sb strings.Builder
	sb.WriteString(pre)
	sb.WriteString(strings.Join(head, " "))
	for _, l := range lines {
		sb.WriteString(" \\\n  ")
		sb.WriteString(l)
	}
	return sb.String()
}

// curlKeepsTarget reports whether curl sends t unchanged when it is the path
// of a URL (given -g and --path-as-is): printable ASCII other than '#'
// (a fragment, cut) and '\' (a path separator to curl on Windows).
func curlKeepsTarget(t string) bool {
	if !strings.HasPrefix(t, "/") {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c <= ' ' || c >= 0x7f || c == '#' || c == '\\' {
			return false
		}
	}
	return true
}

// hasDotSegment reports a "." or ".." path segment, which curl would resolve.
func hasDotSegment(t string) bool {
	path, _, _ := strings.Cut(t, "?")
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// isFieldName reports an RFC 9110 token, what a header name must be.
func isFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
