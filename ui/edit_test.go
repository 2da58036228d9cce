package ui

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/export"
)

// upstream is an httptest server that records every byte it received.
type upstream struct {
	*httptest.Server
	mu  sync.Mutex
	got bytes.Buffer
}

type recListener struct {
	net.Listener
	u *upstream
}

type recConn struct {
	net.Conn
	u *upstream
}

func (l recListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	return recConn{c, l.u}, err
}

func (c recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.u.mu.Lock()
	c.u.got.Write(p[:n])
	c.u.mu.Unlock()
	return n, err
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the whole request is read before the answer
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"edited":"ok"}`))
	}))
	u.Listener = recListener{u.Listener, u}
	u.Start()
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) received() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.got.String()
}

// tcpSender is a RawSender for tests: it writes the bytes as they are on a
// new TCP connection to the upstream and reads the answer.
type tcpSender struct {
	addr   string
	mu     sync.Mutex
	nextID int
}

func (s *tcpSender) SendRaw(ctx context.Context, orig *capture.Flow, raw []byte) (*capture.Flow, error) {
	s.mu.Lock()
	s.nextID++
	id := s.nextID
	s.mu.Unlock()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	start := time.Now()
	if _, err := conn.Write(raw); err != nil {
		return nil, err
	}
	f := &capture.Flow{ID: id, ReplayOf: orig.ID, Start: start, Scheme: orig.Scheme, Host: orig.Host, Port: orig.Port,
		ClientAddr: "provtap resend", RequestBody: capture.Body{Bytes: raw, Size: int64(len(raw))}}
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	if parts := strings.Fields(lines[0]); len(parts) == 3 {
		f.Method, f.Target, f.Proto = parts[0], parts[1], parts[2]
		f.URL = orig.Scheme + "://" + hostPort(orig) + parts[1]
	}
	for _, l := range lines[1:] {
		name, value, _ := strings.Cut(l, ":")
		f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: name, Value: strings.TrimSpace(value)})
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		f.Error = err.Error()
		return f, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	f.Status, f.StatusText, f.ResponseProto = res.StatusCode, http.StatusText(res.StatusCode), res.Proto
	f.ResponseBody = capture.Body{Bytes: body, Size: int64(len(body))}
	f.End = time.Now()
	return f, nil
}

// scriptedEditor sets $EDITOR to a shell script with body; $VISUAL unset.
func scriptedEditor(t *testing.T, body string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "editor.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", path)
}

// e on the refused SCIM PATCH: a scripted $EDITOR changes the Accept
// header; the confirmation shows the change and the exact bytes; y sends
// exactly those bytes, which the upstream receives, and the answer is a new
// flow linked to the original.
func TestEditAndResendThroughEditor(t *testing.T) {
	scriptedEditor(t, `sed -i 's#^Accept: application/scim+json#Accept: application/json#' "$1"`)
	up := newUpstream(t)
	feed, flows, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer(), Sender: &tcpSender{addr: up.Listener.Addr().String(), nextID: 6}, Select: 4}, feed)
	tm := startTUI(t, m, 120, 50)
	waitOutput(t, tm, "e edit")
	typeKeys(tm, "e")
	waitOutput(t, tm, "[Send #4 as edited]", "- Accept: application/scim+json", "+ Accept: application/json", "side effects", "y or enter: send it")
	if got := up.received(); got != "" {
		t.Fatalf("sent before the confirmation: %q", got)
	}
	typeKeys(tm, "y")
	waitOutput(t, tm, "#7, edited resend of #4: 200 OK (the original got 401)")
	got := finish(t, tm)
	want := strings.Replace(string(export.RawRequest(flows[3])), "Accept: application/scim+json\r\n", "Accept: application/json\r\n", 1)
	if want == string(export.RawRequest(flows[3])) {
		t.Fatal("the test's edit changes nothing")
	}
	if r := up.received(); r != want {
		t.Errorf("the upstream received:\n%q\nwant exactly:\n%q", r, want)
	}
	if f := got.flowByID(got.list.selectedID()); f == nil || f.ID != 7 || f.ReplayOf != 4 || f.Status != 200 {
		t.Errorf("selected %+v; want the new flow #7, linked to #4", f)
	}
	if s := screen(got, 120, 50); !strings.Contains(lineWith(s, "▶"), "↻#4") {
		t.Errorf("the new flow's row does not show its link:\n%s", s)
	}
}

// An unchanged or emptied buffer sends nothing, and says so.
func TestEditUnchangedOrEmptySendsNothing(t *testing.T) {
	for _, c := range []struct{ script, want string }{
		{"exit 0", "not sent: #4's request was not changed"},
		{`: > "$1"`, "not sent: the buffer for #4 was empty"},
		{"exit 3", "not sent: the editor for #4 failed: exit status 3"},
	} {
		scriptedEditor(t, c.script)
		up := newUpstream(t)
		feed, _, _ := seedFeed()
		m := NewModel(Options{Renderer: plainRenderer(), Sender: &tcpSender{addr: up.Listener.Addr().String()}, Select: 4}, feed)
		tm := startTUI(t, m, 120, 40)
		// e acts on the selected flow: wait until #4 is in and selected
		// (under load the feed's first batch can come after a key typed at once).
		waitOutput(t, tm, "e edit", "#4 · ")
		typeKeys(tm, "e")
		waitOutput(t, tm, c.want)
		got := finish(t, tm)
		if got.confirm.active() || up.received() != "" {
			t.Errorf("%s: confirmation %v, upstream got %q", c.script, got.confirm.active(), up.received())
		}
	}
}

// Without $VISUAL and $EDITOR, e edits inline; ctrl+s reviews, y sends the
// text with its CRLF line ends back and the body's bytes as they were.
func TestEditInline(t *testing.T) {
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", "")
	up := newUpstream(t)
	feed, flows, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer(), Sender: &tcpSender{addr: up.Listener.Addr().String(), nextID: 6}, Select: 5}, feed)
	tm := startTUI(t, m, 120, 40)
	typeKeys(tm, "e")
	waitOutput(t, tm, "[Edit #5]", "ctrl+s: review and send")
	tm.Send(tea.KeyMsg{Type: tea.KeyDown})
	tm.Send(tea.KeyMsg{Type: tea.KeyDown})
	tm.Send(tea.KeyMsg{Type: tea.KeyEnd})
	tm.Type(" edited")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitOutput(t, tm, "[Send #5 as edited]", "+ User-Agent: Java-http-client/17.0.9 edited")
	typeKeys(tm, "y")
	waitOutput(t, tm, "#7, edited resend of #5: 200 OK")
	finish(t, tm)
	want := strings.Replace(string(export.RawRequest(flows[4])), "Java-http-client/17.0.9\r\n", "Java-http-client/17.0.9 edited\r\n", 1)
	if r := up.received(); r != want {
		t.Errorf("the upstream received:\n%q\nwant exactly:\n%q", r, want)
	}
}

// Without a sender e says so and the hints do not offer it; with one, a
// flow without a request to send is refused.
func TestEditRefusals(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	m.Update(sizeMsg(160, 30))
	m.Update(press("e"))
	if !strings.Contains(m.msg, "edit and resend is not available here") || strings.Contains(screen(m, 160, 30), "e edit") {
		t.Errorf("no sender: %q", m.msg)
	}
	fd := NewFeed()
	fd.AddAll([]*capture.Flow{{ID: 1, Kind: capture.KindTLSFailure, Host: "idp.example.test", Port: 443, Start: epoch}}, nil)
	m = NewModel(Options{Renderer: plainRenderer(), Sender: &tcpSender{}}, fd)
	m.Update(sizeMsg(160, 30))
	if strings.Contains(screen(m, 160, 30), "e edit") {
		t.Error("e offered on a TLS failure")
	}
	m.Update(press("e"))
	if !strings.Contains(m.msg, "#1 cannot be edited and sent: a failed TLS handshake has no request to send") {
		t.Errorf("TLS failure: %q", m.msg)
	}
}

func TestRawWarnings(t *testing.T) {
	orig := mkFlow(4, "PATCH", "https://gw.example.test/scim/v2/Groups/g1", 401, nil, nil, "")
	for _, c := range []struct{ raw, want string }{
		{"PATCH /x HTTP/1.1\r\nHost: gw.example.test\r\nContent-Length: 3\r\n\r\n{}", "Content-Length says 3 but the body is 2 bytes"},
		{"PATCH /x HTTP/1.1\r\nHost: gw.example.test\r\n\r\n{}", "a body of 2 bytes but no Content-Length"},
		{"PATCH /x HTTP/1.1\nHost: gw.example.test\n\n", "LF without CR"},
		{"PATCH /x HTTP/1.1\r\nHost: evil.test\r\n\r\n", "Host says evil.test, but the request still goes to gw.example.test"},
		{"PATCH /x\r\nHost: gw.example.test\r\n\r\n", `the request line "PATCH /x" is not METHOD TARGET HTTP/1.1`},
		{"PATCH /x HTTP/1.1\r\nHost: gw.example.test", "do not end with an empty line"},
	} {
		if got := strings.Join(rawWarnings(orig, []byte(c.raw)), " | "); !strings.Contains(got, c.want) {
			t.Errorf("%q: %q, want %q", c.raw, got, c.want)
		}
	}
	if w := rawWarnings(orig, []byte("PATCH /x HTTP/1.1\r\nHost: gw.example.test\r\nContent-Length: 2\r\n\r\n{}")); len(w) != 0 {
		t.Errorf("a well-formed request: %q", w)
	}
	got := lineChanges([]byte("A\r\nB: 1\r\nC\r\n\r\n"), []byte("A\r\nB: 2\r\nC\r\nD\r\n\r\n"))
	if strings.Join(got, "|") != "- B: 1|+ B: 2|+ D" {
		t.Errorf("changes %q", got)
	}
}
