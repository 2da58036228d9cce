package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/export"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
)

var exportEpoch = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

func exportFlow(i int, method, rawURL string, status int, req, resp []capture.Header, reqBody, respBody string) *capture.Flow {
	s := exportEpoch.Add(time.Duration(i) * time.Second)
	f := &capture.Flow{Method: method, URL: rawURL, Proto: "HTTP/1.1", Status: status, Start: s, End: s.Add(40 * time.Millisecond),
		ClientAddr: "10.0.0.7:40000", RequestHeaders: req, ResponseHeaders: resp,
		RequestBody:  capture.Body{Bytes: []byte(reqBody), Size: int64(len(reqBody))},
		ResponseBody: capture.Body{Bytes: []byte(respBody), Size: int64(len(respBody))}}
	return f
}

func writeCapture(t *testing.T, flows ...*capture.Flow) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "capture.harFile")
	if err := har.WriteHAR(path, flows); err != nil {
		t.Fatal(err)
	}
	return path
}

const (
	exBasic   = "Basic cHJvdmlzaW9uZXI6UHIwdiFzaW9uLTIwMjQ="
	exSession = "8F3A1C0E9B2D47A6B1C3D5E7F9A0B2C4"
	exKey     = "4f2b9c7d1e8a4b6c9d0e1f2a3b4c5d6e"
)

// seedCaptures are the two seed failures (the session the connector did not
// keep, the key only reads carried) as analyzers see them fail.
func seedCaptures() [][]*capture.Flow {
	idm := "https://idm.example.com"
	auth := capture.Header{Name: "Authorization", Value: exBasic}
	h := func(n, v string) capture.Header { return capture.Header{Name: n, Value: v} }
	refused := `{"code":401,"description":"The request requires user authentication","reason":"Unauthorized"}`
	seed1 := []*capture.Flow{
		exportFlow(1, "POST", idm+"/admin/users", 201, []capture.Header{h("Host", "idm.example.com"), auth, h("Content-Type", "application/json")},
			[]capture.Header{h("Set-Cookie", "JSESSIONID="+exSession+"; Path=/; Secure; HttpOnly")}, `{"userName":"jdoe","password":"Welc0me-jdoe-42"}`, `{"id":"1"}`),
		exportFlow(2, "PATCH", idm+"/admin/usergroups/7c9e6679-7425-40de-944b-e07fc1f90ae7", 401,
			[]capture.Header{h("Host", "idm.example.com"), auth, h("Content-Type", "application/json")},
			[]capture.Header{h("WWW-Authenticate", `Token Basic realm="idm"`), h("Content-Type", "application/json")}, `{"add":["jdoe"]}`, refused),
		exportFlow(3, "GET", idm+"/admin/users/jdoe", 200, []capture.Header{h("Host", "idm.example.com"), auth, h("Cookie", "JSESSIONID="+exSession)}, nil, "", `{}`),
	}
	gw := "https://gw.example.com/scim/v2"
	get := func(i int, path string) *capture.Flow {
		return exportFlow(i, "GET", gw+path+"?subscription-key="+exKey, 200,
			[]capture.Header{h("Host", "gw.example.com"), auth, h("Ocp-Apim-Subscription-Key", exKey)}, nil, "", `{"totalResults":1}`)
	}
	seed2 := []*capture.Flow{get(1, "/Users"), get(2, "/Groups"), get(3, "/Groups/42"),
		exportFlow(4, "PUT", gw+"/Groups/42", 401, []capture.Header{h("Host", "gw.example.com"), auth, h("Content-Type", "application/scim+json")},
			nil, `{"displayName":"g"}`, `{"statusCode":401,"message":"Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."}`)}
	return [][]*capture.Flow{seed1, seed2}
}

func findingKeys(fs []analyze.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s #%d %s related %v", f.Kind, f.Flow, f.Severity, f.Related))
	}
	return out
}

// TestExportRedactCommand: the seed captures redacted hold none of their
// secrets, keep the names, and give the analyzers the same findings.
func TestExportRedactCommand(t *testing.T) {
	t.Parallel()
	secrets := []string{"cHJvdmlzaW9uZXI6UHIwdiFzaW9uLTIwMjQ", "Pr0v!sion-2024", exSession, exKey, "Welc0me-jdoe-42"}
	for i, flows := range seedCaptures() {
		in := writeCapture(t, flows...)
		out := filepath.Join(t.TempDir(), "shared.harFile")
		code, stdout, stderr := runProvtap(t, "redact", in, out)
		if code != 0 || stderr != "" || !strings.Contains(stdout, "wrote "+out) {
			t.Fatalf("seed %d: exit %d, stdout %q, stderr %q", i+1, code, stdout, stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("seed %d: %s still holds %q", i+1, out, s)
			}
		}
		capturetest.WantMode(t, out, 0o600)
		orig, _ := har.LoadHAR(in)
		red, err := har.LoadHAR(out)
		if err != nil {
			t.Fatal(err)
		}
		want, got := findingKeys(analyze.Run(orig.Flows)), findingKeys(analyze.Run(red.Flows))
		if len(want) == 0 || strings.Join(want, "\n") != strings.Join(got, "\n") {
			t.Errorf("seed %d findings:\noriginal %q\nredacted %q", i+1, want, got)
		}
	}
}

func TestExportFormats(t *testing.T) {
	t.Parallel()
	flows := seedCaptures()[0]
	harFile := writeCapture(t, flows...)
	loaded, _ := har.LoadHAR(harFile)
	for _, args := range [][]string{{"export", harFile, "--flow", "2"}, {"export", "--flow", "2", harFile}, {"export", "--flow=2", "--format", "curl", harFile}} {
		code, out, errOut := runProvtap(t, args...)
		if code != 0 || errOut != "" || out != export.Curl(loaded.Flows[1])+"\n" {
			t.Errorf("%v: exit %d, stderr %q, stdout\n%s", args, code, errOut, out)
		}
	}
	code, out, _ := runProvtap(t, "export", harFile, "--flow", "1", "--format", "raw")
	if code != 0 || out != string(export.RawRequest(flows[0])) {
		t.Errorf("raw: exit %d\n%q\nwant\n%q", code, out, export.RawRequest(flows[0]))
	}
	code, out, _ = runProvtap(t, "export", harFile, "--flow", "3", "--redact")
	if code != 0 || strings.Contains(out, exSession) || strings.Contains(out, exBasic) ||
		!strings.Contains(out, "-H 'Authorization: Basic ") || !strings.Contains(out, "-H 'Cookie: JSESSIONID=") {
		t.Errorf("--redact: exit %d\n%s", code, out)
	}
}

// TestExportReplaysThroughHAR: a request saved to a capture file, exported
// and run in bash reaches a server as the very bytes the client sent.
func TestExportReplaysThroughHAR(t *testing.T) {
	t.Parallel()
	capturetest.RequireTool(t, "curl")
	addr, got := rawEcho(t)
	body := "{\"note\":\"it's $(not) `run`\",\"bin\":\"\x00\xff\"}\n"
	f := exportFlow(1, "PATCH", "http://"+addr+"/admin/usergroups/[g1]?x={y}", 401,
		[]capture.Header{{Name: "Host", Value: addr}, {Name: "Authorization", Value: exBasic}, {Name: "X-Empty", Value: ""},
			{Name: "Content-Type", Value: "application/json"}, {Name: "Content-Length", Value: strconv.Itoa(len(body))}}, nil, body, "")
	f.Target = "/admin/usergroups/[g1]?x={y}"
	harFile := writeCapture(t, f)
	code, cmd, errOut := runProvtap(t, "export", harFile, "--flow", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	runBash(t, cmd)
	if raw, want := next(t, got), export.RawRequest(f); !bytes.Equal(raw, want) {
		t.Errorf("server got\n%q\nwant\n%q\ncommand:\n%s", raw, want, cmd)
	}
}

// A request from a Chrome HAR (Accept-Encoding: gzip, deflate, br, zstd)
// exports with --compressed: run by the real curl, it reaches the server as
// the bytes Chrome sent, Accept-Encoding unchanged, and the gzip answer is
// printed decoded.
func TestExportChromeRequestDecodesTheAnswer(t *testing.T) {
	t.Parallel()
	capturetest.RequireTool(t, "curl")
	answer := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(answer))
	zw.Close()
	addr, got := rawServer(t, append([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Encoding: gzip\r\nContent-Length: "+
		strconv.Itoa(gz.Len())+"\r\n\r\n"), gz.Bytes()...))
	entry := `{"startedDateTime":"2025-03-04T10:00:00.000Z","time":41.2,"_initiator":{"type":"script"},"_priority":"High","_resourceType":"fetch",
	 "request":{"method":"GET","url":"http://` + addr + `/scim/v2/Users?filter=userName%20eq%20%22jdoe%22","httpVersion":"HTTP/1.1",
	  "headers":[{"name":"Host","value":"` + addr + `"},{"name":"Connection","value":"keep-alive"},
	   {"name":"sec-ch-ua","value":"\"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\""},{"name":"sec-ch-ua-mobile","value":"?0"},
	   {"name":"User-Agent","value":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
	   {"name":"Accept","value":"application/scim+json"},{"name":"Sec-Fetch-Site","value":"same-origin"},{"name":"Sec-Fetch-Mode","value":"cors"},
	   {"name":"Accept-Encoding","value":"gzip, deflate, br, zstd"},{"name":"Accept-Language","value":"de-DE,de;q=0.9,en;q=0.8"},
	   {"name":"Cookie","value":"JSESSIONID=8F3A1C0E9B2D47A6"}],
	  "queryString":[{"name":"filter","value":"userName eq \"jdoe\""}],"cookies":[{"name":"JSESSIONID","value":"8F3A1C0E9B2D47A6"}],"headersSize":-1,"bodySize":0},
	 "response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[{"name":"Content-Type","value":"application/scim+json"},
	   {"name":"Content-Encoding","value":"gzip"}],"cookies":[],"content":{"size":` + strconv.Itoa(len(answer)) + `,"mimeType":"application/scim+json","compression":` +
		strconv.Itoa(len(answer)-gz.Len()) + `,"text":` + strconv.Quote(answer) + `},"redirectURL":"","headersSize":-1,"bodySize":` + strconv.Itoa(gz.Len()) + `,"_transferSize":300},
	 "cache":{},"timings":{"blocked":0.5,"dns":-1,"ssl":-1,"connect":-1,"send":0.1,"wait":40,"receive":0.6},"serverIPAddress":"127.0.0.1","connection":"4711"}`
	harFile := filepath.Join(t.TempDir(), "chrome.har")
	os.WriteFile(harFile, []byte(`{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[],"entries":[`+entry+`]}}`), 0o600)
	code, cmd, errOut := runProvtap(t, "export", harFile, "--flow", "1")
	if code != 0 || !strings.Contains(cmd, "curl --compressed ") {
		t.Fatalf("exit %d, stderr %q, command:\n%s", code, errOut, cmd)
	}
	sh := exec.Command("bash", "-c", cmd)
	sh.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	printed, err := sh.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, cmd)
	}
	if string(printed) != answer {
		t.Errorf("curl printed %q, want the decoded answer %q", printed, answer)
	}
	capt, _ := har.LoadHAR(harFile)
	// Byte for byte what Chrome sent, but for Connection, a header of the
	// captured connection that export leaves out.
	want := bytes.Replace(export.RawRequest(capt.Flows[0]), []byte("Connection: keep-alive\r\n"), nil, 1)
	raw := next(t, got)
	if !bytes.Equal(raw, want) || !bytes.Contains(raw, []byte("\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n")) {
		t.Errorf("the server got\n%q\nChrome sent\n%q", raw, want)
	}
}

// rawEcho is an upstream that records each request's bytes as they come off
// the connection and answers 401 with no body.
func rawEcho(t *testing.T) (string, chan []byte) {
	t.Helper()
	return rawServer(t, []byte("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"))
}

// rawServer records each request's bytes and answers each with response.
func rawServer(t *testing.T, response []byte) (string, chan []byte) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan []byte, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					var raw []byte
					n := 0
					for {
						line, err := br.ReadBytes('\n')
						raw = append(raw, line...)
						if err != nil {
							return
						}
						if k, v, ok := strings.Cut(strings.TrimSpace(string(line)), ":"); ok && strings.EqualFold(k, "content-length") {
							n, _ = strconv.Atoi(strings.TrimSpace(v))
						}
						if string(line) == "\r\n" {
							break
						}
					}
					body := make([]byte, n)
					io.ReadFull(br, body)
					got <- append(raw, body...)
					c.Write(response)
				}
			}(c)
		}
	}()
	return ln.Addr().String(), got
}

func next(t *testing.T, got chan []byte) []byte {
	t.Helper()
	select {
	case raw := <-got:
		return raw
	case <-time.After(20 * time.Second):
		t.Fatal("no request arrived")
		return nil
	}
}

func runBash(t *testing.T, cmd string) {
	t.Helper()
	sh := exec.Command("bash", "-c", cmd)
	sh.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s\n%s", err, out, cmd)
	}
}

// TestExportReplaysCapturedRequest: a client's request, captured by the
// real proxy (forward and reverse mode) and saved, exported and run in bash,
// reaches the server as the bytes the client sent.
func TestExportReplaysCapturedRequest(t *testing.T) {
	t.Parallel()
	capturetest.RequireTool(t, "curl")
	addr, got := rawEcho(t)
	body := "{\"note\":\"it's $(not) `run`\",\"bin\":\"\x00\xff\"}\n"
	head := "Host: HOST\r\nuser-agent: Java-http-client/17.0.9\r\nAuthorization: " + exBasic + "\r\nX-Dup: 1\r\nX-Empty:\r\n" +
		"X-Dup: 2\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	target := "/admin/usergroups/[g1]/../g2?x={y}&k=%41"
	upstream, _ := url.Parse("http://" + addr)
	for _, mode := range []struct {
		name string
		opts proxy.Options
		line string // the client's request line
	}{
		{"forward", proxy.Options{}, "PATCH http://" + addr + target + " HTTP/1.1\r\n"},
		{"reverse", proxy.Options{Target: upstream}, "PATCH " + target + " HTTP/1.1\r\n"},
	} {
		t.Run(mode.name, func(t *testing.T) {
			rp := capturetest.StartProxy(t, mode.opts)
			c, err := net.Dial("tcp", strings.TrimPrefix(rp.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// In reverse mode the client addresses provtap; the replay goes
			// to the target with the Host the proxy sent it.
			sent := strings.Replace(head, "HOST", addr, 1)
			if mode.opts.Target != nil {
				sent = strings.Replace(head, "HOST", strings.TrimPrefix(rp.URL, "http://"), 1)
			}
			if _, err := c.Write([]byte(mode.line + sent)); err != nil {
				t.Fatal(err)
			}
			next(t, got) // what the proxy forwarded: Go's transport, not the client's bytes
			flows := rp.Flows(1, 20*time.Second)
			if len(flows) != 1 {
				t.Fatalf("%d flows", len(flows))
			}
			code, cmd, errOut := runProvtap(t, "export", writeCapture(t, flows...), "--flow", "1")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			runBash(t, cmd)
			want := "PATCH " + target + " HTTP/1.1\r\n" + strings.Replace(head, "HOST", addr, 1)
			if raw := next(t, got); string(raw) != want {
				t.Errorf("the replay sent\n%q\nthe client sent\n%q\ncommand:\n%s", raw, want, cmd)
			}
		})
	}
}

// TestExportSeed1Replay (the session seed): the curl exported for the refused
// PATCH reproduces the 401; the same request with the session cookie the
// POST set succeeds.
func TestExportSeed1Replay(t *testing.T) {
	t.Parallel()
	capturetest.RequireTool(t, "curl")
	srv := scenario.Serve(scenario.NewSessionAPI(), false)
	t.Cleanup(srv.Close)
	rp := capturetest.StartProxy(t, proxy.Options{})
	if err := scenario.RunSeed1(rp.Client(), srv.URL); err == nil {
		t.Fatal("the connector without a cookie jar was not refused")
	}
	flows := rp.Flows(2, 20*time.Second)
	if len(flows) != 2 || flows[1].Method != "PATCH" || flows[1].Status != 401 {
		t.Fatalf("flows: %v", flows)
	}
	harFile := writeCapture(t, flows...)
	status := func(cmd string) string {
		t.Helper()
		sh := exec.Command("bash", "-c", cmd+" -s -o /dev/null -w '%{http_code}'")
		sh.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
		out, err := sh.Output()
		if err != nil {
			t.Fatalf("%v\n%s", err, cmd)
		}
		return string(out)
	}
	_, cmd, _ := runProvtap(t, "export", harFile, "--flow", "2")
	if got := status(strings.TrimSuffix(cmd, "\n")); got != "401" {
		t.Errorf("the exported PATCH got %s, want the captured 401\n%s", got, cmd)
	}
	cookie := strings.Split(flows[0].ResponseHeader("Set-Cookie"), ";")[0]
	fixed := *flows[1]
	fixed.RequestHeaders = append(append([]capture.Header(nil), fixed.RequestHeaders...), capture.Header{Name: "Cookie", Value: cookie})
	if got := status(export.Curl(&fixed)); got[0] != '2' {
		t.Errorf("with %s the PATCH got %s, want success", cookie, got)
	}
}

// TestExportRedactLiveSeeds: both seeds run through the real proxy; their
// captures redacted hold none of the seeds' secrets and give the analyzers
// the same findings as the originals.
func TestExportRedactLiveSeeds(t *testing.T) {
	t.Parallel()
	seed1 := scenario.Serve(scenario.NewSessionAPI(), true)
	seed2 := scenario.Serve(scenario.NewGateway(), true)
	t.Cleanup(seed1.Close)
	t.Cleanup(seed2.Close)
	rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
	scenario.RunSeed1(rp.Client(), seed1.URL)
	scenario.RunSeed2(rp.Client(), seed2.URL, scenario.Seed2ReadsOnly)
	flows := rp.Flows(7, 20*time.Second)
	in := writeCapture(t, flows...)
	out := filepath.Join(t.TempDir(), "shared.harFile")
	if code, _, errOut := runProvtap(t, "redact", in, out); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, _ := os.ReadFile(out)
	basic := func(u, p string) string { return base64.StdEncoding.EncodeToString([]byte(u + ":" + p)) }
	for _, s := range []string{scenario.SessionAPIPassword, scenario.GatewayPassword, scenario.GatewayKey,
		basic(scenario.SessionAPIUser, scenario.SessionAPIPassword), basic(scenario.GatewayUser, scenario.GatewayPassword)} {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("the redacted capture holds %q", s)
		}
	}
	for _, s := range []string{scenario.SessionCookie + "=", scenario.KeyHeader, scenario.KeyParam + "=", "Basic "} {
		if !bytes.Contains(data, []byte(s)) {
			t.Errorf("the redacted capture lost %q", s)
		}
	}
	orig, _ := har.LoadHAR(in)
	red, _ := har.LoadHAR(out)
	want, got := findingKeys(analyze.Run(orig.Flows)), findingKeys(analyze.Run(red.Flows))
	if len(want) < 4 || strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("findings:\noriginal %q\nredacted %q", want, got)
	}
}

// redact and export --redact stream the capture: a key first recognised in
// a later flow (a header) is still scrubbed where an earlier flow quoted it
// (an error body); export --redact hides it in the flow that sent it.
func TestRedactCatchesALaterSecretInAnEarlierFlow(t *testing.T) {
	t.Parallel()
	const key = "k7Q2-9fXw-31aZ-77Lm-e0Rt"
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	quoted := capturetest.NewFlow("GET", "https://gw.example.com/scim/Users", 401, capturetest.StartAt(0),
		capturetest.RespBody(`{"message":"key `+key+` is not valid for this API"}`))
	keyed := capturetest.NewFlow("GET", "https://gw.example.com/scim/Users", 200, capturetest.StartAt(time.Second),
		capturetest.Headers(capture.Header{Name: "Ocp-Apim-Subscription-Key", Value: key}))
	quoted.Start, keyed.Start = t0, t0.Add(time.Second)
	in := writeCapture(t, keyed, quoted) // completion order: the later flow first in the file
	out := filepath.Join(t.TempDir(), "shared.harFile")
	if code, _, stderr := runProvtap(t, "redact", in, out); code != 0 {
		t.Fatalf("redact: exit %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(out)
	red, err := har.LoadHAR(out)
	if err != nil || len(red.Flows) != 2 {
		t.Fatalf("redacted copy: %v, %d flows", err, len(red.Flows))
	}
	stand := red.Flows[1].RequestHeader("Ocp-Apim-Subscription-Key")
	if bytes.Contains(data, []byte(key)) || stand == "" || stand == key ||
		!strings.Contains(string(red.Flows[0].ResponseBody.Bytes), "key "+stand+" is not valid") {
		t.Errorf("the key survived or its stand-in differs: header %q, body %s", stand, red.Flows[0].ResponseBody.Bytes)
	}
	code, curl, stderr := runProvtap(t, "export", in, "--flow", "2", "--redact")
	if code != 0 || strings.Contains(curl, key) || !strings.Contains(curl, "Ocp-Apim-Subscription-Key: ") {
		t.Errorf("export --redact: exit %d, stderr %q\n%s", code, stderr, curl)
	}
}
