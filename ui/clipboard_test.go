package ui

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

const curlText = "curl -sS -X PATCH 'http://127.0.0.1:9000/admin/usergroups/x' -H 'Authorization: Basic abc'"

// fakePrograms is the clipboard programs on PATH and what each does: an
// answer (its output) or an error.
type fakePrograms struct {
	installed map[string]bool
	answers   map[string]string // "tmux show-options" → its output
	fail      map[string]error  // "xclip", "tmux load-buffer -w" → its error
	ran       []string
	stdin     map[string]string
}

func (p *fakePrograms) clipboard(out *bytes.Buffer, tty bool, dir string, getenv func(string) string) *Clipboard {
	p.stdin = map[string]string{}
	return &Clipboard{Out: out, Terminal: tty, Dir: dir, Getenv: getenv, GOOS: "linux",
		LookPath: func(name string) (string, error) {
			if p.installed[name] {
				return "/usr/bin/" + name, nil
			}
			return "", exec.ErrNotFound
		},
		Run: func(env []string, stdin, name string, args ...string) ([]byte, error) {
			cmd := strings.Join(append([]string{name}, args...), " ")
			p.ran = append(p.ran, cmd)
			if stdin != "" {
				p.stdin[name] = stdin
			}
			for k, err := range p.fail {
				if strings.HasPrefix(cmd, k) {
					return nil, err
				}
			}
			for k, a := range p.answers {
				if strings.HasPrefix(cmd, k) {
					return []byte(a), nil
				}
			}
			return nil, nil
		}}
}

func programs(names ...string) *fakePrograms {
	p := &fakePrograms{installed: map[string]bool{}, answers: map[string]string{}, fail: map[string]error{}}
	for _, n := range names {
		p.installed[n] = true
	}
	return p
}

// A clipboard program that takes the text is a confirmed copy: the message
// names it, and nothing is sent to the terminal or written to a file.
func TestClipboardProgramConfirms(t *testing.T) {
	var out bytes.Buffer
	dir := t.TempDir()
	p := programs("xclip", "tmux")
	c := p.clipboard(&out, true, dir, env("DISPLAY", ":0", "TMUX", "/tmp/tmux-0/default,1,0"))
	how, err := c.Copy(curlText, "provtap-flow-6.curl.sh")
	if err != nil || how != "copied to the system clipboard (xclip accepted it)" || p.stdin["xclip"] != curlText || out.Len() != 0 {
		t.Errorf("how %q err %v, xclip got %q, terminal got %q", how, err, p.stdin["xclip"], out.String())
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("a confirmed copy writes no file: %v", files)
	}
}

// Inside tmux, tmux's own command puts the text in its paste buffer and
// says so; what it passes on to the terminal depends on set-clipboard, and
// the message says which.
func TestClipboardTmuxSettings(t *testing.T) {
	for _, c := range []struct {
		setting string
		oldTmux bool
		want    string
	}{
		{"external", false, "copied into tmux's paste buffer (tmux accepted it; prefix ] pastes it); passed on by OSC 52 to the terminal's clipboard (set-clipboard external; not confirmed)"},
		{"on", false, "set-clipboard on; not confirmed"},
		{"off", false, "copied into tmux's paste buffer (tmux accepted it; prefix ] pastes it); not on the terminal's clipboard: tmux's set-clipboard is off (set it to external)"},
		{"external", true, "not passed on to the terminal's clipboard: this tmux is older than 3.2"},
	} {
		var out bytes.Buffer
		p := programs("tmux", "xclip") // xclip without a DISPLAY is not tried
		p.answers["tmux show-options"] = c.setting + "\n"
		if c.oldTmux {
			p.fail["tmux load-buffer -w"] = errors.New("tmux: unknown flag -w")
		}
		cb := p.clipboard(&out, true, t.TempDir(), env("TMUX", "/tmp/tmux-0/default,1,0"))
		how, err := cb.Copy(curlText, "provtap-flow-6.curl.sh")
		if err != nil || !strings.Contains(how, c.want) || p.stdin["tmux"] != curlText || out.Len() != 0 {
			t.Errorf("set-clipboard %s (old %v): %q, %v, ran %v", c.setting, c.oldTmux, how, err, p.ran)
		}
	}
}

// Where only OSC 52 can be sent, the message says it is not confirmed,
// and the text is also written to a 0600 file whose path it shows.
func TestClipboardOSC52OnlySent(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte(curlText))
	for _, c := range []struct {
		name string
		env  func(string) string
		tty  bool
		seq  string
		want string
	}{
		{"tmux without its command", env("TMUX", "/tmp/tmux-0/default,1,0", "TERM", "screen-256color"), true, "\x1b]52;c;" + b64 + "\x07",
			"sent by OSC 52 through tmux (not confirmed: tmux takes it only with set -g set-clipboard on, or hands it to the terminal with set -g allow-passthrough on; a terminal without OSC 52 ignores it)"},
		{"ssh", env("SSH_TTY", "/dev/pts/3", "TERM", "xterm-256color"), false, "\x1b]52;c;" + b64 + "\x07",
			"sent by OSC 52 over SSH to your local terminal's clipboard (not confirmed: a terminal without OSC 52 ignores it)"},
		{"terminal", env("TERM", "xterm-256color"), true, "\x1b]52;c;" + b64 + "\x07",
			"sent by OSC 52 to the terminal's clipboard (not confirmed: a terminal without OSC 52 ignores it)"},
		{"screen", env("TERM", "screen"), true, "\x1bP\x1b]52;c;", "sent by OSC 52 through screen"},
		{"xclip refused", env("DISPLAY", ":0", "TERM", "xterm"), true, "\x1b]52;c;" + b64 + "\x07", "sent by OSC 52 to the terminal's clipboard"},
	} {
		var out bytes.Buffer
		dir := t.TempDir()
		p := programs("xclip")
		p.fail["xclip"] = errors.New("xclip: Error: Can't open display: :0")
		cb := p.clipboard(&out, c.tty, dir, c.env)
		how, err := cb.Copy(curlText, "provtap-flow-6.curl.sh")
		path := filepath.Join(dir, "provtap-flow-6.curl.sh")
		if err != nil || !strings.HasPrefix(how, c.want) || !strings.HasSuffix(how, "; also written to "+path) {
			t.Errorf("%s: how %q err %v", c.name, how, err)
		}
		if !strings.HasPrefix(out.String(), c.seq) {
			t.Errorf("%s: wrote %q, want prefix %q", c.name, out.String(), c.seq)
		}
		if wrapped := strings.Contains(out.String(), "\x1bPtmux;"); wrapped != strings.HasPrefix(c.name, "tmux") {
			t.Errorf("%s: tmux passthrough sent %v: %q", c.name, wrapped, out.String())
		}
		b, err := os.ReadFile(path)
		if st, _ := os.Stat(path); err != nil || string(b) != curlText+"\n" || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: file %q %v", c.name, b, err)
		}
	}
}

// With no clipboard and no terminal, the command goes to a file, the
// message says why and where; an existing file is never overwritten.
func TestClipboardFileFallback(t *testing.T) {
	dir := t.TempDir()
	p := programs("xclip")
	p.fail["xclip"] = errors.New("xclip: Error: Can't open display: :0")
	cb := p.clipboard(nil, false, dir, env("DISPLAY", ":0"))
	old := filepath.Join(dir, "provtap-flow-6.curl.sh")
	os.WriteFile(old, []byte("keep me"), 0o600)
	how, err := cb.Copy(curlText, "provtap-flow-6.curl.sh")
	path := filepath.Join(dir, "provtap-flow-6-2.curl.sh")
	if err != nil || how != "no clipboard reachable (xclip: Error: Can't open display: :0): written to "+path {
		t.Fatalf("how %q err %v", how, err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != curlText+"\n" {
		t.Errorf("file: %q %v", b, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 (a curl command carries credentials)", st.Mode().Perm())
	}
	if b, _ := os.ReadFile(old); string(b) != "keep me" {
		t.Errorf("the existing file was overwritten: %q", b)
	}
}

// Through a real tmux server: when the message says tmux has the text,
// tmux show-buffer holds it; with set-clipboard off it still does, and the
// message says the terminal's clipboard did not get it.
func TestClipboardRealTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	sock := filepath.Join(t.TempDir(), "tmux.sock")
	tmux := func(args ...string) string {
		out, err := exec.Command("tmux", append([]string{"-S", sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v %s", args, err, out)
		}
		return string(out)
	}
	tmux("new-session", "-d", "-s", "clip", "-x", "80", "-y", "24")
	defer exec.Command("tmux", "-S", sock, "kill-server").Run()
	for _, setting := range []string{"external", "off"} {
		tmux("set-option", "-g", "set-clipboard", setting)
		text := curlText + " # " + setting
		cb := &Clipboard{Out: &bytes.Buffer{}, Terminal: true, Dir: t.TempDir(), GOOS: "linux", Getenv: env("TMUX", sock+",1,0")}
		how, err := cb.Copy(text, "provtap-flow-6.curl.sh")
		if err != nil || !strings.HasPrefix(how, "copied into tmux's paste buffer (tmux accepted it") {
			t.Fatalf("set-clipboard %s: %q, %v", setting, how, err)
		}
		if got := tmux("show-buffer"); got != text {
			t.Errorf("set-clipboard %s: the message says tmux has it, show-buffer has %q", setting, got)
		}
		if off := strings.Contains(how, "set-clipboard is off"); off != (setting == "off") {
			t.Errorf("set-clipboard %s: %q", setting, how)
		}
	}
}
