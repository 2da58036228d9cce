package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/martian/v3"
	"github.com/provtap/provtap/capture"
)

// CONNECT: tunnels decrypted with provtap's CA, tunnelled untouched outside its scope, refused without --proxy-auth.

// connect answers a CONNECT: it takes the connection over from martian,
// decrypts TLS with a certificate for the requested host, and serves the
// requests inside through the same proxy. It returns when the tunnel closes.
func (p *Proxy) connect(req *http.Request, cc *clientConn) {
	ctx := martian.NewContext(req)
	conn, brw, err := ctx.Session().Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	if cc == nil {
		return
	}
	if !p.authorized(req, cc) {
		p.rejectConnect(req, cc, brw)
		return
	}
	if p.opts.Target != nil {
		_, _ = brw.WriteString("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		_ = brw.Flush()
		return
	}
	authority := req.Host
	if authority == "" {
		authority = req.URL.Host
	}
	host, port := hostPort(authority, "https")
	if !p.opts.CA.InScope(host) {
		p.tunnelOutOfScope(req, cc, brw, host, port)
		return
	}
	if _, err := brw.WriteString("HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		return
	}
	if err := brw.Flush(); err != nil {
		return
	}
	cc.stopRemembering()
	if _, err := brw.Reader.Peek(1); err != nil {
		return
	}
	pending := takeBuffered(brw.Reader)
	first := pending[:1]
	base := &peekedConn{Conn: cc, r: io.MultiReader(bytes.NewReader(pending), cc)}
	inner := &clientConn{id: cc.id, connectHost: net.JoinHostPort(host, fmt.Sprint(port)), authed: true, idle: p.opts.ClientIdle}
	if first[0] == 0x16 { // a TLS handshake record
		tc := tls.Server(base, p.mitm.TLSForHost(host))
		hctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			p.recordTLSFailure(cc, host, port, err)
			return
		}
		inner.Conn, inner.secure = tc, true
	} else {
		inner.Conn = base
	}
	done := make(chan struct{})
	inner.onClose = func() { close(done) }
	cc.wrapped.Store(true) // inner applies the idle timeout to the socket now
	p.track(inner)
	if !p.tunnels.push(inner) {
		inner.Close()
	}
	<-done
}

// takeBuffered returns what martian's reader has buffered from the client.
// The connection is read directly after that: martian may start another
// read on its reader when the tunnel ends, and the two must not share it.
func takeBuffered(r *bufio.Reader) []byte {
	pending := make([]byte, r.Buffered())
	_, _ = io.ReadFull(r, pending)
	return pending
}

// tunnelOutOfScope answers a CONNECT to a host outside the CA's scope
// (provtap ca --limit-to): provtap may not sign for it, so the bytes pass
// through untouched and the client's TLS meets the real server's
// certificate. The tunnel is one flow, KindOutOfScope, completed when it
// closes, with the bytes each way as its body sizes; a host provtap cannot
// reach is answered 502, and the flow says why.
func (p *Proxy) tunnelOutOfScope(req *http.Request, cc *clientConn, brw *bufio.ReadWriter, host string, port int) {
	id, start := p.nextID()
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	f := &capture.Flow{ID: id, ConnID: cc.id, Kind: capture.KindOutOfScope, Start: start, ClientAddr: cc.RemoteAddr().String(),
		Scheme: "https", Host: host, Port: port, Method: http.MethodConnect, URL: "https://" + addr + "/",
		Target: req.RequestURI, Proto: req.Proto, RequestHeaders: withoutProxyAuth(headersFromMap(req.Host, req.Header))}
	defer func() { f.End = time.Now(); p.queue.push(f) }()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	up, err := p.sender.tcpTo(ctx, addr)
	cancel()
	if err != nil {
		status, msg := describeUpstreamError(err, p.opts.UpstreamProxy)
		f.Status, f.StatusText, f.Error = status, http.StatusText(status), msg
		res := textResponse(req, status, msg)
		res.Close = true
		f.ResponseHeaders = headersFromMap("", res.Header)
		_ = res.Write(brw)
		_ = brw.Flush()
		return
	}
	defer up.Close()
	f.Status, f.StatusText, f.ResponseProto = http.StatusOK, "Connection Established", "HTTP/1.1"
	if _, err := brw.WriteString("HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		return
	}
	if err := brw.Flush(); err != nil {
		return
	}
	cc.stopRemembering()
	pending := takeBuffered(brw.Reader)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // client → server
		defer wg.Done()
		n, err := io.Copy(up, io.MultiReader(bytes.NewReader(pending), cc))
		f.RequestBody.Size = n
		if err != nil {
			up.Close() // a client gone or idle: nothing more comes back either
			return
		}
		// The client is done sending. A server that answers its half-close
		// with silence instead of closing must not hold the tunnel open.
		closeWrite(up)
		_ = up.SetReadDeadline(time.Now().Add(5 * time.Second))
	}()
	go func() { // server → client
		defer wg.Done()
		n, _ := io.Copy(cc, up)
		f.ResponseBody.Size = n
		closeWrite(cc)
	}()
	wg.Wait()
}

func (p *Proxy) rejectConnect(req *http.Request, cc *clientConn, brw interface {
	WriteString(string) (int, error)
	Flush() error
}) {
	id, start := p.nextID()
	host, port := hostPort(req.Host, "https")
	f := &capture.Flow{ID: id, ConnID: cc.id, Start: start, End: time.Now(), ClientAddr: cc.RemoteAddr().String(),
		Scheme: "https", Host: host, Port: port, Method: "CONNECT", URL: "https://" + req.Host + "/",
		Target: req.RequestURI, Proto: req.Proto, Status: http.StatusProxyAuthRequired,
		StatusText: "Proxy Authentication Required", RequestHeaders: withoutProxyAuth(headersFromMap(req.Host, req.Header)),
		ResponseHeaders: []capture.Header{{Name: "Proxy-Authenticate", Value: `Basic realm="provtap"`}}}
	_, _ = brw.WriteString("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"provtap\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	_ = brw.Flush()
	p.queue.push(f)
}

func (p *Proxy) recordTLSFailure(cc *clientConn, host string, port int, err error) {
	id, start := p.nextID()
	msg := err.Error()
	switch {
	case strings.Contains(msg, "remote error"):
		msg = "the client rejected provtap's certificate during the TLS handshake (" + msg + ")"
	case errors.Is(err, context.DeadlineExceeded):
		msg = "the client did not complete the TLS handshake within 15s"
	default:
		msg = "the client aborted the TLS handshake (" + msg + ")"
	}
	p.queue.push(&capture.Flow{
		ID: id, ConnID: cc.id, Kind: capture.KindTLSFailure, Start: start, End: time.Now(),
		ClientAddr: cc.RemoteAddr().String(), Scheme: "https", Host: host, Port: port,
		Method: "CONNECT", URL: "https://" + net.JoinHostPort(host, fmt.Sprint(port)) + "/",
		Target: net.JoinHostPort(host, fmt.Sprint(port)), Proto: "HTTP/1.1", Error: msg,
	})
}

func withoutProxyAuth(hs []capture.Header) []capture.Header {
	out := hs[:0:0]
	for _, h := range hs {
		if !strings.EqualFold(h.Name, "Proxy-Authorization") {
			out = append(out, h)
		}
	}
	return out
}
