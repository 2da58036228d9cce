package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/provtap/provtap/capture/proxy"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/ui"
)

const openAbout = `Opens the TUI on a saved capture: a HAR file from provtap, Chrome DevTools,
Firefox, mitmproxy, Proxyman, Charles or any other tool. The analyzers run
over it as they do live, and the flow of the worst finding is selected.

A capture cut off mid-write (a recorder that was killed) opens with every
whole flow before the cut.

r replays the selected request, R replays it with the fix its finding names,
e opens it as raw HTTP in $VISUAL or $EDITOR and sends exactly what you saved
(each after showing the exact request and asking: provisioning calls have side
effects). They go straight to the server, or through --upstream-proxy, and
appear as new flows linked to the original; they are not written to FILE
(s saves them).

--filter takes the expression of the TUI's /: words match method, status,
host, path, headers and bodies; status:4xx method:PATCH host:gw path:/Groups
header:Cookie header:Authorization=Basic body:usert has:finding
kind:dropped-cookie narrow it, -term negates, a OR b.`

func cmdOpen(args []string) int {
	fs := newFlags("open", "provtap open FILE [--filter EXPR] [--upstream-proxy URL] [--insecure-upstream]", openAbout)
	filterExpr := fs.String("filter", "", "show only the flows matching `EXPR`, in the syntax of the TUI's / (e.g. 'status:4xx -method:GET', 'header:Cookie', 'body:usert')")
	upstream := fs.String("upstream-proxy", "", "send replays through this corporate proxy `URL`")
	insecure := fs.Bool("insecure-upstream", false, "accept a server's self-signed or otherwise unverifiable certificate when replaying (test systems)")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	replayOpts := proxy.Options{InsecureUpstream: *insecure}
	if *upstream != "" {
		u, err := url.Parse(*upstream)
		if err != nil || u.Host == "" {
			return fail("open", "--upstream-proxy must be a URL like http://proxy.corp:3128, got %q", *upstream)
		}
		replayOpts.UpstreamProxy = u
	}
	if len(pos) != 1 {
		return fail("open", "want exactly one capture file, got %d arguments (see provtap open --help)", len(pos))
	}
	if err := ui.CheckFilter(*filterExpr); err != nil {
		return fail("open", "--filter %q: %v", *filterExpr, err)
	}
	capt, err := loadCapture(pos[0])
	if err != nil {
		return fail("open", "%v", err)
	}
	findings := analyze.Run(capt.Flows)
	sender := &openSender{rp: proxy.NewReplayer(replayOpts, lastID(capt.Flows)), opts: replayOpts, last: lastID(capt.Flows)}
	opts := ui.Options{Mode: "file: " + filepath.Base(pos[0]), Replayer: sender, Sender: sender, Filter: *filterExpr}
	if abs, err := filepath.Abs(pos[0]); err == nil {
		opts.CapturePath = abs
	}
	if capt.Truncated {
		opts.Note = fmt.Sprintf("file cut off: showing the %d whole flows before the cut", len(capt.Flows))
	}
	if len(findings) > 0 {
		worst := append([]analyze.Finding(nil), findings...)
		analyze.SortFindings(worst)
		opts.Select = worst[0].Flow
	}
	feed := ui.NewFeed()
	feed.AddAll(capt.Flows, findings)
	feed.Close()
	if err := ui.Run(opts, feed); err != nil {
		return fail("open", "%v", err)
	}
	return 0
}

// lastID is the highest flow number: replays are numbered after it.
func lastID(flows []*capture.Flow) int {
	n := len(flows)
	for _, f := range flows {
		n = max(n, f.ID)
	}
	return n
}

// openSender replays (r, R) and sends edited requests (e) for a saved
// capture, numbering the new flows from one counter after the capture's.
type openSender struct {
	rp   *proxy.OfflineReplayer
	opts proxy.Options
	mu   sync.Mutex
	last int
}

func (s *openSender) next() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last++
	return s.last
}

// Replay implements proxy.Replayer.
func (s *openSender) Replay(ctx context.Context, f *capture.Flow) (*capture.Flow, error) {
	out, err := s.rp.Replay(ctx, f)
	if out != nil {
		out.ID = s.next()
	}
	return out, err
}

// SendRaw implements ui.RawSender: through the replayer's own SendRaw when
// capture/proxy has one, else sendRawDirect.
func (s *openSender) SendRaw(ctx context.Context, orig *capture.Flow, raw []byte) (*capture.Flow, error) {
	var out *capture.Flow
	var err error
	if rs, ok := any(s.rp).(ui.RawSender); ok {
		out, err = rs.SendRaw(ctx, orig, raw)
	} else {
		out, err = sendRawDirect(ctx, s.opts, orig, raw)
	}
	if out != nil {
		out.ID = s.next()
	}
	return out, err
}

// sendRawDirect writes raw as it is on a new connection to orig's server
// (TLS for https, through --upstream-proxy with CONNECT) and reads the
// answer. Interim: capture/proxy's SendRaw replaces it (the upstream CA
// and every proxy setting in one place).
func sendRawDirect(ctx context.Context, opts proxy.Options, orig *capture.Flow, raw []byte) (*capture.Flow, error) {
	port := orig.Port
	if port == 0 {
		port = capture.DefaultPort(orig.Scheme)
	}
	addr := net.JoinHostPort(orig.Host, strconv.Itoa(port))
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var d net.Dialer
	var conn net.Conn
	var err error
	if u := opts.UpstreamProxy; u != nil {
		conn, err = connectThrough(dctx, &d, u, addr)
	} else {
		conn, err = d.DialContext(dctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if strings.EqualFold(orig.Scheme, "https") {
		tc := tls.Client(conn, &tls.Config{ServerName: orig.Host, InsecureSkipVerify: opts.InsecureUpstream, NextProtos: []string{"http/1.1"}})
		if err := tc.HandshakeContext(dctx); err != nil {
			return nil, err
		}
		conn = tc
	}
	defer context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })()
	out := rawFlow(orig, raw)
	if _, err := conn.Write(raw); err != nil {
		out.Error, out.End = err.Error(), time.Now()
		return out, err
	}
	sent := time.Now()
	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: out.Method})
	if err != nil {
		out.Error, out.End = "no answer: "+err.Error(), time.Now()
		return out, errors.New(out.Error)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, proxy.DefaultMaxBody+1))
	out.End = time.Now()
	out.Status, out.StatusText, out.ResponseProto = res.StatusCode, strings.TrimSpace(strings.TrimPrefix(res.Status, strconv.Itoa(res.StatusCode))), res.Proto
	for _, name := range slices.Sorted(maps.Keys(res.Header)) {
		for _, v := range res.Header[name] {
			out.ResponseHeaders = append(out.ResponseHeaders, capture.Header{Name: name, Value: v})
		}
	}
	out.ResponseBody = capture.Body{Bytes: body, Size: int64(len(body))} // de-chunked, still Content-Encoded
	if len(body) > proxy.DefaultMaxBody {
		out.ResponseBody.Bytes, out.ResponseBody.Truncated = body[:proxy.DefaultMaxBody], true
	}
	if err != nil {
		out.Error = "the answer broke off: " + err.Error()
	}
	out.Timings = capture.Timings{Wait: sent.Sub(out.Start), Receive: out.End.Sub(sent)}
	return out, nil
}

// connectThrough opens a tunnel to addr through an HTTP proxy.
func connectThrough(ctx context.Context, d *net.Dialer, u *url.URL, addr string) (net.Conn, error) {
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "8080")
	}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	req := "CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\n"
	if u.User != nil {
		pw, _ := u.User.Password()
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pw)) + "\r\n"
	}
	br := bufio.NewReader(conn)
	if _, err = io.WriteString(conn, req+"\r\n"); err == nil {
		var res *http.Response
		if res, err = http.ReadResponse(br, &http.Request{Method: "CONNECT"}); err == nil && res.StatusCode != 200 {
			err = fmt.Errorf("the upstream proxy refused CONNECT %s: %s", addr, res.Status)
		}
	}
	if err == nil && br.Buffered() > 0 {
		err = errors.New("the upstream proxy sent bytes before the tunnel opened")
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// rawFlow is the new flow's request side, read from the bytes sent.
func rawFlow(orig *capture.Flow, raw []byte) *capture.Flow {
	f := &capture.Flow{ReplayOf: orig.ID, Start: time.Now().Truncate(time.Microsecond), ClientAddr: "provtap resend",
		Scheme: orig.Scheme, Host: orig.Host, Port: orig.Port, Proto: "HTTP/1.1"}
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		head, body, _ = bytes.Cut(raw, []byte("\n\n"))
	}
	lines := strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n")
	if p := strings.Fields(lines[0]); len(p) == 3 {
		f.Method, f.Target, f.Proto = p[0], p[1], p[2]
	}
	base := strings.TrimSuffix(orig.URL, orig.Path())
	if base == "" || base == orig.URL {
		base = orig.Scheme + "://" + orig.Host
		if orig.Port != 0 && orig.Port != capture.DefaultPort(orig.Scheme) {
			base += ":" + strconv.Itoa(orig.Port)
		}
	}
	f.URL = base + f.Target
	for _, l := range lines[1:] {
		if name, value, ok := strings.Cut(l, ":"); ok {
			f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: name, Value: strings.TrimSpace(value)})
		}
	}
	f.RequestBody = capture.Body{Bytes: body, Size: int64(len(body))}
	return f
}
