package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

const caPath = "/home/u/provtap-home/ca.pem"

// The first screen of a live session says what to paste: the proxy line,
// the JVM flags, the CA's path and the command that prints how to trust it.
func TestFirstScreenLive(t *testing.T) {
	m := NewModel(Options{Renderer: plainRenderer(), Live: true, Mode: "forward proxy http://127.0.0.1:43210",
		ProxyURL: "http://127.0.0.1:43210", CAPath: caPath}, NewFeed())
	for _, w := range []int{80, 160} {
		s := screen(m, w, 24)
		checkFrame(t, "first screen", m.View(), w, 24)
		for _, want := range []string{"waiting for flows…", "  HTTPS_PROXY=http://127.0.0.1:43210 HTTP_PROXY=http://127.0.0.1:43210",
			"-Dhttps.proxyHost=127.0.0.1", "-Dhttps.proxyPort=43210", "  " + caPath,
			"provtap ca --hints --home /home/u/provtap-home --listen 127.0.0.1:43210"} {
			if !strings.Contains(s, want) {
				t.Errorf("%d columns: the first screen lacks %q:\n%s", w, want, s)
			}
		}
		if strings.Contains(s, "no flows in this capture") {
			t.Errorf("a live session is not an empty capture:\n%s", s)
		}
	}
	m.Update(press("?"))
	if s := screen(m, 160, 40); !strings.Contains(s, "trust provtap's CA, "+caPath) {
		t.Errorf("? says nothing about the CA:\n%s", s)
	}
	rev := NewModel(Options{Renderer: plainRenderer(), Live: true, ProxyURL: "http://127.0.0.1:8080", Reverse: true}, NewFeed())
	if s := screen(rev, 100, 24); !strings.Contains(s, "base URL at http://127.0.0.1:8080") || strings.Contains(s, "HTTPS_PROXY") {
		t.Errorf("reverse mode:\n%s", s)
	}
}

// The same in a running program at 80×24.
func TestFirstScreenInTUI(t *testing.T) {
	m := NewModel(Options{Renderer: plainRenderer(), Live: true, Mode: "forward proxy http://127.0.0.1:8080",
		ProxyURL: "http://127.0.0.1:8080", CAPath: caPath}, NewFeed())
	tm := startTUI(t, m, 80, 24)
	waitOutput(t, tm, "HTTPS_PROXY=http://127.0.0.1:8080 HTTP_PROXY=http://127.0.0.1:8080", caPath, "provtap ca --hints --home /home/u/provtap-home")
	finish(t, tm)
}

// open on a capture without flows says so; it is not waiting for any.
func TestEmptyCapture(t *testing.T) {
	fd := NewFeed()
	fd.Close()
	m := NewModel(Options{Renderer: plainRenderer(), Mode: "file: empty.har"}, fd)
	if s := screen(m, 80, 24); !strings.Contains(s, "no flows in this capture") || strings.Contains(s, "waiting") || strings.Contains(s, "Point") {
		t.Errorf("empty capture:\n%s", s)
	}
}

// A fix is wrapped at spaces only: a flag, a path or a command is never
// cut across lines; the CA's real path replaces <provtap home>/ca.pem.
func TestFixWrapsAtSpaces(t *testing.T) {
	tlsFail := &capture.Flow{ID: 1, Kind: capture.KindTLSFailure, Host: "gw.example.test", Port: 443, Scheme: "https",
		ClientAddr: "10.1.2.3:50000", Start: epoch, End: epoch, Error: "remote error: tls: unknown certificate authority"}
	findings := analyze.Run([]*capture.Flow{tlsFail})
	if len(findings) == 0 || !strings.Contains(findings[0].Fix, "-Djavax.net.ssl.trustStore") {
		t.Fatalf("no tls-untrusted fix to test with: %+v", findings)
	}
	fix := strings.NewReplacer("<provtap home>/ca.pem", caPath, `<provtap home>\ca.pem`, caPath).Replace(findings[0].Fix)
	for _, w := range []int{80, 100, 133, 160} {
		fd := NewFeed()
		fd.AddAll([]*capture.Flow{tlsFail}, findings)
		m := NewModel(Options{Renderer: plainRenderer(), ShowFindings: true, CAPath: caPath}, fd)
		s := screen(m, w, 60)
		on := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			for _, word := range strings.Fields(l) {
				on[word] = true
			}
		}
		for _, word := range strings.Fields(fix) {
			if len(word) < w-6 && !on[word] && !strings.Contains(s, "…") {
				t.Errorf("%d columns: %q is cut across lines", w, word)
			}
		}
		if !on[caPath] || strings.Contains(s, "<provtap home>") {
			t.Errorf("%d columns: the fix does not name the CA's path:\n%s", w, s)
		}
	}
}

// The list shows host:port where the port is not the scheme's, and every
// method up to CONNECT and PROPFIND whole.
func TestListHostPortAndMethods(t *testing.T) {
	a := mkFlow(1, "POST", "http://127.0.0.1:9000/admin/users", 201, nil, nil, "")
	b := mkFlow(2, "PROPFIND", "http://127.0.0.1:9001/dav/", 207, nil, nil, "")
	c := mkFlow(3, "CONNECT", "https://gw.example.test:443", 200, nil, nil, "")
	c.Target = ""
	d := mkFlow(4, "GET", "https://gw.example.test/scim/v2/Users", 200, nil, nil, "")
	fd := NewFeed()
	fd.AddAll([]*capture.Flow{a, b, c, d}, nil)
	m := NewModel(Options{Renderer: plainRenderer()}, fd)
	for _, w := range []int{80, 160} {
		s := screen(m, w, 24)
		for _, want := range []string{"POST     201 127.0.0.1:9000", "PROPFIND 207 127.0.0.1:9001", "CONNECT  200 gw.example.test ", "GET      200 gw.example.test "} {
			if !strings.Contains(s, want) {
				t.Errorf("%d columns: no %q:\n%s", w, want, s)
			}
		}
	}
}

// At 80×24 the request line keeps HTTP/1.1 whole, the status line keeps
// the capture file's name whole, and the hint line keeps enter and s, and
// nothing is cut with an ellipsis.
func TestLayoutAt80x24(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer(), Live: true, Mode: "forward proxy http://127.0.0.1:8080", ProxyURL: "http://127.0.0.1:8080",
		CapturePath: "/home/u/.config/provtap/captures/provtap-20250304-184301.har", Replayer: &fakeReplayer{}}, feed)
	m.Update(sizeMsg(80, 24))
	m.list.selectID(6)
	m.syncDetail()
	s := screen(m, 80, 24)
	checkFrame(t, "80x24", m.View(), 80, 24)
	ls := strings.Split(s, "\n")
	if !strings.Contains(ls[0], " 127.0.0.1:8080 │") || !strings.Contains(ls[0], "rec provtap-20250304-184301.har") || strings.Contains(ls[0], "…") {
		t.Errorf("status line: %q", ls[0])
	}
	if !strings.Contains(s, "\nPATCH http://127.0.0.1:9000/admin/usergroups/ ") || !strings.Contains(s, "\n7f3c9a2e-4b1d-4e8a-9c6f-2d5b8e1a3c70 HTTP/1.1 ") {
		t.Errorf("the request line must break after a path segment and keep HTTP/1.1 whole:\n%s", s)
	}
	hint := ls[23]
	for _, want := range []string{"enter open", "/ filter", "f findings", "c curl", "r replay", "R fix", "s save", "? help"} {
		if !strings.Contains(hint, want) || strings.Contains(hint, "…") {
			t.Errorf("hint line lacks %q: %q", want, hint)
		}
	}
}

func TestWrapping(t *testing.T) {
	text := "Fix: keytool -importcert -file /home/u/provtap-home/ca.pem -Djavax.net.ssl.trustStore=provtap.p12 end"
	for w := 12; w <= 60; w++ {
		var got []string
		for _, l := range wrapWords(text, w, w-2) {
			if ansi.StringWidth(l) > w {
				t.Errorf("width %d: line %q is wider", w, l)
			}
			got = append(got, strings.Fields(l)...)
		}
		for _, word := range strings.Fields(text) {
			if len(word) <= w-2 && !slices.Contains(got, word) {
				t.Errorf("width %d: %q was cut: %q", w, word, wrapWords(text, w, w-2))
			}
		}
	}
	if got := wrapWords("a very-long-flag-that-is-longer x", 10, 10); strings.Join(got, "|") != "a very-lon|g-flag-tha|t-is-longe|r x" {
		t.Errorf("a word longer than a line: %q", got)
	}
	if got := wrapURL("GET https://h.test/a/bb/ccc?x=1&y=2", 16); strings.Join(got, "|") != "GET https://|h.test/a/bb/ccc?|x=1&y=2" {
		t.Errorf("wrapURL: %q", got)
	}
	if got := wrapURL("界界界", 1); len(got) != 3 {
		t.Errorf("a character wider than the line: %q", got)
	}
}
