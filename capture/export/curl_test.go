package export

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
)

// echoServer records each request's raw bytes as they come off the TCP
// connection, then answers 200 with no body.
type echoServer struct {
	ln   net.Listener
	got  chan []byte
	host string
	port int
}

func newEchoServer(t testing.TB) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startEcho(t, ln)
}

// newTLSEchoServer offers h2 and http/1.1 by ALPN, as real servers do; the
// returned file is its certificate for CURL_CA_BUNDLE.
func newTLSEchoServer(t testing.TB) (*echoServer, string) {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	hs.StartTLS()
	certs := hs.TLS.Certificates
	der := hs.Certificate().Raw
	hs.Close()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: certs, NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return startEcho(t, ln), ca
}

func startEcho(t testing.TB, ln net.Listener) *echoServer {
	s := &echoServer{ln: ln, got: make(chan []byte, 16), host: "127.0.0.1", port: ln.Addr().(*net.TCPAddr).Port}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *echoServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReaderSize(c, 64<<10)
	var raw []byte
	cl := 0
	for {
		line, err := br.ReadBytes('\n')
		raw = append(raw, line...)
		if err != nil {
			s.got <- raw
			return
		}
		name, value, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(":"))
		if strings.EqualFold(string(name), "content-length") {
			cl, _ = strconv.Atoi(strings.TrimSpace(string(value)))
		}
		if string(line) == "\r\n" {
			break
		}
	}
	if bytes.Contains(bytes.ToLower(raw), []byte("\r\nexpect: 100-continue\r\n")) {
		c.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
	}
	body := make([]byte, cl)
	n, _ := io.ReadFull(br, body)
	raw = append(raw, body[:n]...)
	c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
	s.got <- raw
}

func (s *echoServer) next(t testing.TB) []byte {
	t.Helper()
	select {
	case b := <-s.got:
		return b
	case <-time.After(30 * time.Second):
		t.Fatal("the echo server received no request")
		return nil
	}
}

// sendRaw sends raw bytes as the original client would, and returns what
// the server received.
func (s *echoServer) sendRaw(t testing.TB, raw []byte) []byte {
	t.Helper()
	c, err := net.Dial("tcp", s.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(raw); err != nil {
		t.Fatal(err)
	}
	return s.next(t)
}

func clip(s string) string {
	if len(s) > 1500 {
		return s[:1500] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}

// replayExpected is what Curl's command must make the server receive.
func replayExpected(f *capture.Flow) []byte { return NewRequest(f).Bytes() }

// flowTo makes a flow addressed to the echo server.
func (s *echoServer) flow(method, target string, hs []capture.Header, body string) *capture.Flow {
	f := &capture.Flow{Method: method, Scheme: "http", Host: s.host, Port: s.port, Target: target, Proto: "HTTP/1.1",
		URL:            "http://" + s.host + ":" + strconv.Itoa(s.port) + target,
		RequestHeaders: hs, RequestBody: capture.Body{Bytes: []byte(body), Size: int64(len(body))}}
	return f
}

func hostH(s *echoServer) capture.Header {
	return capture.Header{Name: "Host", Value: s.host + ":" + strconv.Itoa(s.port)}
}

func allBytes() string {
	b := make([]byte, 0, 512)
	for i := 0; i < 256; i++ {
		b = append(b, byte(i))
	}
	return string(b) + "\x00\x00end\n"
}

// tenMiBBody is 10 MiB of every byte value and line endings of every kind.
var tenMiBBody = func() string {
	chunk := allBytes() + "\r\n\n\r%s\\x00'\"$(x)"
	return strings.Repeat(chunk, 10<<20/len(chunk)+1)[:10<<20]
}()

type curlCase struct {
	name  string
	flow  *capture.Flow
	clean bool   // the replay must equal RawRequest of the flow itself
	want  string // else, when set, the exact bytes expected
}

func curlCases(s *echoServer) []curlCase {
	h := hostH(s)
	json := `{"userName":"jdoe","active":true}`
	big := strings.Repeat("line of text with 'quotes' and $(x) and %s\n", 5000) // ~220 KiB
	bigBin := strings.Repeat(allBytes(), 2500) + strings.Repeat("x", 600000)    // > 1 MiB
	tenMiB := tenMiBBody
	hop := s.flow("POST", "/hop", []capture.Header{h, {Name: "Connection", Value: "keep-alive, X-Hop"}, {Name: "X-Hop", Value: "1"}, {Name: "Keep-Alive", Value: "timeout=5"},
		{Name: "Proxy-Authorization", Value: "Basic c2VjcmV0"}, {Name: "Proxy-Connection", Value: "keep-alive"}, {Name: "TE", Value: "trailers"}, {Name: "Trailer", Value: "X-T"},
		{Name: "Transfer-Encoding", Value: "chunked"}, {Name: "Upgrade", Value: "h2c"}, {Name: "X-Keep", Value: "yes"}}, "abc")
	hopWant := fmt.Sprintf("POST /hop HTTP/1.1\r\nHost: %s\r\nX-Keep: yes\r\nContent-Length: 3\r\n\r\nabc", h.Value)
	return []curlCase{
		{name: "ordinary JSON", clean: true, flow: s.flow("POST", "/admin/users", []capture.Header{h, {Name: "Authorization", Value: "Basic cHJvdjpzM2NyZXQ="},
			{Name: "Content-Type", Value: "application/json"}, {Name: "User-Agent", Value: "Java-http-client/17"}, {Name: "Content-Length", Value: strconv.Itoa(len(json))}}, json)},
		{name: "single quotes", clean: true, flow: s.flow("PUT", "/q'q", []capture.Header{h, {Name: "X-Q", Value: "it's 'quoted'"}, {Name: "'", Value: "'"}}, `'it''s'`)},
		{name: "command substitution and backticks", clean: true, flow: s.flow("POST", "/$(id)", []capture.Header{h, {Name: "X-Sub", Value: "$(touch X) `touch Y` ${HOME} $HOME"}}, "$(touch X)\n`touch Y`\n${HOME}!!")},
		{name: "CR and LF in body", clean: true, flow: s.flow("POST", "/crlf", []capture.Header{h}, "a\r\nb\rc\nd\r\n")},
		{name: "CR and LF in a header", flow: s.flow("GET", "/crlfh", []capture.Header{h, {Name: "X-Split", Value: "a\r\nX-Injected: 1"}}, ""),
			want: fmt.Sprintf("GET /crlfh HTTP/1.1\r\nHost: %s\r\nX-Split: a  X-Injected: 1\r\n\r\n", h.Value)},
		{name: "trailing newlines", clean: true, flow: s.flow("POST", "/nl", []capture.Header{h}, "body\n\n\n")},
		{name: "only newlines", clean: true, flow: s.flow("POST", "/nl2", []capture.Header{h}, "\n")},
		{name: "percent and backslashes", clean: true, flow: s.flow("POST", "/p%41%zz?a=%25", []capture.Header{h, {Name: "X-P", Value: `100% \n \\ \x41 %s`}}, `%s %d %% \x41 \\ \n \c`)},
		{name: "binary and NUL bytes", clean: true, flow: s.flow("POST", "/bin", []capture.Header{h, {Name: "Content-Type", Value: "application/octet-stream"}}, allBytes())},
		{name: "leading dash binary", clean: true, flow: s.flow("POST", "/dash", []capture.Header{h}, "-\x00-n")},
		{name: "UTF-8", clean: true, flow: s.flow("POST", "/utf8", []capture.Header{h, {Name: "X-Name", Value: "Grüße ✓ 日本"}}, "{\"name\":\"Zoë ✓ 日本語 \u202e\u00a0\"}")},
		{name: "body starting with @", clean: true, flow: s.flow("POST", "/at", []capture.Header{h}, "@/etc/passwd")},
		{name: "URL globbing characters", clean: true, flow: s.flow("GET", "/a/[b]/{c}?x[]=1&y={2,3}", []capture.Header{h}, "")},
		{name: "dot segments", clean: true, flow: s.flow("GET", "/a/../b/./c/..", []capture.Header{h}, "")},
		{name: "target curl would encode", clean: true, flow: s.flow("GET", "/a b/é\\x?q=1#frag", []capture.Header{h}, "")},
		{name: "asterisk target", clean: true, flow: s.flow("OPTIONS", "*", []capture.Header{h}, "")},
		{name: "HEAD", clean: true, flow: s.flow("HEAD", "/users", []capture.Header{h, {Name: "Accept", Value: "application/scim+json"}}, "")},
		{name: "custom method with body", clean: true, flow: s.flow("PROPFIND", "/dav", []capture.Header{h, {Name: "Depth", Value: "1"}}, "<propfind/>")},
		{name: "lowercase custom method", clean: true, flow: s.flow("purge", "/c", []capture.Header{h}, "")},
		{name: "POST without body", clean: true, flow: s.flow("POST", "/empty", []capture.Header{h, {Name: "Content-Length", Value: "0"}}, "")},
		{name: "GET with body", clean: true, flow: s.flow("GET", "/search", []capture.Header{h, {Name: "Content-Type", Value: "application/json"}}, `{"q":1}`)},
		{name: "header values starting with -", clean: true, flow: s.flow("GET", "/dash", []capture.Header{h, {Name: "X-Opt", Value: "-v --trace /tmp/x"}, {Name: "-x", Value: "-"}}, "")},
		{name: "body over 128 KiB", clean: true, flow: s.flow("POST", "/big", []capture.Header{h, {Name: "Content-Type", Value: "text/plain"}}, big)},
		{name: "binary body over 1 MiB", clean: true, flow: s.flow("PUT", "/bigbin", []capture.Header{h}, bigBin)},
		{name: "10 MiB binary body", clean: true, flow: s.flow("POST", "/bulk", []capture.Header{h, {Name: "Content-Type", Value: "application/octet-stream"}}, tenMiB)},
		{name: "header bytes not UTF-8", clean: true, flow: s.flow("GET", "/latin1", []capture.Header{h, {Name: "X-Name", Value: "Ren\xe9e M\xfcller"}, {Name: "X-Ctl", Value: "a\x01b\x7fc"}}, "")},
		{name: "method of token symbols", clean: true, flow: s.flow("X-MS_ENUM.ATTS!~", "/odd", []capture.Header{h}, "x")},
		{name: "Host differs from URL", clean: true, flow: s.flow("GET", "/r", []capture.Header{{Name: "Host", Value: "public.example.com"}, {Name: "Accept", Value: "*/*"}}, "")},
		{name: "Host not first", clean: true, flow: s.flow("GET", "/r", []capture.Header{{Name: "User-Agent", Value: "x"}, {Name: "Host", Value: "public.example.com:8443"}}, "")},
		{name: "lowercase host", clean: true, flow: s.flow("GET", "/r", []capture.Header{{Name: "host", Value: h.Value}, {Name: "accept", Value: "*/*"}}, "")},
		{name: "no Host captured", clean: true, flow: s.flow("GET", "/h2", []capture.Header{{Name: "Accept", Value: "*/*"}}, "")},
		{name: "duplicate headers", clean: true, flow: s.flow("GET", "/dup", []capture.Header{h, {Name: "X-Dup", Value: "1"}, {Name: "Cookie", Value: "a=1"}, {Name: "X-Dup", Value: "2"}, {Name: "Cookie", Value: "b=2"}, {Name: "X-Dup", Value: "1"}}, "")},
		{name: "empty header values", clean: true, flow: s.flow("GET", "/empty", []capture.Header{h, {Name: "X-Empty", Value: ""}, {Name: "Accept", Value: ""}, {Name: "User-Agent", Value: ""}}, "")},
		{name: "empty Host", clean: true, flow: s.flow("GET", "/eh", []capture.Header{{Name: "Host", Value: ""}, {Name: "X-A", Value: "1"}}, "")},
		{name: "blank header value", flow: s.flow("GET", "/blank", []capture.Header{h, {Name: "X-Blank", Value: "   "}}, ""),
			want: fmt.Sprintf("GET /blank HTTP/1.1\r\nHost: %s\r\nX-Blank:\r\n\r\n", h.Value)},
		{name: "hop-by-hop headers", flow: hop, want: hopWant},
		{name: "gzip accepted", clean: true, flow: s.flow("GET", "/gz", []capture.Header{h, {Name: "Accept-Encoding", Value: "gzip, deflate"}, {Name: "Accept", Value: "*/*"}}, "")},
		{name: "curl's headers in other places", clean: true, flow: s.flow("POST", "/order", []capture.Header{{Name: "Content-Length", Value: "2"}, {Name: "Accept", Value: "a"}, h, {Name: "Content-Type", Value: "x"}, {Name: "User-Agent", Value: "u"}}, "{}")},
		{name: "Expect 100-continue", clean: true, flow: s.flow("PUT", "/expect", []capture.Header{h, {Name: "Expect", Value: "100-continue"}, {Name: "Content-Length", Value: "5"}}, "hello")},
		{name: "HTTP/1.0", clean: true, flow: func() *capture.Flow {
			f := s.flow("GET", "/old", []capture.Header{h, {Name: "User-Agent", Value: "old"}}, "")
			f.Proto = "HTTP/1.0"
			return f
		}()},
		{name: "Content-Length of a truncated body", flow: s.flow("POST", "/trunc", []capture.Header{h, {Name: "Content-Length", Value: "9999"}}, "kept"),
			want: fmt.Sprintf("POST /trunc HTTP/1.1\r\nHost: %s\r\nContent-Length: 4\r\n\r\nkept", h.Value)},
		{name: "absolute-form target", flow: s.flow("GET", "http://"+h.Value+"/abs?x=1", []capture.Header{h}, ""),
			want: fmt.Sprintf("GET /abs?x=1 HTTP/1.1\r\nHost: %s\r\n\r\n", h.Value)},
	}
}

// TestCurlReadable: an ordinary JSON request is exported without escapes.
func TestCurlReadable(t *testing.T) {
	f := &capture.Flow{Method: "POST", Scheme: "https", Host: "idm.example.com", Port: 443, Target: "/admin/users",
		RequestHeaders: []capture.Header{{Name: "Host", Value: "idm.example.com"}, {Name: "Accept", Value: "application/json"}, {Name: "User-Agent", Value: "Java/17"},
			{Name: "Content-Type", Value: "application/json"}, {Name: "Content-Length", Value: "13"}},
		RequestBody: capture.Body{Bytes: []byte(`{"name":"jd"}`), Size: 13}}
	want := "curl --http1.1 'https://idm.example.com/admin/users' \\\n" +
		"  -H 'Accept: application/json' \\\n" +
		"  -H 'User-Agent: Java/17' \\\n" +
		"  -H 'Content-Type: application/json' \\\n" +
		"  --data-raw '{\"name\":\"jd\"}'"
	if got := Curl(f); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	f = &capture.Flow{Method: "PATCH", Scheme: "http", Host: "h", Port: 8080, Target: "/g/1",
		RequestHeaders: []capture.Header{{Name: "Host", Value: "h:8080"}, {Name: "Cookie", Value: "JSESSIONID=abc"}}}
	want = "curl -X PATCH 'http://h:8080/g/1' \\\n  -H 'Cookie: JSESSIONID=abc' \\\n  -H 'User-Agent:' \\\n  -H 'Accept:'"
	if got := Curl(f); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestCurlCompressed: --compressed (curl prints the answer decoded) when
// the request accepts a coding curl decodes: gzip or deflate, which every
// curl decodes (a Chrome request's "gzip, deflate, br, zstd" among them),
// br or zstd when this machine's curl does; never for q=0 or identity.
func TestCurlCompressed(t *testing.T) {
	for ae, want := range map[string]bool{"gzip": true, "gzip, deflate": true, "gzip;q=1.0, identity; q=0.5": true,
		"gzip, deflate, br": true, "gzip, deflate, br, zstd": true, "*": true, "": false, "identity": false, "gzip;q=0": false,
		"br": CurlCodings()["br"], "zstd": CurlCodings()["zstd"]} {
		f := &capture.Flow{Method: "GET", Scheme: "http", Host: "h", Target: "/", RequestHeaders: []capture.Header{{Name: "Host", Value: "h"}, {Name: "Accept-Encoding", Value: ae}}}
		if got := strings.Contains(Curl(f), "--compressed"); got != want {
			t.Errorf("Accept-Encoding %q: --compressed %v, want %v", ae, got, want)
		}
	}
	plain := map[string]bool{"gzip": true, "deflate": true}
	full := withFeatures(map[string]bool{"gzip": true, "deflate": true},
		"curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 OpenSSL/3.0.19 zlib/1.2.13 brotli/1.0.9 zstd/1.5.4\n"+
			"Features: alt-svc AsynchDNS brotli GSS-API HSTS HTTP2 HTTPS-proxy IDN IPv6 Kerberos Largefile libz NTLM PSL SPNEGO SSL threadsafe TLS-SRP UnixSockets zstd\n")
	for _, c := range []struct {
		ae      string
		codings map[string]bool
		want    bool
	}{
		{"br", plain, false}, {"zstd", plain, false}, {"br", full, true}, {"zstd, br;q=0", full, true}, {"br;q=0", full, false},
	} {
		if got := decodableBy([]string{c.ae}, c.codings); got != c.want {
			t.Errorf("Accept-Encoding %q with %v: %v, want %v", c.ae, c.codings, got, c.want)
		}
	}
}

func TestRawRequest(t *testing.T) {
	f := &capture.Flow{Method: "PUT", Scheme: "https", Host: "h", Port: 443, Target: "/g?x=1", Proto: "HTTP/2.0",
		RequestHeaders: []capture.Header{{Name: "content-type", Value: "application/json"}, {Name: "X-Empty", Value: ""}, {Name: "X-Bad", Value: "a\r\nb"}},
		RequestBody:    capture.Body{Bytes: []byte("{}\n"), Size: 3}}
	want := "PUT /g?x=1 HTTP/1.1\r\nHost: h\r\ncontent-type: application/json\r\nX-Empty:\r\nX-Bad: a  b\r\nContent-Length: 3\r\n\r\n{}\n"
	if got := string(RawRequest(f)); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	f.RequestHeaders = []capture.Header{{Name: "Host", Value: "h"}, {Name: "Transfer-Encoding", Value: "chunked"}}
	want = "PUT /g?x=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{}\n\r\n0\r\n\r\n"
	if got := string(RawRequest(f)); got != want {
		t.Errorf("chunked: got %q\nwant %q", got, want)
	}
	f = &capture.Flow{Method: "GET", URL: "http://[::1]:8080/p?q", RequestHeaders: nil}
	want = "GET /p?q HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"
	if got := string(RawRequest(f)); got != want {
		t.Errorf("from URL: got %q\nwant %q", got, want)
	}
}
