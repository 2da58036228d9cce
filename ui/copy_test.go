package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/export"
)

// testClipboard records what was copied.
type testClipboard struct {
	mu          sync.Mutex
	text, files []string
}

func (c *testClipboard) copy(text, file string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.text, c.files = append(c.text, text), append(c.files, file)
	return "copied to the test clipboard", nil
}

func (c *testClipboard) last() (string, string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.text) == 0 {
		return "", "", 0
	}
	return c.text[len(c.text)-1], c.files[len(c.files)-1], len(c.text)
}

// C opens the copy menu: bash curl, a curl config file (written to a new
// 0600 file beside the capture, never over an existing one, its path and
// how to run it shown) or raw HTTP; esc closes it; c still copies bash
// curl at once.
func TestCopyMenu(t *testing.T) {
	feed, flows, _ := seedFeed()
	dir := t.TempDir()
	old := filepath.Join(dir, "provtap-flow-4.curl.conf")
	os.WriteFile(old, []byte("an earlier copy"), 0o600)
	clip := &testClipboard{}
	m := NewModel(Options{Renderer: plainRenderer(), CapturePath: filepath.Join(dir, "cap.har"), Copy: clip.copy}, feed)
	tm := startTUI(t, m, 220, 30)
	typeKeys(tm, "j", "j", "j", "C")
	waitOutput(t, tm, "Copy #4's request as:", "1  bash curl", "2  curl config file", "3  raw HTTP", "enter or 1-3: copy · esc: cancel")
	typeKeys(tm, "2")
	path := filepath.Join(dir, "provtap-flow-4-2.curl.conf")
	waitOutput(t, tm, "#4 as a curl config file: written to "+path+" (0600) · curl -K "+path+" sends it (curl.exe on Windows)")
	b, err := os.ReadFile(path)
	if st, _ := os.Stat(path); err != nil || string(b) != wantConfig(flows[3], path) || st.Mode().Perm() != 0o600 {
		t.Errorf("the config file: %q %v", b, err)
	}
	if b, _ := os.ReadFile(old); string(b) != "an earlier copy" {
		t.Errorf("an existing file was overwritten: %q", b)
	}
	typeKeys(tm, "C", "down", "down", "enter")
	waitOutput(t, tm, "#4 as raw HTTP: copied to the test clipboard")
	if text, file, _ := clip.last(); text != string(export.RawRequest(flows[3])) || file != "provtap-flow-4.http" {
		t.Errorf("raw HTTP copied %q as %s", text, file)
	}
	typeKeys(tm, "C", "esc", "c")
	waitOutput(t, tm, "#4 as curl: copied to the test clipboard")
	got := finish(t, tm)
	if text, file, n := clip.last(); text != export.Curl(flows[3]) || file != "provtap-flow-4.curl.sh" || n != 2 || got.isOpen(&got.copyMenu) {
		t.Errorf("c copied %q as %s (%d copies), menu open %v", text, file, n, got.isOpen(&got.copyMenu))
	}
}

// A binary request body goes in a file beside the config, which names it;
// curl -K reads both.
func TestCopyCurlConfigBinaryBody(t *testing.T) {
	t0 := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	body := []byte{0x1f, 0x8b, 0, 0xff, '\n', '"'}
	flow := &capture.Flow{ID: 1, Kind: capture.KindHTTP, Method: "POST", URL: "https://idm.example.com/upload", Host: "idm.example.com", Port: 443,
		Start: t0, Status: 200, Proto: "HTTP/1.1", RequestHeaders: []capture.Header{{Name: "Content-Type", Value: "application/octet-stream"}}, RequestBody: capture.Body{Bytes: body, Size: int64(len(body))}}
	feed := NewFeed()
	feed.AddAll([]*capture.Flow{flow}, []analyze.Finding{})
	dir := t.TempDir()
	m := NewModel(Options{Renderer: plainRenderer(), CapturePath: filepath.Join(dir, "cap.har")}, feed)
	m.Update(sizeMsg(120, 30))
	m.Update(press("C"))
	_, cmd := m.Update(press("2"))
	if cmd == nil {
		t.Fatalf("no copy ran: %q", m.msg)
	}
	m.Update(cmd())
	config, bodyPath := filepath.Join(dir, "provtap-flow-1.curl.conf"), filepath.Join(dir, "provtap-flow-1.body")
	got, err := os.ReadFile(bodyPath)
	if err != nil || !bytes.Equal(got, body) {
		t.Errorf("the body file holds %q (%v), want %q", got, err, body)
	}
	if b, _ := os.ReadFile(config); string(b) != wantConfig(flow, config) || !strings.Contains(string(b), bodyPath) {
		t.Errorf("the config file: %q", b)
	}
	if !strings.Contains(m.msg, "curl -K "+config) {
		t.Errorf("message %q", m.msg)
	}
}

// A flow with no request to send says so instead of copying: a failed
// TLS handshake, a CONNECT tunnel, a tunnel outside the CA's scope.
func TestCopyFlowWithoutRequest(t *testing.T) {
	t0 := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	flows := []*capture.Flow{
		{ID: 1, Kind: capture.KindTLSFailure, Host: "idm.example.com", Port: 443, Start: t0, Error: "remote error: tls: unknown certificate authority"},
		{ID: 2, Method: "CONNECT", Host: "idm.example.com", Port: 443, Start: t0.Add(time.Second), Status: 200},
		{ID: 3, Kind: capture.KindOutOfScope, Method: "CONNECT", Host: "login.example.org", Port: 443, Start: t0.Add(2 * time.Second), Status: 200},
	}
	feed := NewFeed()
	feed.AddAll(flows, []analyze.Finding{})
	clip := &testClipboard{}
	m := NewModel(Options{Renderer: plainRenderer(), Copy: clip.copy}, feed)
	tm := startTUI(t, m, 120, 30)
	typeKeys(tm, "c")
	waitOutput(t, tm, "#1 has no request to copy: the client gave up during the TLS handshake, before sending one")
	typeKeys(tm, "j", "C")
	waitOutput(t, tm, "#2 has no request to copy: a CONNECT tunnel; the requests inside it, if any, are flows of their own")
	typeKeys(tm, "j", "c")
	waitOutput(t, tm, "#3 has no request to copy: a tunnel to a host outside the CA's scope: provtap passed it through unread")
	finish(t, tm)
	if _, _, n := clip.last(); n != 0 {
		t.Errorf("%d copies made", n)
	}
}

// wantConfig is the config file export writes for f saved at path.
func wantConfig(f *capture.Flow, path string) string {
	config, _ := export.CurlConfig(f, strings.TrimSuffix(path, ".curl.conf")+".body")
	return config
}
