package ui

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/atotto/clipboard"
	osc52 "github.com/aymanbagabas/go-osc52/v2"
)

// CopyFunc puts text (the curl command of flow id) on a clipboard and
// returns what happened, for the message line: "copied to the system
// clipboard", "copied by OSC 52 …", or where the text was written instead.
type CopyFunc func(text string, id int) (how string, err error)

// Clipboard is provtap's copy: the system clipboard where atotto/clipboard
// works (a desktop session); otherwise OSC 52, which the terminal turns into a
// clipboard write — over SSH and inside tmux (set -g set-clipboard on) too;
// and when there is no terminal to ask, a file under dir.
type Clipboard struct {
	// Out is the terminal. It must be the writer the TUI renders to (see
	// SyncWriter), so the escape sequence never lands inside a frame.
	Out io.Writer
	// Terminal says Out is a terminal.
	Terminal bool
	// Dir receives the file when no clipboard can be reached.
	Dir string
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
	// System writes the system clipboard (atotto's WriteAll when nil);
	// SystemUnsupported skips it (atotto found no clipboard tool).
	System            func(string) error
	SystemUnsupported bool
}

// NewClipboard is the clipboard of a TUI rendering to out.
func NewClipboard(out io.Writer, terminal bool, dir string) *Clipboard {
	return &Clipboard{Out: out, Terminal: terminal, Dir: dir, SystemUnsupported: clipboard.Unsupported}
}

// Copy implements CopyFunc.
func (c *Clipboard) Copy(text string, id int) (string, error) {
	getenv := c.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	system := c.System
	if system == nil {
		system = clipboard.WriteAll
	}
	var sysErr error
	if !c.SystemUnsupported {
		if sysErr = system(text); sysErr == nil {
			return "copied to the system clipboard", nil
		}
	}
	inTmux := getenv("TMUX") != ""
	overSSH := getenv("SSH_TTY") != "" || getenv("SSH_CONNECTION") != ""
	if c.Out != nil && (c.Terminal || inTmux || overSSH) {
		seq := osc52.New(text)
		where := "the terminal's clipboard"
		switch {
		case inTmux:
			// Plain OSC 52: tmux with set-clipboard on stores it as a
			// buffer and passes it on to the outer terminal.
			where = "tmux's buffer and clipboard (needs set -g set-clipboard on)"
		case strings.HasPrefix(getenv("TERM"), "screen"):
			seq = seq.Screen()
		case overSSH:
			where = "your local terminal's clipboard, over SSH"
		}
		if _, err := seq.WriteTo(c.Out); err == nil {
			return "copied by OSC 52 to " + where, nil
		}
	}
	dir := c.Dir
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("provtap-flow-%d.curl.sh", id))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("no clipboard reachable, and writing the file failed: %w", err)
	}
	if err := os.WriteFile(path, []byte(text+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("no clipboard reachable, and writing the file failed: %w", err)
	}
	why := "no clipboard reachable"
	if sysErr != nil {
		why = "no clipboard reachable (" + firstLine(sysErr.Error()) + ")"
	}
	return why + ": written to " + path, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// SyncWriter is the terminal shared by the TUI's renderer and the OSC 52
// clipboard: each Write is whole, so a clipboard sequence never lands in the
// middle of a frame. It keeps *os.File's Fd, so bubbletea still sees a
// terminal (raw mode, window size).
type SyncWriter struct {
	*os.File
	mu sync.Mutex
}

// NewSyncWriter wraps f.
func NewSyncWriter(f *os.File) *SyncWriter { return &SyncWriter{File: f} }

func (w *SyncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.File.Write(p)
}
