package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
)

// badInputs are the files a user can get wrong, made once for the table.
type badInputs struct {
	dir, good, cut, empty, notHAR, noEntries, missing, home string
	// special holds a request with a binary body (flow 1) and a tunnel to a
	// host outside a scoped CA (flow 2).
	special string
}

func makeBadInputs(t *testing.T) badInputs {
	t.Helper()
	dir := t.TempDir()
	in := badInputs{dir: dir, good: seed1HAR(t, false), cut: filepath.Join(dir, "cut.har"), empty: filepath.Join(dir, "empty.har"),
		notHAR: filepath.Join(dir, "notes.txt"), missing: filepath.Join(dir, "missing.har"), home: filepath.Join(dir, "home")}
	data, err := os.ReadFile(in.good)
	if err != nil {
		t.Fatal(err)
	}
	// A recorder killed after its last entry: every flow there, the JSON not closed.
	os.WriteFile(in.cut, data[:strings.LastIndex(string(data), "]")], 0o600)
	os.WriteFile(in.empty, nil, 0o600)
	os.WriteFile(in.notHAR, []byte("hello"), 0o600)
	in.noEntries = filepath.Join(dir, "settings.json")
	os.WriteFile(in.noEntries, []byte(`{"theme":"dark"}`), 0o600)
	bin := exportFlow(1, "PUT", "https://idm.example.com/blob", 200, []capture.Header{{Name: "Host", Value: "idm.example.com"}}, nil, "\x00\x01\xff", "")
	tunnel := exportFlow(2, "CONNECT", "https://login.other.example:443/", 200, nil, nil, "", "")
	tunnel.Kind, tunnel.Host, tunnel.Port, tunnel.Target = capture.KindOutOfScope, "login.other.example", 443, "login.other.example:443"
	in.special = writeCapture(t, bin, tunnel)
	os.WriteFile(filepath.Join(dir, "taken.curl.body"), nil, 0o600)
	return in
}

// TestBadInput: every command × every mistake prints one line on stderr,
// prefixed with the command the user typed, the same words for the same
// mistake in every command, nothing on stdout, and the documented exit
// status.
func TestBadInput(t *testing.T) {
	t.Parallel()
	in := makeBadInputs(t)
	newOut := func() string { return filepath.Join(t.TempDir(), "out.har") }
	commandsList := "open, analyze, export, redact, diff, ca, demo, version, help"
	// The file commands, each with FILE where the capture goes.
	fileCmds := map[string]func(file string) []string{
		"open":    func(f string) []string { return []string{"open", f} },
		"analyze": func(f string) []string { return []string{"analyze", f} },
		"export":  func(f string) []string { return []string{"export", f, "--flow", "1"} },
		"redact":  func(f string) []string { return []string{"redact", f, newOut()} },
		"diff":    func(f string) []string { return []string{"diff", f, "1", "2"} },
		// The default command reads the file --append continues.
		"": func(f string) []string {
			return []string{"--no-tui", "--append", "--record", f, "--home", in.home, "--listen", "127.0.0.1:0"}
		},
	}
	type tc struct {
		name   string
		args   []string
		stderr string
		code   int
		stdout bool // the command also printed its result
	}
	var cases []tc
	prefix := func(cmd string) string {
		if cmd == "" {
			return "provtap: "
		}
		return "provtap " + cmd + ": "
	}
	for cmd, args := range fileCmds {
		p := prefix(cmd)
		if cmd == "" {
			p += "--append: "
		} else {
			cases = append(cases, tc{cmd + "/missing file", args(in.missing), p + in.missing + ": no such file", 2, false})
		}
		cases = append(cases,
			tc{cmd + "/directory", args(in.dir), p + in.dir + " is a directory, not a capture file", 2, false},
			tc{cmd + "/empty", args(in.empty), p + in.empty + " is empty, not a capture file", 2, false},
			tc{cmd + "/device", args(os.DevNull), p + os.DevNull + " is not a regular file (a pipe or a device); save the capture to a file and give its path", 2, false},
			tc{cmd + "/not HAR", args(in.notHAR), p + in.notHAR + " is not a HAR capture (it does not start with a JSON object)", 2, false},
		)
		if cmd != "" { // --append's own words: not a provtap capture
			// JSON, but no HAR: the TUI too refuses it before it starts.
			cases = append(cases, tc{cmd + "/JSON not HAR", args(in.noEntries), p + in.noEntries + " is not a HAR capture (no log.entries array)", 2, false})
		}
	}
	// A capture cut off: each command goes on with the whole flows and says so
	// in one line; the TUI says it on its status line, and here, without a
	// terminal, says what to run instead.
	cutLine := in.cut + " was cut off (its recorder was killed, or the disk filled); reading the 2 flows before the cut"
	cases = append(cases,
		tc{"analyze/truncated", []string{"analyze", in.cut}, "provtap analyze: " + cutLine, 1, true},
		tc{"export/truncated", []string{"export", in.cut, "--flow", "2"}, "provtap export: " + cutLine, 0, true},
		tc{"redact/truncated", []string{"redact", in.cut, newOut()}, "provtap redact: " + cutLine, 0, true},
		tc{"diff/truncated", []string{"diff", in.cut, "1", "2"}, "provtap diff: " + cutLine, 0, true},
		tc{"open/truncated", []string{"open", in.cut}, "provtap open: the TUI needs a terminal (stdin and stdout); without one: provtap analyze " +
			in.cut + " for the findings, provtap export " + in.cut + " --flow N for a request", 2, false},
	)
	// Flow numbers.
	notNumber := "not a flow number (flows are numbered 1, 2, 3, … as provtap open and provtap analyze show them)"
	cases = append(cases,
		tc{"export/--flow 0", []string{"export", in.good, "--flow", "0"}, "provtap export: no flow 0: " + in.good + " has 2 flows (1-2)", 2, false},
		tc{"export/--flow 9", []string{"export", in.good, "--flow", "9"}, "provtap export: no flow 9: " + in.good + " has 2 flows (1-2)", 2, false},
		tc{"export/--flow x", []string{"export", in.good, "--flow", "x"}, "provtap export: --flow x: " + notNumber, 2, false},
		tc{"export/no --flow", []string{"export", in.good}, "provtap export: which flow? add --flow N: " + in.good + " has 2 flows (1-2)", 2, false},
		tc{"export/--flow", []string{"export", in.good, "--flow"}, "provtap export: --flow needs a value", 2, false},
		tc{"diff/flow 0", []string{"diff", in.good, "0", "2"}, "provtap diff: no flow 0: " + in.good + " has 2 flows (1-2)", 2, false},
		tc{"diff/flow 9", []string{"diff", in.good, "1", "9"}, "provtap diff: no flow 9: " + in.good + " has 2 flows (1-2)", 2, false},
		tc{"diff/flow x", []string{"diff", in.good, "x", "2"}, "provtap diff: x: " + notNumber, 2, false},
	)
	// Unknown flags, in every command; the closest flag when one is close.
	for _, cmd := range []string{"", "open", "analyze", "export", "redact", "diff", "ca", "demo", "version", "help"} {
		name := strings.TrimSpace("provtap " + cmd)
		args := append(strings.Fields(cmd), "--nope")
		cases = append(cases, tc{cmd + "/unknown flag", args, prefix(cmd) + "unknown flag --nope (" + name + " --help lists the flags)", 2, false})
	}
	cases = append(cases,
		tc{"-v", []string{"-v"}, "provtap: unknown flag -v; did you mean --version?", 2, false},
		tc{"analyze --formt", []string{"analyze", in.good, "--formt", "json"}, "provtap analyze: unknown flag --formt; did you mean --format?", 2, false},
		tc{"--no-ui", []string{"--no-ui"}, "provtap: unknown flag --no-ui; did you mean --no-tui?", 2, false},
		tc{"export -frmat=raw", []string{"export", in.good, "-frmat=raw"}, "provtap export: unknown flag -frmat; did you mean --format?", 2, false},
		tc{"bogus", []string{"bogus"}, `provtap: unknown command "bogus"; the commands are ` + commandsList + " (provtap help explains them)", 2, false},
		tc{"a command after a flag", []string{"--no-tui", "analyze", in.good}, "provtap: analyze is a command: it comes first, before the flags (provtap analyze --help)", 2, false},
		tc{"analyse", []string{"analyse", in.good}, `provtap: unknown command "analyse"; did you mean provtap analyze?`, 2, false},
		tc{"a capture as the command", []string{in.good}, `provtap: unknown command "` + in.good + `"; to look at a capture: provtap open ` + in.good + " (or provtap analyze " + in.good + ")", 2, false},
		tc{"help bogus", []string{"help", "bogus"}, `provtap help: unknown command "bogus"; the commands are ` + commandsList + " (provtap help explains them)", 2, false},
		tc{"analyze --format xml", []string{"analyze", in.good, "--format", "xml"}, "provtap analyze: --format xml: want text, json or markdown", 2, false},
		tc{"analyze --fail-on fatal", []string{"analyze", in.good, "--fail-on", "fatal"}, "provtap analyze: --fail-on fatal: want none, info, warning or error", 2, false},
		tc{"analyze two files", []string{"analyze", in.good, in.good}, "provtap analyze: want exactly one capture file, got 2 arguments (usage: provtap analyze FILE [--format text|json|markdown] [--fail-on none|info|warning|error] [--utc | --zone ZONE])", 2, false},
		tc{"export --format har", []string{"export", in.good, "--flow", "1", "--format", "har"}, "provtap export: --format har: want curl, curl-config or raw", 2, false},
		tc{"export curl-config of a binary body to stdout", []string{"export", in.special, "--flow", "1", "--format", "curl-config"},
			"provtap export: flow 1's body (3 bytes, not text a config line can hold) goes in a file beside the config: add --out FILE, which writes FILE and FILE.body", 2, false},
		tc{"export curl-config onto an existing body file", []string{"export", in.special, "--flow", "1", "--format", "curl-config", "--out", filepath.Join(in.dir, "taken.curl")},
			"provtap export: " + filepath.Join(in.dir, "taken.curl.body") + " exists; provtap never overwrites a file: choose another --out FILE (its body goes in FILE.body)", 2, false},
		tc{"export a tunnel outside the CA's scope", []string{"export", in.special, "--flow", "2"},
			"provtap export: flow 2 has no request to export (a tunnel to a host outside the CA's scope: provtap passed it through without decrypting it)", 2, false},
		tc{"ca --for without --hints", []string{"ca", "--for", "jvm", "--home", in.home}, "provtap ca: --for chooses what --hints prints; add --hints", 2, false},
		tc{"ca --listen without --hints", []string{"ca", "--listen", "10.0.0.1:3128", "--home", in.home}, "provtap ca: --listen chooses what --hints prints; add --hints", 2, false},
		tc{"ca --for bsd", []string{"ca", "--hints", "--for", "bsd", "--home", in.home}, "provtap ca: --for bsd: want jvm, windows, linux, macos or curl", 2, false},
		tc{"ca --hints --listen no port", []string{"ca", "--hints", "--listen", "10.0.0.1", "--home", in.home}, "provtap ca: --listen 10.0.0.1: want host:port, like 127.0.0.1:8877", 2, false},
		tc{"ca --limit-to without --regenerate", []string{"ca", "--limit-to", "example.com", "--home", in.home}, "provtap ca: --limit-to applies to a new CA: add --regenerate (clients must then trust the new CA)", 2, false},
		tc{"ca --limit-to empty", []string{"ca", "--regenerate", "--limit-to", "", "--home", in.home}, "provtap ca: --limit-to needs a value: domains like example.com,.corp.example", 2, false},
		tc{"ca --limit-to a wildcard", []string{"ca", "--regenerate", "--limit-to", "example.com,*.corp.example", "--home", in.home}, "provtap ca: --limit-to *.corp.example: no wildcards; example.com already covers every name below it (.example.com only those below)", 2, false},
		tc{"ca --limit-to an IP address", []string{"ca", "--regenerate", "--limit-to", "10.0.0.0", "--home", in.home}, "provtap ca: --limit-to 10.0.0.0 is an IP address: a name-constrained CA covers DNS names only, and hosts called by address are tunnelled", 2, false},
		tc{"ca --limit-to a URL", []string{"ca", "--regenerate", "--limit-to", "https://idm.example.com", "--home", in.home}, "provtap ca: --limit-to https://idm.example.com is not a domain: give the host name only, like example.com", 2, false},
		tc{"ca --limit-to", []string{"ca", "--regenerate", "--limit-to"}, "provtap ca: --limit-to needs a value", 2, false},
		tc{"diff --width x", []string{"diff", in.good, "1", "2", "--width", "x"}, "provtap diff: --width x: not a whole number", 2, false},
		tc{"--max-body x", []string{"--max-body", "x"}, "provtap: --max-body x: not a whole number", 2, false},
		tc{"--no-tui=maybe", []string{"--no-tui=maybe"}, "provtap: --no-tui=maybe: want true or false", 2, false},
		tc{"--zone Mars/Olympus", []string{"analyze", in.good, "--zone", "Mars/Olympus"}, "provtap analyze: --zone Mars/Olympus: want local, utc, capture or a time zone name such as Europe/Berlin", 2, false},
		tc{"--utc --zone capture", []string{"analyze", in.good, "--utc", "--zone", "capture"}, "provtap analyze: --utc and --zone capture disagree: give one of them", 2, false},
		tc{"--upstream-ca missing", []string{"--no-tui", "--upstream-ca", in.missing, "--home", in.home, "--listen", "127.0.0.1:0"}, "provtap: --upstream-ca " + in.missing + ": no such file", 2, false},
		tc{"--upstream-ca not PEM", []string{"--no-tui", "--upstream-ca", in.notHAR, "--home", in.home, "--listen", "127.0.0.1:0"}, "provtap: --upstream-ca " + in.notHAR + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)", 2, false},
		tc{"open --upstream-ca missing", []string{"open", in.good, "--upstream-ca", in.missing}, "provtap open: --upstream-ca " + in.missing + ": no such file", 2, false},
		tc{"--upstream-proxy not a URL", []string{"--no-tui", "--upstream-proxy", "proxy.corp"}, `provtap: --upstream-proxy must be a URL like http://proxy.corp:3128, got "proxy.corp"`, 2, false},
		tc{"--append without --record", []string{"--no-tui", "--append"}, "provtap: --append continues the capture --record FILE names; give --record FILE", 2, false},
		tc{"redact onto an existing file", []string{"redact", in.good, in.good}, "provtap redact: " + in.good + " exists; provtap never overwrites a file: give redact a new OUT file", 2, false},
		tc{"export --out existing", []string{"export", in.good, "--flow", "1", "--out", in.notHAR}, "provtap export: " + in.notHAR + " exists; provtap never overwrites a file: choose another --out FILE", 2, false},
		tc{"analyze no file", []string{"analyze"}, "provtap analyze: want exactly one capture file, got 0 arguments (usage: provtap analyze FILE [--format text|json|markdown] [--fail-on none|info|warning|error] [--utc | --zone ZONE])", 2, false},
		tc{"export no file", []string{"export", "--flow", "1"}, "provtap export: want exactly one capture file, got 0 arguments (usage: provtap export FILE --flow N [--format curl|curl-config|raw] [--redact] [--out FILE])", 2, false},
		tc{"open no file", []string{"open"}, "provtap open: want exactly one capture file, got 0 arguments (usage: provtap open FILE [--filter EXPR] [--upstream-proxy URL] [--upstream-ca FILE] [--insecure-upstream] [--utc | --zone ZONE])", 2, false},
		tc{"open good file", []string{"open", "--insecure-upstream", "--upstream-proxy", "http://proxy.corp:3128", in.good}, "provtap open: the TUI needs a terminal (stdin and stdout); without one: provtap analyze " +
			in.good + " for the findings, provtap export " + in.good + " --flow N for a request", 2, false},
		tc{"open --upstream-proxy not a URL", []string{"open", in.good, "--upstream-proxy", "not a url"}, `provtap open: --upstream-proxy must be a URL like http://proxy.corp:3128, got "not a url"`, 2, false},
		tc{"redact one file", []string{"redact", in.good}, "provtap redact: want a capture file and the file to write, got 1 arguments (usage: provtap redact IN OUT)", 2, false},
		tc{"redact under a file", []string{"redact", in.good, filepath.Join(in.notHAR, "o.har")}, "provtap redact: writing " + filepath.Join(in.notHAR, "o.har") + ": not a directory", 2, false},
		tc{"export --out under a file", []string{"export", in.good, "--flow", "1", "--out", filepath.Join(in.notHAR, "o.sh")}, "provtap export: writing " + filepath.Join(in.notHAR, "o.sh") + ": not a directory", 2, false},
		tc{"redact onto a directory", []string{"redact", in.good, in.dir}, "provtap redact: " + in.dir + " is a directory, not a file to write: name a file, in it or elsewhere", 2, false},
		tc{"export --out a directory", []string{"export", in.good, "--flow", "1", "--out", in.dir}, "provtap export: " + in.dir + " is a directory, not a file to write: name a file, in it or elsewhere", 2, false},
		tc{"--record a directory", []string{"--no-tui", "--record", in.dir, "--home", in.home, "--listen", "127.0.0.1:0"}, "provtap: " + in.dir + " is a directory, not a file to write: name a file, in it or elsewhere", 2, false},
		tc{"diff two arguments", []string{"diff", in.good, "1"}, "provtap diff: want a capture file and two flow numbers, got 2 arguments (usage: provtap diff FILE A B [--width N])", 2, false},
		tc{"diff --width", []string{"diff", in.good, "1", "2", "--width"}, "provtap diff: --width needs a value", 2, false},
		tc{"version with an argument", []string{"version", "x"}, `provtap version: takes no arguments, got "x" (usage: provtap version)`, 2, false},
	)
	t.Run("each", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				code, stdout, stderr := runProvtap(t, c.args...)
				if stderr != c.stderr+"\n" || code != c.code {
					t.Errorf("provtap %s:\nexit %d, stderr %q\nwant exit %d, stderr %q", strings.Join(c.args, " "), code, stderr, c.code, c.stderr+"\n")
				}
				if (stdout != "") != c.stdout {
					t.Errorf("stdout %q", stdout)
				}
			})
		}
	})
	// A mistake creates nothing: no home, no CA, no capture.
	if _, err := os.Stat(in.home); !os.IsNotExist(err) {
		t.Errorf("a refused command line created %s: %v", in.home, err)
	}
}

// Help is printed once, on stdout, lists every command (version too) and
// writes flags with two dashes.
func TestHelp(t *testing.T) {
	t.Parallel()
	code, out, errOut := runProvtap(t, "--help")
	if code != 0 || errOut != "" || strings.Count(out, "usage:") != 1 {
		t.Fatalf("exit %d, stderr %q, %d usage blocks:\n%s", code, errOut, strings.Count(out, "usage:"), out)
	}
	for _, c := range commands() {
		if !strings.Contains(out, "\n  "+c.name+" ") {
			t.Errorf("--help does not list %s", c.name)
		}
	}
	for _, want := range []string{"\n  --listen ADDR\n", "\n  --record FILE\n", "\n  --append\n", "\n  --upstream-ca FILE\n", "\n  --utc\n", "also --version"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "-") && !strings.HasPrefix(strings.TrimSpace(l), "--") {
			t.Errorf("a flag with one dash: %q", l)
		}
	}
	if _, again, _ := runProvtap(t, "help"); again != out {
		t.Error("provtap help differs from provtap --help")
	}
	for _, c := range commands() {
		code, out, errOut := runProvtap(t, c.name, "--help")
		_, viaHelp, _ := runProvtap(t, "help", c.name)
		if code != 0 || errOut != "" || strings.Count(out, "usage: provtap") != 1 || viaHelp != out {
			t.Errorf("%s --help: exit %d, stderr %q:\n%s", c.name, code, errOut, out)
		}
	}
	for _, v := range [][]string{{"version"}, {"--version"}} {
		if code, out, _ := runProvtap(t, v...); code != 0 || out != "provtap "+version+"\n" {
			t.Errorf("%v: %d %q", v, code, out)
		}
	}
}

// Without a terminal the TUI commands say what to run instead, with flags
// that exist, and the proxy creates no capture file.
func TestTUICommandsWithoutATerminal(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "home")
	code, out, errOut := runProvtap(t, "--home", home, "--listen", "127.0.0.1:0")
	if code != 2 || out != "" || errOut != "provtap: the live view needs a terminal (stdin and stdout); without one run provtap --no-tui with the same flags: one line per flow and per finding on stdout\n" {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("the home (and a capture) was created: %v", err)
	}
	code, _, errOut = runProvtap(t, "demo", "--home", home)
	if code != 2 || errOut != "provtap demo: the TUI needs a terminal (stdin and stdout); without one run provtap demo --no-tui: the flows and findings on stdout\n" {
		t.Errorf("demo: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("demo created its home: %v", err)
	}
	// Every flag these messages name exists.
	for _, args := range [][]string{{"--no-tui", "--help"}, {"demo", "--no-tui", "--help"}} {
		if code, _, errOut := runProvtap(t, args...); code != 0 {
			t.Errorf("%v: %d %s", args, code, errOut)
		}
	}
}

func TestClosest(t *testing.T) {
	t.Parallel()
	words := []string{"listen", "target", "upstream-proxy", "upstream-ca", "record", "append", "no-tui", "home", "version", "help", "utc", "zone"}
	for in, want := range map[string]string{"v": "version", "vrsion": "version", "recrod": "record", "no-ui": "no-tui",
		"u": "", "nope": "", "upstream": "", "zon": "zone", "lisen": "listen", "x": ""} {
		if got := closest(in, words); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}

// The files a command writes get the directories they lack (0700), in
// every command that writes one: export --out as redact and --record.
func TestOutputGetsItsDirectories(t *testing.T) {
	t.Parallel()
	in := makeBadInputs(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "new", "deeper", "req.sh")
	copyHAR := filepath.Join(dir, "other", "copy.har")
	for _, args := range [][]string{{"export", in.good, "--flow", "1", "--out", script}, {"redact", in.good, copyHAR}} {
		if code, _, errOut := runProvtap(t, args...); code != 0 {
			t.Fatalf("%v: exit %d, %s", args, code, errOut)
		}
	}
	capturetest.WantMode(t, script, 0o600)
	capturetest.WantMode(t, filepath.Dir(script), 0o700)
	capturetest.WantMode(t, copyHAR, 0o600)
}
