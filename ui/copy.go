package ui

import (
	"fmt"
	"os"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/export"
)

// Copy: c copies the target flow's request as bash curl; C opens a small
// menu to choose bash curl, a curl config file (curl -K, for cmd.exe and
// PowerShell: written to a new 0600 file whose path is shown) or raw HTTP.
// A flow with no request to send says so instead of copying.

type copyFormat int

const (
	copyCurl copyFormat = iota
	copyCurlConfig
	copyRaw
	copyFormats
)

var copyChoices = [copyFormats]struct{ name, about string }{
	{"bash curl", "for bash, zsh, Git Bash (c copies it at once)"},
	{"curl config file", "curl -K FILE: no shell quoting, for cmd.exe, PowerShell, any OS; written to a new 0600 file"},
	{"raw HTTP", "the request's bytes as they went to the server"},
}

// noRequest is why f has no request to copy ("" when it has one).
func noRequest(f *capture.Flow) string {
	switch {
	case f.Kind == capture.KindTLSFailure:
		return "the client gave up during the TLS handshake, before sending one"
	case f.Kind == capture.KindOutOfScope:
		return "a tunnel to a host outside the CA's scope: provtap passed it through unread"
	case f.Method == "CONNECT":
		return "a CONNECT tunnel; the requests inside it, if any, are flows of their own"
	case f.Method == "":
		return "none was recorded"
	}
	return ""
}

// copyAs copies the target flow's request in a format, off the UI goroutine.
func (m *Model) copyAs(format copyFormat) tea.Cmd {
	f := m.targetFlow()
	if f == nil {
		return m.flash(true, "no flow to copy yet")
	}
	if why := noRequest(f); why != "" {
		return m.flash(true, "#%d has no request to copy: %s", f.ID, why)
	}
	full, err := m.full(f)
	if err != nil {
		return m.flash(true, "#%d not copied: %v", f.ID, err)
	}
	id, dir := f.ID, m.copyDir()
	switch format {
	case copyCurlConfig:
		return func() tea.Msg {
			path, err := writeCurlConfig(dir, id, full)
			if err != nil {
				return copiedMsg{id: id, what: "as a curl config file", err: err}
			}
			return copiedMsg{id: id, what: "as a curl config file", how: "written to " + path +
				" (0600) · curl -K " + path + " sends it (curl.exe on Windows)"}
		}
	}
	text, file, what := m.opts.Curl(full), fmt.Sprintf("provtap-flow-%d.curl.sh", id), "as curl"
	if format == copyRaw {
		text, file, what = string(export.RawRequest(full)), fmt.Sprintf("provtap-flow-%d.http", id), "as raw HTTP"
	}
	copyFn := m.opts.Copy
	if copyFn == nil {
		copyFn = NewClipboard(nil, false, dir).Copy
	}
	return func() tea.Msg {
		how, err := copyFn(text, file)
		return copiedMsg{id: id, what: what, how: how, err: err}
	}
}

// copyDir is where files copy writes go: beside the capture, else the
// temporary directory.
func (m *Model) copyDir() string {
	if d := m.captureDir(); d != "" {
		return d
	}
	return os.TempDir()
}

// openCopyMenu opens the menu of formats for the target flow.
func (m *Model) openCopyMenu() tea.Cmd {
	f := m.targetFlow()
	if f == nil {
		return m.flash(true, "no flow to copy yet")
	}
	if why := noRequest(f); why != "" {
		return m.flash(true, "#%d has no request to copy: %s", f.ID, why)
	}
	m.copyMenu.id, m.copyMenu.cursor = f.ID, 0
	m.copyMenu.below = func(w, h int) string { return m.bodyBelow(&m.copyMenu, w, h) }
	m.push(&m.copyMenu)
	return nil
}

// copyMenu is the menu C opens, drawn over the bottom of the panes.
type copyMenu struct {
	id     int
	cursor int
	below  func(w, h int) string // what the modes below draw
	keys   *keyMap
	st     *styles
}

type copyChosenMsg struct {
	m      *copyMenu
	format copyFormat
}

func (c *copyMenu) handle(msg tea.Msg) out {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return taken
	}
	switch {
	case key.Matches(k, c.keys.Back), key.Matches(k, c.keys.CopyAs), key.Matches(k, c.keys.Quit):
		return tell(closeMsg{c})
	case key.Matches(k, c.keys.Up):
		c.cursor = (c.cursor + int(copyFormats) - 1) % int(copyFormats)
	case key.Matches(k, c.keys.Down), k.Type == tea.KeyTab:
		c.cursor = (c.cursor + 1) % int(copyFormats)
	case key.Matches(k, c.keys.Enter):
		return tell(copyChosenMsg{c, copyFormat(c.cursor)})
	case k.String() >= "1" && k.String() <= "3":
		return tell(copyChosenMsg{c, copyFormat(k.String()[0] - '1')})
	}
	return taken
}

func (c *copyMenu) body(w, h int) (string, bool) {
	lines := []string{c.st.header.Render(fit(fmt.Sprintf(" Copy #%d's request as:", c.id), w))}
	for i, ch := range copyChoices {
		cur := "  "
		if i == c.cursor {
			cur = "▶ "
		}
		line := fit(fmt.Sprintf("%s%d  %-16s %s", cur, i+1, ch.name, ch.about), w)
		if i == c.cursor {
			line = c.st.selected.Render(line)
		}
		lines = append(lines, line)
	}
	base := strings.Split(block(c.below(w, h), w, h), "\n")
	if n := len(lines); len(base) >= n {
		copy(base[len(base)-n:], lines)
	}
	return strings.Join(base, "\n"), true
}

func (c *copyMenu) bottom(w int) (string, bool) {
	return c.st.dim.Render(ansi.Truncate(" ↑↓ choose · enter or 1-3: copy · esc: cancel", w, "…")), true
}

// writeCurlConfig writes f's request as a curl config file in dir, under a
// name no earlier copy holds, and a body too large or binary for the
// config beside it (the config names it); it returns the config's path.
func writeCurlConfig(dir string, id int, f *capture.Flow) (string, error) {
	path, err := writeNew(dir, fmt.Sprintf("provtap-flow-%d.curl.conf", id), nil)
	if err != nil {
		return "", err
	}
	bodyPath := strings.TrimSuffix(path, ".curl.conf") + ".body"
	config, body := export.CurlConfig(f, bodyPath)
	if body != nil {
		if err := writeExclusive(bodyPath, body); err != nil {
			os.Remove(path)
			return "", err
		}
	}
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		os.Remove(path)
		return "", err
	}
	return path, nil
}
