package proxy_test

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/proxy"

	"golang.org/x/net/websocket"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
)

func TestWebSocketPassesThroughAsOneFlow(t *testing.T) {
	up := httptest.NewServer(websocket.Handler(func(ws *websocket.Conn) { io.Copy(ws, ws) }))
	defer up.Close()
	rp := capturetest.StartProxy(t, proxy.Options{})
	host := strings.TrimPrefix(up.URL, "http://")
	conn, err := net.Dial("tcp", rp.Addr())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", host, host)
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("CONNECT: %v %v", res, err)
	}
	cfg, _ := websocket.NewConfig("ws://"+host+"/echo", "http://"+host)
	ws, err := websocket.NewClient(cfg, conn)
	if err != nil {
		t.Fatalf("websocket handshake through provtap: %v", err)
	}
	for _, msg := range []string{"hello", "world"} {
		if err := websocket.Message.Send(ws, msg); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := websocket.Message.Receive(ws, &got); err != nil || got != msg {
			t.Fatalf("echo %q, got %q (%v)", msg, got, err)
		}
	}
	ws.Close()
	f := rp.Flows(1, 5*time.Second)
	if len(f) != 1 || f[0].Kind != capture.KindWebSocket || f[0].Status != 101 || f[0].RequestBody.Size == 0 || f[0].ResponseBody.Size == 0 {
		t.Fatalf("want one websocket flow with 101 and bytes both ways, got %+v", f)
	}
}

// Garbage, a 70 KB header line and 200 half-open connections must not stop
// service to a well-behaved client.
func TestHostileClientsDoNotStopService(t *testing.T) {
	up, _ := echoUpstream(t, false)
	rp := capturetest.StartProxy(t, proxy.Options{})
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := 0; i < 200; i++ { // slowloris: a request head that never ends
		c, err := net.Dial("tcp", rp.Addr())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET %s/ HTTP/1.1\r\nHost: x\r\nX-Slow: ", up.URL)
		held = append(held, c)
	}
	garbage, _ := net.Dial("tcp", rp.Addr())
	garbage.Write([]byte("\x16\x03\x01\x00\xff\xfe garbage \r\n\r\n\x00\x00"))
	defer garbage.Close()

	long, _ := net.Dial("tcp", rp.Addr())
	defer long.Close()
	fmt.Fprintf(long, "GET %s/long HTTP/1.1\r\nHost: %s\r\nX-Long: %s\r\n\r\n", up.URL, strings.TrimPrefix(up.URL, "http://"), strings.Repeat("a", 70<<10))
	res, err := http.ReadResponse(bufio.NewReader(long), nil)
	if err != nil || res.StatusCode != 200 {
		t.Errorf("70 KB header line: %v %v", res, err)
	}

	client := rp.Client()
	client.Timeout = 5 * time.Second
	res, err = client.Get(up.URL + "/after")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("well-behaved client after the attack: %v %v", res, err)
	}
	res.Body.Close()
}

func TestProxyAuthRequired(t *testing.T) {
	up, _ := echoUpstream(t, false)
	rp := capturetest.StartProxy(t, proxy.Options{ProxyAuth: "alice:s3cret"})
	res, err := rp.Client().Get(up.URL + "/x")
	if err != nil || res.StatusCode != http.StatusProxyAuthRequired {
		t.Fatalf("without credentials: %v %v", res, err)
	}
	// The challenge is what makes a client (Apache HttpClient) send its credentials.
	if got := res.Header.Get("Proxy-Authenticate"); got != `Basic realm="provtap"` {
		t.Errorf("the 407 challenges with %q", got)
	}
	pu, _ := url.Parse(rp.URL)
	pu.User = url.UserPassword("alice", "s3cret")
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}
	res, err = client.Get(up.URL + "/x")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("with credentials: %v %v", res, err)
	}
	flows := rp.Flows(2, 5*time.Second)
	if len(flows) != 2 || flows[0].Status != 407 || flows[1].Status != 200 {
		t.Fatalf("flows %v", flows)
	}
	secret := base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	for _, f := range flows {
		for _, h := range f.RequestHeaders {
			if strings.Contains(h.Value, secret) {
				t.Errorf("flow %d records provtap's own proxy credentials", f.ID)
			}
		}
	}
}

// An idle client connection is closed (here after 300 ms of silence), so
// half-open connections cannot pile up.
func TestIdleClientConnectionIsClosed(t *testing.T) {
	rp := capturetest.StartProxy(t, proxy.Options{ClientIdle: 300 * time.Millisecond})
	c, err := net.Dial("tcp", rp.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Fatalf("idle connection still open after 10s: %v", err)
	}
}

// So is the decrypted side of a MITM'd tunnel gone idle: its own wrapper
// pushes the socket's deadline, the tunnel's outer one passes bytes through.
func TestIdleMITMTunnelIsClosed(t *testing.T) {
	rp := capturetest.StartProxy(t, proxy.Options{ClientIdle: 300 * time.Millisecond})
	c, err := net.Dial("tcp", rp.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "CONNECT scim.example.test:443 HTTP/1.1\r\nHost: scim.example.test:443\r\n\r\n")
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("CONNECT: %v %v", res, err)
	}
	tc := tls.Client(&bufferedConn{Conn: c, r: br}, &tls.Config{ServerName: "scim.example.test", InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	tc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := tc.Read(make([]byte, 1)); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Fatalf("idle tunnel still open after 10s: %v", err)
	}
}

type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// A tunnel in use outlives the idle timeout however long it is used: the
// decrypted side's wrapper keeps pushing the socket's deadline. Requests
// 200 ms apart for 1.6 s on one connection, with the timeout at 1 s.
func TestBusyMITMTunnelOutlivesTheIdleTimeout(t *testing.T) {
	up, _ := echoUpstream(t, true)
	rp := capturetest.StartProxy(t, proxy.Options{ClientIdle: time.Second, InsecureUpstream: true})
	client := rp.Client()
	const n = 8
	for i := range n {
		res, err := client.Get(up.URL + "/busy")
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		time.Sleep(200 * time.Millisecond)
	}
	flows := rp.Flows(n, 5*time.Second)
	if len(flows) != n {
		t.Fatalf("want %d flows, got %d", n, len(flows))
	}
	for _, f := range flows {
		if f.Status != 200 || f.ConnID != flows[0].ConnID {
			t.Fatalf("flow %d: status %d on connection %d, want 200 on %d (the tunnel was cut and the client reconnected)",
				f.ID, f.Status, f.ConnID, flows[0].ConnID)
		}
	}
}
