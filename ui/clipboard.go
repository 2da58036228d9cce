package ui

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/atotto/clipboard"
	osc52 "github.com/aymanbagabas/go-osc52/v2"
)

// CopyFunc puts text (a request, for the file name file) on a clipboard
// and returns what happened, for the message line: what was confirmed, what
// was only sent, and where the text was written when nothing confirmed it.
type CopyFunc func(text, file string) (how string, err error)

// Clipboard is provtap's copy, and says exactly what it did:
//
//   - a clipboard program (wl-copy, xclip, xsel, pbcopy, clip.exe; the
//     Windows clipboard): confirmed when the program accepts the text;
//   - inside tmux, tmux's paste buffer (tmux load-buffer -w): confirmed by
//     tmux, which also passes it on to the terminal's clipboard by OSC 52
//     unless its set-clipboard option is off — that part only sent;
//   - else OSC 52 to the terminal (over SSH too): only sent, since a
//     terminal without OSC 52 ignores it, so the text is also written to a
//     0600 file whose path the message shows;
//   - with no terminal at all, the file alone.
type Clipboard struct {
	// Out is the terminal. It must be the writer the TUI renders to (see
	// SyncWriter), so the escape sequence never lands inside a frame.
	Out io.Writer
	// Terminal says Out is a terminal.
	Terminal bool
	// Dir receives the file when no clipboard confirmed the copy.
	Dir string
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
	// LookPath finds a program (exec.LookPath when nil).
	LookPath func(string) (string, error)
	// Run runs a program with text on its stdin and env added to the
	// environment, and returns its output (os/exec when nil).
	Run func(env []string, stdin, name string, args ...string) ([]byte, error)
	// Windows writes the Windows clipboard (atotto's WriteAll when nil);
	// it is used on Windows only.
	Windows func(string) error
	// GOOS is the operating system (runtime.GOOS when empty).
	GOOS string
}

// NewClipboard is the clipboard of a TUI rendering to out.
func NewClipboard(out io.Writer, terminal bool, dir string) *Clipboard {
	return &Clipboard{Out: out, Terminal: terminal, Dir: dir}
}

func (c *Clipboard) getenv(k string) string {
	if c.Getenv != nil {
		return c.Getenv(k)
	}
	return os.Getenv(k)
}

func (c *Clipboard) lookPath(name string) bool {
	look := c.LookPath
	if look == nil {
		look = exec.LookPath
	}
	_, err := look(name)
	return err == nil
}

func (c *Clipboard) run(env []string, stdin, name string, args ...string) ([]byte, error) {
	if c.Run != nil {
		return c.Run(env, stdin, name, args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		err = fmt.Errorf("%s: %s", name, firstLine(string(ee.Stderr)))
	}
	return out, err
}

// program is a clipboard program and its arguments.
type program struct {
	name string
	args []string
}

// programs is the clipboard programs that can reach this session's
// clipboard, in the order they are tried.
func (c *Clipboard) programs() []program {
	var ps []program
	switch goos := c.GOOS; {
	case goos == "darwin" || goos == "" && runtime.GOOS == "darwin":
		ps = append(ps, program{"pbcopy", nil})
	default:
		if c.getenv("WAYLAND_DISPLAY") != "" {
			ps = append(ps, program{"wl-copy", nil})
		}
		if c.getenv("DISPLAY") != "" {
			ps = append(ps, program{"xclip", []string{"-selection", "clipboard", "-in"}},
				program{"xsel", []string{"--clipboard", "--input"}})
		}
		if c.getenv("WSL_DISTRO_NAME") != "" {
			ps = append(ps, program{"clip.exe", nil})
		}
		ps = append(ps, program{"termux-clipboard-set", nil})
	}
	var found []program
	for _, p := range ps {
		if c.lookPath(p.name) {
			found = append(found, p)
		}
	}
	return found
}

// Copy implements CopyFunc.
func (c *Clipboard) Copy(text, file string) (string, error) {
	var why []string // what did not work, for the message when nothing confirmed
	if c.GOOS == "windows" || c.GOOS == "" && runtime.GOOS == "windows" {
		write := c.Windows
		if write == nil {
			write = clipboard.WriteAll
		}
		if err := write(text); err == nil {
			return "copied to the Windows clipboard", nil
		} else {
			why = append(why, "the Windows clipboard: "+firstLine(err.Error()))
		}
	}
	for _, p := range c.programs() {
		if _, err := c.run(nil, text, p.name, p.args...); err == nil {
			return "copied to the system clipboard (" + p.name + " accepted it)", nil
		} else {
			why = append(why, firstLine(err.Error()))
		}
	}
	if c.getenv("TMUX") != "" {
		if how, ok := c.tmux(text); ok {
			return how, nil
		}
	}
	if c.Out != nil && (c.Terminal || c.getenv("SSH_TTY") != "" || c.getenv("SSH_CONNECTION") != "") {
		if sent, ok := c.osc52(text); ok {
			path, err := c.writeFile(text, file)
			if err != nil {
				return sent + "; writing a copy to a file failed too: " + err.Error(), nil
			}
			return sent + "; also written to " + path, nil
		}
	}
	path, err := c.writeFile(text, file)
	if err != nil {
		return "", fmt.Errorf("no clipboard reachable, and writing the file failed: %w", err)
	}
	reason := "no clipboard reachable"
	if len(why) > 0 {
		reason += " (" + strings.Join(why, "; ") + ")"
	}
	return reason + ": written to " + path, nil
}

// osc52 sends text to the terminal by OSC 52 and says to where; nothing
// comes back to confirm it.
func (c *Clipboard) osc52(text string) (string, bool) {
	seq := osc52.New(text)
	what := "sent by OSC 52 to the terminal's clipboard (not confirmed: a terminal without OSC 52 ignores it)"
	switch {
	case c.getenv("TMUX") != "":
		// tmux's own command could not be run: a plain OSC 52, which tmux
		// keeps and passes on only when its settings let it.
		// Sent twice: plain, for set-clipboard on, and wrapped for
		// passthrough, for allow-passthrough on.
		if _, err := seq.WriteTo(c.Out); err != nil {
			return "", false
		}
		seq = seq.Tmux()
		what = "sent by OSC 52 through tmux (not confirmed: tmux takes it only with set -g set-clipboard on, " +
			"or hands it to the terminal with set -g allow-passthrough on; a terminal without OSC 52 ignores it)"
	case strings.HasPrefix(c.getenv("TERM"), "screen"):
		seq = seq.Screen()
		what = "sent by OSC 52 through screen to the terminal's clipboard (not confirmed: a terminal without OSC 52 ignores it)"
	case c.getenv("SSH_TTY") != "" || c.getenv("SSH_CONNECTION") != "":
		what = "sent by OSC 52 over SSH to your local terminal's clipboard (not confirmed: a terminal without OSC 52 ignores it)"
	}
	if _, err := seq.WriteTo(c.Out); err != nil {
		return "", false
	}
	return what, true
}

// writeFile writes text to a new 0600 file named file (numbered when one
// exists: an existing file is never overwritten) in Dir, and returns its path.
func (c *Clipboard) writeFile(text, file string) (string, error) {
	dir := c.Dir
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return writeNew(dir, file, []byte(text))
}

// writeNew creates dir/name, or name-2, name-3 … before its extension when
// it exists, mode 0600, never replacing a file; it returns the path.
func writeNew(dir, name string, data []byte) (string, error) {
	stem, ext := name, ""
	if i := strings.Index(name, "."); i > 0 {
		stem, ext = name[:i], name[i:]
	}
	for i := 1; i < 1000; i++ {
		path := filepath.Join(dir, name)
		if i > 1 {
			path = filepath.Join(dir, fmt.Sprintf("%s-%d%s", stem, i, ext))
		}
		err := writeExclusive(path, data)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		return path, nil
	}
	return "", fmt.Errorf("%s and 998 numbered names beside it exist", filepath.Join(dir, name))
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

// writeExclusive writes data to a new 0600 file at path; it never replaces
// a file already there (the error is then os.ErrExist).
func writeExclusive(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
