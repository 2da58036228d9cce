package main

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A port already taken is one line: what probably holds it and the
// --listen to use instead (a free port, checked); nothing is recorded.
func TestListenClash(t *testing.T) {
	t.Parallel()
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	dir := t.TempDir()
	record := filepath.Join(dir, "cap.har")
	code, out, errOut := runProvtap(t, "--no-tui", "--listen", held.Addr().String(), "--home", filepath.Join(dir, "home"), "--record", record)
	want := regexp.MustCompile(`^provtap: --listen ` + regexp.QuoteMeta(held.Addr().String()) +
		`: the address is already in use: another program listens there \(another proxy or server, or another provtap\); ` +
		`stop it, or give provtap another port: --listen (127\.0\.0\.1:\d+)\n$`)
	m := want.FindStringSubmatch(errOut)
	if code != 2 || out != "" || m == nil {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if ln, err := net.Listen("tcp", m[1]); err != nil {
		t.Errorf("the suggested %s is not free: %v", m[1], err)
	} else {
		ln.Close()
	}
	if _, err := os.Stat(record); !os.IsNotExist(err) {
		t.Errorf("a capture was created: %v", err)
	}
}

func TestPortHolder(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "likely Tomcat (8080 is its default, and connector hosts such as IdentityIQ's often run it) or another proxy",
		"0.0.0.0:3128":   "likely a Squid proxy", "[::1]:8888": "likely Fiddler or Charles", "127.0.0.1:8877": "likely another provtap",
	} {
		if got := portHolder(addr); !strings.Contains(got, want) {
			t.Errorf("%s: %q", addr, got)
		}
	}
}
