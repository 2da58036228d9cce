package proxy_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/proxy"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
)

// echoUpstream answers every request with its method, path and body, and a
// session cookie, and remembers what it received.
func echoUpstream(t *testing.T, tlsServer bool) (*httptest.Server, chan *http.Request) {
	got := make(chan *http.Request, 100)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		got <- r
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "JSESSIONID=abc; Path=/; HttpOnly")
		w.Header().Add("Set-Cookie", "LB=1")
		fmt.Fprintf(w, `{"method":%q,"path":%q,"len":%d}`, r.Method, r.URL.RequestURI(), len(body))
	})
	var s *httptest.Server
	if tlsServer {
		s = httptest.NewTLSServer(h)
	} else {
		s = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s, got
}

func TestHTTPForwardKeepsWireOrderAndBodies(t *testing.T) {
	up, got := echoUpstream(t, false)
	rp := capturetest.StartProxy(t, proxy.Options{})
	conn, err := net.Dial("tcp", rp.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	u, _ := url.Parse(up.URL)
	body := `{"userName":"jdoe"}`
	raw := "PATCH " + up.URL + "/admin/usergroups/42?x=%7e&y HTTP/1.1\r\n" +
		"Host: " + u.Host + "\r\n" +
		"x-custom-ORDER: first\r\n" +
		"Authorization: Basic dXNlcjpwYXNz\r\n" +
		"X-Dup: 1\r\n" +
		"Content-Type: application/json\r\n" +
		"X-Dup: 2\r\n" +
		"X-Empty:\r\n" +
		"Content-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body
	if _, err := conn.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resBody, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(resBody), `"len":19`) {
		t.Fatalf("client got %d %s", res.StatusCode, resBody)
	}
	r := <-got
	if r.URL.RawQuery != "x=%7e&y" || r.Header.Get("X-Custom-Order") != "first" || r.Header.Get("User-Agent") != "" {
		t.Errorf("upstream got query %q headers %v", r.URL.RawQuery, r.Header)
	}
	flows := rp.Flows(1, 5*time.Second)
	if len(flows) != 1 {
		t.Fatalf("want 1 flow, got %d", len(flows))
	}
	f := flows[0]
	wantHeaders := []capture.Header{{Name: "Host", Value: u.Host}, {Name: "x-custom-ORDER", Value: "first"}, {Name: "Authorization", Value: "Basic dXNlcjpwYXNz"},
		{Name: "X-Dup", Value: "1"}, {Name: "Content-Type", Value: "application/json"}, {Name: "X-Dup", Value: "2"}, {Name: "X-Empty", Value: ""}, {Name: "Content-Length", Value: "19"}}
	if fmt.Sprint(f.RequestHeaders) != fmt.Sprint(wantHeaders) {
		t.Errorf("request headers\n got %v\nwant %v", f.RequestHeaders, wantHeaders)
	}
	if f.ID != 1 || f.Method != "PATCH" || f.Status != 200 || f.Target != "/admin/usergroups/42?x=%7e&y" ||
		f.URL != up.URL+"/admin/usergroups/42?x=%7e&y" || f.Scheme != "http" || fmt.Sprint(f.Port) != u.Port() {
		t.Errorf("flow %+v", f)
	}
	if string(f.RequestBody.Bytes) != body || f.RequestBody.Size != 19 || f.RequestBody.Truncated {
		t.Errorf("request body %+v", f.RequestBody)
	}
	if string(f.ResponseBody.Bytes) != string(resBody) {
		t.Errorf("response body %q, client got %q", f.ResponseBody.Bytes, resBody)
	}
	if got := f.ResponseHeaderValues("Set-Cookie"); len(got) != 2 || got[0] != "JSESSIONID=abc; Path=/; HttpOnly" {
		t.Errorf("Set-Cookie %q", got)
	}
	if f.ConnID == 0 || f.ClientAddr == "" || f.End.Before(f.Start) || f.Error != "" {
		t.Errorf("flow meta: conn %d client %q err %q", f.ConnID, f.ClientAddr, f.Error)
	}
}

func TestHTTPSForwardWithCurlTrustingTheCA(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatal("curl is required for this test: ", err)
	}
	up, got := echoUpstream(t, true)
	rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
	target := strings.Replace(up.URL, "127.0.0.1", "localhost", 1) + "/scim/v2/Users?filter=userName%20eq%20%22x%22"
	out, err := exec.Command(curl, "-sS", "--fail-with-body", "-x", rp.URL, "--cacert", rp.CAFile,
		"-H", "Authorization: Bearer t0k", target).CombinedOutput()
	if err != nil {
		t.Fatalf("curl through the proxy: %v\n%s", err, out)
	}
	if r := <-got; r.Header.Get("Authorization") != "Bearer t0k" {
		t.Errorf("upstream got %v", r.Header)
	}
	flows := rp.Flows(1, 5*time.Second)
	if len(flows) != 1 {
		t.Fatalf("want 1 flow, got %d", len(flows))
	}
	f := flows[0]
	if f.Scheme != "https" || f.Host != "localhost" || f.Status != 200 || f.URL != target || f.RequestHeader("Authorization") != "Bearer t0k" {
		t.Errorf("flow %s %s %d %q", f.Method, f.URL, f.Status, f.RequestHeaders)
	}
	if f.RequestHeaders[0].Name != "Host" || f.RequestHeaders[1].Name != "User-Agent" {
		t.Errorf("curl's header order lost: %v", f.RequestHeaders)
	}
}

func TestReverseModeToHTTPSTarget(t *testing.T) {
	up, got := echoUpstream(t, true)
	target, _ := url.Parse(up.URL + "/base")
	rp := capturetest.StartProxy(t, proxy.Options{Target: target, InsecureUpstream: true})
	res, err := http.Post(rp.URL+"/Users?x=1", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	r := <-got
	if r.URL.RequestURI() != "/base/Users?x=1" || r.Host != target.Host || res.StatusCode != 200 {
		t.Errorf("upstream got %s host %s; client %d", r.URL.RequestURI(), r.Host, res.StatusCode)
	}
	f := rp.Flows(1, 5*time.Second)[0]
	if f.URL != up.URL+"/base/Users?x=1" || f.OriginalHost != strings.TrimPrefix(rp.URL, "http://") || f.RequestHeader("Host") != target.Host {
		t.Errorf("flow url %s original host %s host header %s", f.URL, f.OriginalHost, f.RequestHeader("Host"))
	}
}

func TestUpstreamDownIsA502FlowWithItsError(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	rp := capturetest.StartProxy(t, proxy.Options{})
	res, err := rp.Client().Get("http://" + dead + "/Users")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 502 || !strings.Contains(string(body), "upstream unreachable") {
		t.Errorf("client got %d %q", res.StatusCode, body)
	}
	f := rp.Flows(1, 5*time.Second)[0]
	if f.Status != 502 || !strings.Contains(f.Error, "connection refused") {
		t.Errorf("flow status %d error %q", f.Status, f.Error)
	}
}

func TestClientThatDistrustsTheCAIsRecorded(t *testing.T) {
	up, _ := echoUpstream(t, true)
	rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
	proxyURL, _ := url.Parse(rp.URL)
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL),
		TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	if _, err := client.Get(up.URL + "/Users"); err == nil {
		t.Fatal("a client without provtap's CA must fail the handshake")
	}
	f := rp.Flows(1, 5*time.Second)[0]
	if f.Kind != capture.KindTLSFailure || f.Method != "CONNECT" || !strings.Contains(f.Error, "bad certificate") {
		t.Errorf("flow kind %q method %s error %q", f.Kind, f.Method, f.Error)
	}
}

func TestLargeBodyStreamsThroughWithKeptPartCapped(t *testing.T) {
	up, got := echoUpstream(t, false)
	rp := capturetest.StartProxy(t, proxy.Options{MaxBody: 4096})
	big := bytes.Repeat([]byte("0123456789abcdef"), 20<<20/16)
	res, err := rp.Client().Post(up.URL+"/upload", "application/octet-stream", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if r := <-got; r.ContentLength != int64(len(big)) {
		t.Errorf("upstream got %d bytes", r.ContentLength)
	}
	f := rp.Flows(1, 10*time.Second)[0]
	if f.RequestBody.Size != int64(len(big)) || len(f.RequestBody.Bytes) != 4096 || !f.RequestBody.Truncated {
		t.Errorf("kept %d of %d, truncated %v", len(f.RequestBody.Bytes), f.RequestBody.Size, f.RequestBody.Truncated)
	}
}

func TestCAKeyAndHomeArePrivate(t *testing.T) {
	home := t.TempDir() + "/home"
	ca, err := proxy.LoadOrCreateCA(home)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{home: 0o700, ca.KeyFile: 0o600} {
		capturetest.WantMode(t, path, want)
	}
	again, err := proxy.LoadOrCreateCA(home)
	if err != nil || !again.Cert.Equal(ca.Cert) {
		t.Errorf("the CA must be reused, not regenerated: %v", err)
	}
}

func TestHTTP2UpstreamIsServedAsHTTP1(t *testing.T) {
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Proto", r.Proto)
		io.WriteString(w, `{"ok":true}`)
	}))
	up.EnableHTTP2 = true
	up.StartTLS()
	defer up.Close()
	rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
	res, err := rp.Client().Get(up.URL + "/h2")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Proto != "HTTP/1.1" || res.Header.Get("X-Proto") != "HTTP/2.0" || string(body) != `{"ok":true}` {
		t.Fatalf("client got %s %d X-Proto=%s %q", res.Proto, res.StatusCode, res.Header.Get("X-Proto"), body)
	}
	f := rp.Flows(1, 5*time.Second)[0]
	if f.ResponseProto != "HTTP/2.0" || string(f.ResponseBody.Bytes) != `{"ok":true}` {
		t.Errorf("flow response proto %q body %q", f.ResponseProto, f.ResponseBody.Bytes)
	}
}
