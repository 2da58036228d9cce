package main

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
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

// The headless line of a tunnel outside the CA's scope says so.
func TestOutOfScopeFlowLine(t *testing.T) {
	t.Parallel()
	f := &capture.Flow{ID: 4, Kind: capture.KindOutOfScope, Method: "CONNECT", Status: 200, URL: "https://login.other.example:443/",
		Start: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC), RequestBody: capture.Body{Size: 517}, ResponseBody: capture.Body{Size: 4242}}
	want := "10:00:00.000 #4 CONNECT 200 https://login.other.example:443/ 0s  tunnelled, not decrypted: outside the CA's scope (provtap ca); 517 bytes up, 4242 down"
	if got := flowLine(f, time.UTC); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	f.Status, f.Error = 502, "upstream unreachable: connection refused"
	if got := flowLine(f, time.UTC); !strings.HasSuffix(got, "  outside the CA's scope, not decrypted  ! upstream unreachable: connection refused") {
		t.Errorf("unreachable: %q", got)
	}
}
