package ui

import (
	"fmt"
	"os"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

func colorRenderer(dark bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(dark)
	return r
}

// checkFrame asserts the frame is exactly h lines of at most w cells.
func checkFrame(t *testing.T, name, frame string, w, h int) {
	t.Helper()
	ls := strings.Split(frame, "\n")
	if len(ls) != h {
		t.Errorf("%s: %d lines, want %d", name, len(ls), h)
	}
	for i, l := range ls {
		if cw := ansi.StringWidth(l); cw > w {
			t.Errorf("%s: line %d is %d cells wide, want ≤ %d: %q", name, i, cw, w, ansi.Strip(l))
		}
	}
}

// Every view, at every size down to tiny, fits the terminal exactly, in
// colour on light and dark backgrounds and without colour.
func TestEveryViewFitsEverySize(t *testing.T) {
	sizes := [][2]int{{80, 24}, {120, 40}, {60, 20}, {40, 12}, {24, 8}, {12, 4}, {200, 60}, {80, 2}, {80, 1}}
	renderers := map[string]*lipgloss.Renderer{"none": plainRenderer(), "dark": colorRenderer(true), "light": colorRenderer(false)}
	views := map[string][]string{"list": nil, "detail": {"n", "enter"}, "response": {"n", "tab"}, "cookies": {"n", "n", "tab", "tab"}, "findings": {"f"},
		"help": {"?"}, "filter": {"/", "4", "0", "1"}, "save": {"s"}}
	for rname, r := range renderers {
		for vname, keys := range views {
			for _, sz := range sizes {
				feed, _, _ := seedFeed()
				m := NewModel(Options{Mode: "reverse 127.0.0.1:8080 → https://gw.example.test", CapturePath: "/home/u/.config/provtap/captures/provtap-20250304-100000.har", Live: true, Renderer: r}, feed)
				m.Update(sizeMsg(sz[0], sz[1]))
				for _, k := range keys {
					m.Update(press(k))
				}
				checkFrame(t, fmt.Sprintf("%s/%s/%dx%d", rname, vname, sz[0], sz[1]), m.View(), sz[0], sz[1])
			}
		}
	}
}

// Without colour (NO_COLOR) there is not one escape sequence, and what
// colour would say is still on screen: the selected row's ▶, the marks, the
// active tab's brackets.
func TestNoColor(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	r := lipgloss.NewRenderer(os.Stdout, termenv.WithTTY(true), termenv.WithProfile(termenv.TrueColor))
	if p := r.ColorProfile(); p != termenv.Ascii {
		t.Fatalf("NO_COLOR: profile %v, want Ascii", p)
	}
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: r}, feed)
	m.Update(sizeMsg(80, 24))
	m.Update(press("n"))
	v := m.View()
	if strings.Contains(v, "\x1b") {
		t.Errorf("escape sequences with NO_COLOR:\n%q", v)
	}
	for _, want := range []string{"▶✖  4", " ✖  6", "[Request]", "− Ocp-Apim-Subscription-Key — sent on GET #3"} {
		if !strings.Contains(v, want) {
			t.Errorf("NO_COLOR screen lacks %q:\n%s", want, v)
		}
	}
	checkFrame(t, "NO_COLOR", v, 80, 24)

	// With colour, the same screen is coloured.
	m = NewModel(Options{Renderer: colorRenderer(true)}, func() *Feed { f, _, _ := seedFeed(); return f }())
	m.Update(sizeMsg(80, 24))
	if !strings.Contains(m.View(), "\x1b[") {
		t.Error("no colour with a colour profile")
	}
}

// The detail pane: JSON pretty-printed, headers in wire order, response tab.
func TestDetailResponseTab(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	m.Update(sizeMsg(100, 40))
	m.list.selectID(6)
	m.syncDetail()
	m.Update(press("tab"))
	s := ansi.Strip(m.View())
	for _, want := range []string{"[Response]", "HTTP/1.1 401 Unauthorized", `WWW-Authenticate: Token Basic realm="IdentityAdmin"`,
		`  "code": 401,`, `  "description": "The request requires user authentication",`} {
		if !strings.Contains(s, want) {
			t.Errorf("response tab lacks %q:\n%s", want, s)
		}
	}
	www, ct := strings.Index(s, "WWW-Authenticate:"), strings.Index(s, "Content-Type: application/json")
	if www < 0 || ct < 0 || www > ct {
		t.Errorf("response headers not in wire order:\n%s", s)
	}
}

// Resizing keeps the selection and redraws at the new size.
func TestResize(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	m.Update(sizeMsg(120, 40))
	m.list.selectID(5)
	for _, sz := range [][2]int{{80, 24}, {50, 10}, {200, 50}} {
		m.Update(sizeMsg(sz[0], sz[1]))
		checkFrame(t, fmt.Sprint(sz), m.View(), sz[0], sz[1])
		if m.list.selectedID() != 5 {
			t.Errorf("resize to %v lost the selection: #%d", sz, m.list.selectedID())
		}
	}
}

// The mouse wheel scrolls the pane under the pointer; a click selects.
func TestMouse(t *testing.T) {
	feed := NewFeed()
	feed.AddAll(manyFlows(100), nil)
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	m.Update(sizeMsg(100, 30))
	m.Update(tea.MouseMsg{X: 5, Y: 3, Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	if m.list.selectedID() != 4 {
		t.Errorf("wheel down over the list: #%d, want #4", m.list.selectedID())
	}
	// A click on the list's third row (screen line 1 status + 1 header + 2).
	m.Update(tea.MouseMsg{X: 5, Y: 4, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress})
	if id := m.list.rows[m.list.offset+2].id; m.list.selectedID() != id {
		t.Errorf("click: #%d, want #%d", m.list.selectedID(), id)
	}
	// The wheel over the detail pane scrolls it, not the list.
	big := mkFlow(101, "GET", "https://api.example.test/big", 200, nil, []string{"Content-Type", "application/json"},
		"["+strings.Repeat(`{"a":1},`, 200)+`{"a":1}]`)
	feed.Add(big, nil)
	m.Update(feedMsg{})
	m.list.selectID(101)
	m.syncDetail()
	m.Update(press("tab"))
	m.Update(tea.MouseMsg{X: 5, Y: 25, Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	if m.detail.vp.YOffset == 0 || m.list.selectedID() != 101 {
		t.Errorf("wheel over the detail: offset %d, selected #%d", m.detail.vp.YOffset, m.list.selectedID())
	}
}

// A recording error (a full disk) shows on the status line.
func TestRecordingErrorShown(t *testing.T) {
	feed, _, _ := seedFeed()
	feed.SetRecordingError(fmt.Errorf("capture stopped: write /x/cap.har: no space left on device"))
	m := NewModel(Options{Mode: "forward proxy 127.0.0.1:8080", CapturePath: "/x/cap.har", Live: true, Renderer: plainRenderer()}, feed)
	m.Update(sizeMsg(160, 24))
	if s := ansi.Strip(m.View()); !strings.Contains(lineWith(s, "6 flows"), "recording stopped: capture stopped: write /x/cap.har: no space left on device") {
		t.Errorf("status line: %q", strings.SplitN(s, "\n", 2)[0])
	}
}

// Failed flows and TLS failures have rows and a readable detail.
func TestFailedFlows(t *testing.T) {
	feed := NewFeed()
	f1 := mkFlow(1, "GET", "https://down.example.test/x", 0, nil, nil, "")
	f1.Error = "dial tcp 10.0.0.9:443: connect: connection refused"
	f2 := &capture.Flow{ID: 2, Kind: capture.KindTLSFailure, Host: "idp.example.test", Port: 443, Scheme: "https",
		Start: epoch, End: epoch, Error: "remote error: tls: unknown certificate authority"}
	feed.AddAll([]*capture.Flow{f1, f2}, []analyze.Finding{{Kind: "tls-untrusted", Severity: analyze.Error, Flow: 2, Title: "the client does not trust provtap's CA"}})
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	m.Update(sizeMsg(100, 30))
	s := ansi.Strip(m.View())
	if !strings.Contains(lineWith(s, "  1 "), "ERR") || !strings.Contains(lineWith(s, "  2 "), "TLS") {
		t.Errorf("rows:\n%s", s)
	}
	m.Update(press("tab"))
	if s := ansi.Strip(m.View()); !strings.Contains(s, "no response: dial tcp 10.0.0.9:443: connect: connection refused") {
		t.Errorf("response of a failed flow:\n%s", s)
	}
	m.Update(press("j"))
	checkFrame(t, "tls", m.View(), 100, 30)
}
