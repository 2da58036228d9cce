package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

// runProvtap runs provtap with args, returning exit code, stdout and stderr.
func runProvtap(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	outF, _ := os.Create(filepath.Join(dir, "out"))
	errF, _ := os.Create(filepath.Join(dir, "err"))
	oldOut, oldErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = outF, errF
	code := run(args)
	os.Stdout, os.Stderr = oldOut, oldErr
	outF.Close()
	errF.Close()
	out, _ := os.ReadFile(filepath.Join(dir, "out"))
	errb, _ := os.ReadFile(filepath.Join(dir, "err"))
	return code, string(out), string(errb)
}

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
	path := filepath.Join(t.TempDir(), "capture.har")
	if err := capture.WriteHAR(path, flows); err != nil {
		t.Fatal(err)
	}
	return path
}

const (
	exBasic   = "Basic cHJvdmlzaW9uZXI6UHIwdiFzaW9uLTIwMjQ="
	exSession = "8F3A1C0E9B2D47A6B1C3D5E7F9A0B2C4"
	exKey     = "4f2b9c7d1e8a4b6c9d0e1f2a3b4c5d6e"
)

// seedCaptures are SCENARIOS.md #1 and #2 as analyzers see them fail.
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
	secrets := []string{"cHJvdmlzaW9uZXI6UHIwdiFzaW9uLTIwMjQ", "Pr0v!sion-2024", exSession, exKey, "Welc0me-jdoe-42"}
	for i, flows := range seedCaptures() {
		in := writeCapture(t, flows...)
		out := filepath.Join(t.TempDir(), "shared.har")
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
		if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", st.Mode().Perm())
		}
		orig, _ := capture.LoadHAR(in)
		red, err := capture.LoadHAR(out)
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
	flows := seedCaptures()[0]
	har := writeCapture(t, flows...)
	loaded, _ := capture.LoadHAR(har)
	for _, args := range [][]string{{"export", har, "--flow", "2"}, {"export", "--flow", "2", har}, {"export", "--flow=2", "--format", "curl", har}} {
		code, out, errOut := runProvtap(t, args...)
		if code != 0 || errOut != "" || out != capture.Curl(loaded.Flows[1])+"\n" {
			t.Errorf("%v: exit %d, stderr %q, stdout\n%s", args, code, errOut, out)
		}
	}
	code, out, _ := runProvtap(t, "export", har, "--flow", "1", "--format", "raw")
	if code != 0 || out != string(capture.RawRequest(flows[0])) {
		t.Errorf("raw: exit %d\n%q\nwant\n%q", code, out, capture.RawRequest(flows[0]))
	}
	code, out, _ = runProvtap(t, "export", har, "--flow", "3", "--redact")
	if code != 0 || strings.Contains(out, exSession) || strings.Contains(out, exBasic) ||
		!strings.Contains(out, "-H 'Authorization: Basic ") || !strings.Contains(out, "-H 'Cookie: JSESSIONID=") {
		t.Errorf("--redact: exit %d\n%s", code, out)
	}
}

func TestExportErrors(t *testing.T) {
	har := writeCapture(t, seedCaptures()[0]...)
	notHAR := filepath.Join(t.TempDir(), "x.har")
	os.WriteFile(notHAR, []byte("hello"), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"export", har, "--flow", "7"}, "no flow 7: " + har + " has 3 flows (1-3)"},
		{[]string{"export", har, "--flow", "0"}, "has 3 flows"},
		{[]string{"export", har}, "--flow N"},
		{[]string{"export", har, "--flow", "1", "--format", "har"}, `unknown --format "har"`},
		{[]string{"export", "--flow", "1"}, "want exactly one capture file"},
		{[]string{"export", notHAR, "--flow", "1"}, "not a HAR capture"},
		{[]string{"export", filepath.Join(t.TempDir(), "missing.har"), "--flow", "1"}, "no such file"},
		{[]string{"export", har, "--flow", "x"}, "invalid value"},
		{[]string{"redact", har}, "want a capture file and the file to write"},
		{[]string{"redact", notHAR, filepath.Join(t.TempDir(), "o.har")}, "not a HAR capture"},
		{[]string{"redact", har, filepath.Join(notHAR, "o.har")}, "writing"}, // a file where a directory should be
	} {
		code, out, errOut := runProvtap(t, c.args...)
		if c.want == "invalid value" {
			out = "" // the flag package prints the usage on stdout as well (cli.go)
		}
		if code != 2 || out != "" || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q (want one line with %q)", c.args, code, out, errOut, c.want)
		}
	}
}

// TestExportReplaysThroughHAR: a request saved to a capture file, exported
// and run in bash reaches a server as the very bytes the client sent.
func TestExportReplaysThroughHAR(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is required: ", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		var raw []byte
		n := 0
		for {
			line, err := br.ReadBytes('\n')
			raw = append(raw, line...)
			if k, v, ok := strings.Cut(strings.TrimSpace(string(line)), ":"); ok && strings.EqualFold(k, "content-length") {
				n, _ = strconv.Atoi(strings.TrimSpace(v))
			}
			if err != nil || string(line) == "\r\n" {
				break
			}
		}
		body := make([]byte, n)
		io.ReadFull(br, body)
		c.Write([]byte("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
		got <- append(raw, body...)
	}()
	addr := ln.Addr().String()
	body := "{\"note\":\"it's $(not) `run`\",\"bin\":\"\x00\xff\"}\n"
	f := exportFlow(1, "PATCH", "http://"+addr+"/admin/usergroups/[g1]?x={y}", 401,
		[]capture.Header{{Name: "Host", Value: addr}, {Name: "Authorization", Value: exBasic}, {Name: "X-Empty", Value: ""},
			{Name: "Content-Type", Value: "application/json"}, {Name: "Content-Length", Value: strconv.Itoa(len(body))}}, nil, body, "")
	f.Target = "/admin/usergroups/[g1]?x={y}"
	har := writeCapture(t, f)
	code, cmd, errOut := runProvtap(t, "export", har, "--flow", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	sh := exec.Command("bash", "-c", cmd)
	sh.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s\n%s", err, out, cmd)
	}
	select {
	case raw := <-got:
		if want := capture.RawRequest(f); !bytes.Equal(raw, want) {
			t.Errorf("server got\n%q\nwant\n%q\ncommand:\n%s", raw, want, cmd)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no request arrived")
	}
}
