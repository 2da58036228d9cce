package ui

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
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

func TestClipboardSystemFirst(t *testing.T) {
	var got string
	var out bytes.Buffer
	c := &Clipboard{Out: &out, Terminal: true, Getenv: env("TMUX", "/tmp/tmux"), System: func(s string) error { got = s; return nil }}
	how, err := c.Copy(curlText, 6)
	if err != nil || got != curlText || !strings.Contains(how, "system clipboard") || out.Len() != 0 {
		t.Errorf("how %q err %v got %q osc %q", how, err, got, out.String())
	}
}

func TestClipboardOSC52(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte(curlText))
	for _, c := range []struct {
		name   string
		env    func(string) string
		tty    bool
		seq    string
		phrase string
	}{
		// Inside tmux: a plain OSC 52, which tmux (set-clipboard on) keeps as a buffer.
		{"tmux", env("TMUX", "/tmp/tmux-0/default,1,0", "TERM", "screen-256color"), true, "\x1b]52;c;" + b64 + "\x07", "tmux's buffer"},
		{"ssh", env("SSH_TTY", "/dev/pts/3", "TERM", "xterm-256color"), false, "\x1b]52;c;" + b64 + "\x07", "over SSH"},
		{"terminal", env("TERM", "xterm-256color"), true, "\x1b]52;c;" + b64 + "\x07", "terminal's clipboard"},
		{"screen", env("TERM", "screen"), true, "\x1bP\x1b]52;c;", "terminal's clipboard"},
	} {
		var out bytes.Buffer
		cb := &Clipboard{Out: &out, Terminal: c.tty, Getenv: c.env, Dir: t.TempDir(),
			System: func(string) error { return errors.New("exec: \"xclip\": executable file not found") }}
		how, err := cb.Copy(curlText, 6)
		if err != nil || !strings.HasPrefix(how, "copied by OSC 52") || !strings.Contains(how, c.phrase) {
			t.Errorf("%s: how %q err %v", c.name, how, err)
		}
		if !strings.HasPrefix(out.String(), c.seq) {
			t.Errorf("%s: wrote %q, want prefix %q", c.name, out.String(), c.seq)
		}
	}
}

// With no clipboard tool and no terminal, the command goes to a file and
// the message says where.
func TestClipboardFileFallback(t *testing.T) {
	dir := t.TempDir()
	cb := &Clipboard{Terminal: false, Getenv: env(), Dir: dir, SystemUnsupported: true}
	how, err := cb.Copy(curlText, 6)
	path := filepath.Join(dir, "provtap-flow-6.curl.sh")
	if err != nil || !strings.Contains(how, "written to "+path) {
		t.Fatalf("how %q err %v", how, err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != curlText+"\n" {
		t.Errorf("file: %q %v", b, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 (a curl command carries credentials)", st.Mode().Perm())
	}
}
