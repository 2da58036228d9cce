package proxy_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/export"
	"github.com/provtap/provtap/capture/proxy"
)

// byteUpstream is an origin server that keeps the exact bytes of every
// request it receives (one request per connection) and answers 200.
type byteUpstream struct {
	ln  net.Listener
	got chan []byte
}

func newByteUpstream(t *testing.T, useTLS bool) *byteUpstream {
	t.Helper()
	var ln net.Listener
	var err error
	if useTLS {
		cert := httptest.NewTLSServer(nil) // borrow httptest's self-signed certificate
		cfg := cert.TLS.Clone()
		cert.Close()
		cfg.NextProtos = []string{"http/1.1"}
		ln, err = tls.Listen("tcp", "127.0.0.1:0", cfg)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	u := &byteUpstream{ln: ln, got: make(chan []byte, 4)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go u.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return u
}

func (u *byteUpstream) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	var head bytes.Buffer
	for {
		line, err := br.ReadBytes('\n')
		head.Write(line)
		if err != nil {
			return
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			break
		}
	}
	n := 0
	for _, l := range strings.Split(head.String(), "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, "Content-Length") {
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(br, body); err != nil {
		return
	}
	u.got <- append(head.Bytes(), body...)
	io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
}

func (u *byteUpstream) next(t *testing.T) []byte {
	t.Helper()
	select {
	case b := <-u.got:
		return b
	case <-time.After(10 * time.Second):
		t.Fatal("the upstream received nothing")
		return nil
	}
}

// r sends exactly what the exported curl command sends: the upstream
// receives the same bytes from a replay and from the pasted command,
// over http and over https.
func TestReplaySendsTheBytesOfTheExportedCurl(t *testing.T) {
	capturetest.RequireTool(t, "curl")
	for _, useTLS := range []bool{false, true} {
		scheme := map[bool]string{false: "http", true: "https"}[useTLS]
		t.Run(scheme, func(t *testing.T) {
			up := newByteUpstream(t, useTLS)
			base := scheme + "://" + up.ln.Addr().String()
			f := capturetest.NewFlow("PATCH", base+"/admin/usergroups/7f3c?x=%2F&y", 401, capturetest.ID(4),
				capturetest.Headers(
					capture.Header{Name: "host", Value: up.ln.Addr().String()},
					capture.Header{Name: "Authorization", Value: "Basic cHJvdmlzaW9uZXI6czNjcmV0"},
					capture.Header{Name: "Connection", Value: "keep-alive, X-Hop"},
					capture.Header{Name: "X-Hop", Value: "connection-only"},
					capture.Header{Name: "Proxy-Authorization", Value: "Basic cHJveHk6cHc="},
					capture.Header{Name: "content-type", Value: "application/json"},
					capture.Header{Name: "X-Empty", Value: ""},
					capture.Header{Name: "accept", Value: "*/*"},
					capture.Header{Name: "X-Dup", Value: "1"},
					capture.Header{Name: "X-Dup", Value: "2"},
					capture.Header{Name: "Content-Length", Value: "999"},
				), capturetest.ReqBody(`{"addUsers":["0b6c"]}`))
			r := proxy.NewReplayer(proxy.Options{InsecureUpstream: true}, 4)
			res, err := r.Replay(context.Background(), f)
			if err != nil || res.Status != 200 || res.ReplayOf != 4 {
				t.Fatalf("replay: %v, %+v", err, res)
			}
			fromReplay := up.next(t)

			cmd := export.Curl(f) + " -k -s -o /dev/null"
			if out, err := exec.Command("bash", "-c", cmd).CombinedOutput(); err != nil {
				t.Fatalf("curl: %v\n%s\n%s", err, out, cmd)
			}
			fromCurl := up.next(t)
			if !bytes.Equal(fromReplay, fromCurl) {
				t.Errorf("the replay and the exported curl sent different bytes\nreplay:\n%q\ncurl:\n%q", fromReplay, fromCurl)
			}
			if want := export.NewRequest(f).Bytes(); !bytes.Equal(fromReplay, want) {
				t.Errorf("the replay sent\n%q\nthe builder says\n%q", fromReplay, want)
			}
			for _, gone := range []string{"X-Hop", "Proxy-Authorization", "keep-alive", "Content-Length: 999"} {
				if bytes.Contains(fromReplay, []byte(gone)) {
					t.Errorf("%s went to the upstream: %q", gone, fromReplay)
				}
			}
		})
	}
}

// An edited request is sent as the user wrote it, to the original's upstream.
func TestSendRawSendsTheEditedBytes(t *testing.T) {
	up := newByteUpstream(t, false)
	f := capturetest.NewFlow("GET", "http://"+up.ln.Addr().String()+"/Users", 200, capturetest.ID(2))
	raw := []byte("GET /Users?filter=userName%20eq%20%22x%22 HTTP/1.1\r\nHost: " + up.ln.Addr().String() +
		"\r\nX-Edited:  by hand\r\nuser-agent: curl/8\r\n\r\n")
	r := proxy.NewReplayer(proxy.Options{}, 9)
	res, err := r.SendRaw(context.Background(), f, raw)
	if err != nil || res.Status != 200 || res.ID != 10 || res.ReplayOf != 2 {
		t.Fatalf("SendRaw: %v %+v", err, res)
	}
	if got := up.next(t); !bytes.Equal(got, raw) {
		t.Errorf("upstream got\n%q\nwant\n%q", got, raw)
	}
	if res.RequestHeader("X-Edited") != "by hand" || res.Target != "/Users?filter=userName%20eq%20%22x%22" ||
		!strings.HasPrefix(res.URL, "http://127.0.0.1:") {
		t.Errorf("recorded request %+v", res)
	}
}
