package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/provtap/provtap/capture"

	"github.com/google/martian/v3"
)

// isUpgrade reports a request that asks to switch protocols (WebSocket).
func isUpgrade(req *http.Request) bool {
	if req.Header.Get("Upgrade") == "" {
		return false
	}
	for _, v := range req.Header.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return true
			}
		}
	}
	return false
}

// upgrade passes a WebSocket (or other Upgrade) exchange through: martian
// cannot, so the connection is taken over, the handshake forwarded as is,
// and after a 101 the bytes are copied both ways until either side closes.
// The whole connection is one flow, marked KindWebSocket, with the byte
// counts of each direction as body sizes. It returns when the tunnel ends.
func (p *Proxy) upgrade(req *http.Request, x *exchange) {
	f := x.flow
	f.Kind = capture.KindWebSocket
	conn, brw, err := martian.NewContext(req).Session().Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	if x.cc != nil {
		x.cc.stopRemembering()
	}
	if x.reject != 0 {
		res := textResponse(req, x.reject, "proxy authentication required (provtap --proxy-auth)")
		res.Header.Set("Proxy-Authenticate", `Basic realm="provtap"`)
		p.finishUpgrade(x, res, nil, brw)
		return
	}
	up, err := p.dialUpstream(req)
	if err != nil {
		status, msg := describeUpstreamError(err, nil) // WebSockets go to the upstream directly
		f.Error = msg
		p.finishUpgrade(x, textResponse(req, status, msg), nil, brw)
		return
	}
	defer up.Close()
	out := req.Clone(req.Context())
	out.RequestURI = ""
	out.Header.Del("Proxy-Connection")
	out.Header.Del("Proxy-Authorization")
	if err := out.Write(up); err != nil {
		f.Error = "upstream failed during the upgrade: " + err.Error()
		p.finishUpgrade(x, textResponse(req, http.StatusBadGateway, f.Error), nil, brw)
		return
	}
	upr := bufio.NewReader(up)
	res, err := http.ReadResponse(upr, req)
	if err != nil {
		f.Error = "upstream answered the upgrade with no valid response: " + err.Error()
		p.finishUpgrade(x, textResponse(req, http.StatusBadGateway, f.Error), nil, brw)
		return
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		// Refused upgrade: an ordinary response, then the connection closes.
		res.Close = true
		p.finishUpgrade(x, res, nil, brw)
		return
	}
	p.finishUpgrade(x, res, func() {
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { // client → upstream (bytes buffered by martian first)
			defer wg.Done()
			n, _ := io.Copy(up, brw.Reader)
			f.RequestBody.Size = n
			closeWrite(up)
		}()
		go func() {
			defer wg.Done()
			n, _ := io.Copy(conn, upr)
			f.ResponseBody.Size = n
			closeWrite(conn)
		}()
		wg.Wait()
	}, brw)
}

// finishUpgrade writes res to the client, runs the tunnel (if any), and
// completes the flow.
func (p *Proxy) finishUpgrade(x *exchange, res *http.Response, tunnel func(), brw *bufio.ReadWriter) {
	f := x.flow
	x.headersAt = time.Now()
	f.Status = res.StatusCode
	f.StatusText = statusText(res)
	f.ResponseProto = res.Proto
	f.ResponseHeaders = headersFromMap("", res.Header)
	if tunnel == nil {
		rec := &bodyRecorder{rc: res.Body, body: &f.ResponseBody, max: p.opts.MaxBody, end: noEnd{}}
		res.Body = rec
	}
	_ = res.Write(brw)
	_ = brw.Flush()
	if tunnel != nil {
		tunnel()
	}
	x.sentAt = x.headersAt
	x.responseDone(nil)
}

// dialUpstream opens a raw connection to the request's upstream (TLS for
// https, honouring --insecure-upstream).
func (p *Proxy) dialUpstream(req *http.Request) (net.Conn, error) {
	addr := req.URL.Host
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), map[bool]string{true: "443", false: "80"}[req.URL.Scheme == "https"])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := p.sender.dialContext(ctx, "tcp", addr)
	if err != nil || req.URL.Scheme != "https" {
		return c, err
	}
	host, _, _ := net.SplitHostPort(addr)
	tc := tls.Client(c, &tls.Config{ServerName: host, InsecureSkipVerify: p.opts.InsecureUpstream, RootCAs: p.opts.UpstreamRoots, NextProtos: []string{"http/1.1"}})
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}

func closeWrite(c net.Conn) {
	type closeWriter interface{ CloseWrite() error }
	for {
		switch v := c.(type) {
		case closeWriter:
			_ = v.CloseWrite()
			return
		case *clientConn:
			c = v.Conn
		case *peekedConn:
			c = v.Conn
		default:
			_ = c.Close()
			return
		}
	}
}
