//go:build !windows

package export

// The round trips of the bash/zsh command through real shells and curl:
// Unix only (a bash on Windows is another curl's, with other rules).

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
)

// shells are the shells the command must work in: bash always, zsh when
// installed.
func shells(t testing.TB) []string {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is required for the round-trip tests: ", err)
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("bash is required for the round-trip tests: ", err)
	}
	out := []string{"bash"}
	if _, err := exec.LookPath("zsh"); err == nil {
		out = append(out, "zsh")
	}
	return out
}

// runShell runs cmd in shell with a clean environment (no proxy variables,
// no ~/.curlrc) in dir.
func runShell(t testing.TB, shell, cmd, dir string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// -c passes the command as one argument; one too long for that (a big
	// body) goes in a script file, as a user would save it.
	c := exec.CommandContext(ctx, shell, "-c", cmd)
	if len(cmd) > 100<<10 {
		script := filepath.Join(dir, "replay.sh")
		if err := os.WriteFile(script, []byte(cmd+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		c = exec.CommandContext(ctx, shell, script)
	}
	c.Dir = dir
	c.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LC_ALL=C.UTF-8"}, env...)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	c.Stdout = io.Discard
	if err := c.Run(); err != nil {
		t.Fatalf("%s -c failed: %v\n%s\ncommand:\n%s", shell, err, stderr.Bytes(), clip(cmd))
	}
}

func TestCurlRoundTrip(t *testing.T) {
	sh := shells(t)
	s := newEchoServer(t)
	dir := t.TempDir()
	for _, tc := range curlCases(s) {
		t.Run(tc.name, func(t *testing.T) {
			want := replayExpected(tc.flow)
			if tc.want != "" && string(want) != tc.want {
				t.Fatalf("replay of the flow:\n got %q\nwant %q", clip(string(want)), tc.want)
			}
			if tc.clean {
				orig := s.sendRaw(t, RawRequest(tc.flow))
				if !bytes.Equal(orig, want) {
					t.Fatalf("the original request:\n got %q\nwant %q", clip(string(orig)), clip(string(want)))
				}
			}
			cmd := Curl(tc.flow)
			for _, shell := range sh {
				runShell(t, shell, cmd, dir)
				if got := s.next(t); !bytes.Equal(got, want) {
					t.Errorf("%s: the server received\n%q\nwant\n%q\ncommand:\n%s", shell, clip(string(got)), clip(string(want)), clip(cmd))
				}
			}
		})
	}
}

// TestCurlHTTPS: over TLS, to a server that offers HTTP/2, the command
// still sends the HTTP/1.1 bytes.
func TestCurlHTTPS(t *testing.T) {
	sh := shells(t)
	s, ca := newTLSEchoServer(t)
	f := s.flow("POST", "/admin/users", []capture.Header{hostH(s), {Name: "Authorization", Value: "Basic cHJvdjpzM2NyZXQ="},
		{Name: "Content-Type", Value: "application/json"}, {Name: "Content-Length", Value: "7"}}, `{"a":1}`)
	f.Scheme = "https"
	want := RawRequest(f)
	for _, shell := range sh {
		runShell(t, shell, Curl(f), t.TempDir(), "CURL_CA_BUNDLE="+ca)
		if got := s.next(t); !bytes.Equal(got, want) {
			t.Errorf("%s: got %q\nwant %q", shell, got, want)
		}
	}
}

// TestCurlCanary: nothing from a header, the target, the method or the body
// runs as shell syntax.
func TestCurlCanary(t *testing.T) {
	sh := shells(t)
	s := newEchoServer(t)
	dir := t.TempDir()
	evil := []string{
		"$(touch CANARY)", "`touch CANARY`", "'; touch CANARY; '", "\"; touch CANARY; \"", "'$(touch CANARY)'",
		"\\'; touch CANARY; #", "\n touch CANARY\n", "$'\\x27; touch CANARY'", "!! touch CANARY", "${IFS}touch${IFS}CANARY",
		"'\"$(touch CANARY)\"'", "PROVTAP_EOF\ntouch CANARY\nPROVTAP_EOF", "EOF\ntouch CANARY\nEOF", "%s%n\\x00 touch CANARY",
	}
	for i, e := range evil {
		hs := []capture.Header{hostH(s), {Name: "X-Evil", Value: e}, {Name: "X-" + strconv.Itoa(i), Value: e}, {Name: "Cookie", Value: "a=" + e}}
		// One run with everything as arguments, one through printf on stdin.
		variants := []struct{ method, target, body string }{
			{"X" + strings.ReplaceAll(e, " ", ""), "/?q=" + e, e},
			{"POST", "/" + strings.ReplaceAll(e, " ", ""), strings.Repeat(e+"\x00", 70<<10/len(e)+1)},
		}
		for _, v := range variants {
			f := s.flow(v.method, v.target, hs, v.body)
			want := replayExpected(f)
			cmd := Curl(f)
			for _, shell := range sh {
				runShell(t, shell, cmd, dir)
				if got := s.next(t); !bytes.Equal(got, want) {
					t.Errorf("%s: %q: got %q want %q", shell, e, clip(string(got)), clip(string(want)))
				}
				if _, err := os.Stat(filepath.Join(dir, "CANARY")); err == nil {
					t.Fatalf("%s ran shell syntax from %q:\n%s", shell, e, clip(cmd))
				}
			}
		}
	}
}
