package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/export"
)

// rawSender sends request bytes exactly as given to an upstream, over a new
// connection made with the proxy's upstream settings (upstream proxy, TLS
// verification): a replay must put on the wire what the exported curl
// command shows, which net/http (sorted headers, HTTP/2) would not.
type rawSender struct {
	opts        Options
	dialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

func newRawSender(opts Options) *rawSender {
	return &rawSender{opts: opts, dialContext: dialFunc(opts)}
}

// send writes raw to orig's upstream and records the exchange as flow id.
// The flow's request is raw as parsed; a transport failure is an error and a
// flow with Error set.
func (s *rawSender) send(ctx context.Context, orig *capture.Flow, raw []byte, id int, start time.Time) (*capture.Flow, error) {
	out, err := flowFromRaw(raw)
	if err != nil {
		return nil, err
	}
	req := export.NewRequest(orig)
	out.ID, out.Start, out.ReplayOf, out.ClientAddr = id, start, orig.ID, "provtap replay"
	out.Scheme = req.Scheme()
	out.Host, out.Port = hostPort(req.Authority(), out.Scheme)
	out.URL = out.Scheme + "://" + req.Authority() + out.Target

	fail := func(err error) (*capture.Flow, error) {
		_, msg := describeUpstreamError(err, s.opts.UpstreamProxy)
		out.Error, out.End = msg, time.Now()
		out.Timings.Send = out.End.Sub(start)
		return out, errors.New(msg)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.opts.UpstreamTimeout)
		defer cancel()
	}
	conn, viaProxy, err := s.dial(ctx, out.Scheme, req.Authority())
	if err != nil {
		return fail(err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	wire := raw
	if viaProxy {
		wire = absoluteForm(raw, out.Scheme+"://"+req.Authority())
	}
	if _, err := conn.Write(wire); err != nil {
		return fail(err)
	}
	sent := time.Now()
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, &http.Request{Method: out.Method})
	if err != nil {
		return fail(fmt.Errorf("reading the response: %w", err))
	}
	defer res.Body.Close()
	headersAt := time.Now()
	out.Status, out.StatusText, out.ResponseProto = res.StatusCode, statusText(res), res.Proto
	out.ResponseHeaders = headersFromMap("", res.Header)
	rec := &bodyRecorder{rc: res.Body, body: &out.ResponseBody, max: s.opts.MaxBody, end: noEnd{}}
	_, rerr := io.Copy(io.Discard, rec)
	out.End = time.Now()
	if rerr != nil {
		out.Error = "upstream failed while sending the response: " + rerr.Error()
	}
	out.Timings = capture.Timings{Send: sent.Sub(start), Wait: headersAt.Sub(sent), Receive: out.End.Sub(headersAt)}
	return out, nil
}

// dial connects to authority (TLS for https), through the upstream proxy
// when one is configured: a CONNECT tunnel for https; for http the proxy
// itself is the peer (viaProxy: the request needs an absolute-form target).
func (s *rawSender) dial(ctx context.Context, scheme, authority string) (conn net.Conn, viaProxy bool, err error) {
	host, port := hostPort(authority, scheme)
	if s.opts.UpstreamProxy != nil && scheme != "https" {
		conn, err = s.dialContext(ctx, "tcp", s.proxyAddr())
		return conn, err == nil, err
	}
	if conn, err = s.tcpTo(ctx, net.JoinHostPort(host, strconv.Itoa(port))); err != nil {
		return nil, false, err
	}
	if scheme != "https" {
		return conn, false, nil
	}
	cfg := upstreamTLS(s.opts)
	cfg.ServerName = host
	cfg.NextProtos = []string{"http/1.1"} // the bytes are HTTP/1.1
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, false, err
	}
	return tc, false, nil
}

// tcpTo opens a byte stream to addr (host:port): a TCP connection, or a
// CONNECT tunnel through the upstream proxy when one is configured.
func (s *rawSender) tcpTo(ctx context.Context, addr string) (net.Conn, error) {
	if s.opts.UpstreamProxy == nil {
		return s.dialContext(ctx, "tcp", addr)
	}
	conn, err := s.dialContext(ctx, "tcp", s.proxyAddr())
	if err != nil {
		return nil, err
	}
	if err := s.connect(ctx, conn, addr); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// proxyAddr is the upstream proxy's host:port.
func (s *rawSender) proxyAddr() string {
	up := s.opts.UpstreamProxy
	if up.Port() == "" {
		return net.JoinHostPort(up.Hostname(), strconv.Itoa(capture.DefaultPort(up.Scheme)))
	}
	return up.Host
}

// connect opens a CONNECT tunnel to addr through the upstream proxy.
func (s *rawSender) connect(ctx context.Context, conn net.Conn, addr string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", addr, addr)
	if u := s.opts.UpstreamProxy.User; u != nil {
		pass, _ := u.Password()
		fmt.Fprintf(&b, "Proxy-Authorization: Basic %s\r\n", base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pass)))
	}
	b.WriteString("\r\n")
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
		defer conn.SetDeadline(time.Time{})
	}
	if _, err := io.WriteString(conn, b.String()); err != nil {
		return err
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		return fmt.Errorf("upstream proxy: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("upstream proxy refused CONNECT %s: %s", addr, res.Status)
	}
	if br.Buffered() > 0 {
		return errors.New("upstream proxy sent data before the tunnel opened")
	}
	return nil
}

// absoluteForm rewrites the request line's target to base+target, as a
// request to a forward proxy must name its origin (RFC 9112 §3.2.2).
func absoluteForm(raw []byte, base string) []byte {
	sp := bytes.IndexByte(raw, ' ')
	if sp < 0 || sp+1 >= len(raw) || raw[sp+1] != '/' {
		return raw
	}
	out := make([]byte, 0, len(raw)+len(base))
	out = append(out, raw[:sp+1]...)
	out = append(out, base...)
	return append(out, raw[sp+1:]...)
}

// flowFromRaw parses request bytes into a flow's request side: method,
// request-target, version, headers in wire order and spelling, body.
func flowFromRaw(raw []byte) (*capture.Flow, error) {
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		if head, body, ok = bytes.Cut(raw, []byte("\n\n")); !ok {
			return nil, errors.New("the request has no blank line after its headers")
		}
	}
	lines := strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n")
	parts := strings.Split(lines[0], " ")
	if len(parts) != 3 || parts[0] == "" || !strings.HasPrefix(parts[2], "HTTP/1.") {
		return nil, fmt.Errorf("not an HTTP/1.x request line: %q", lines[0])
	}
	f := &capture.Flow{Method: parts[0], Target: parts[1], Proto: parts[2]}
	for _, l := range lines[1:] {
		name, value, found := strings.Cut(l, ":")
		if !found || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("not a header line: %q", l)
		}
		f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: name, Value: strings.Trim(value, " \t")})
	}
	// The body as framed: Content-Length bytes, or de-chunked.
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return nil, fmt.Errorf("not a valid HTTP request: %w", err)
	}
	framed, err := io.ReadAll(r.Body)
	if err != nil {
		framed = body
	}
	f.RequestBody = capture.Body{Bytes: framed, Size: int64(len(framed))}
	return f, nil
}
