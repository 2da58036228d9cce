package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// runProvtap runs provtap in this process with args, as main does but
// writing to buffers: tests run in parallel, nothing global is swapped.
func runProvtap(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// The shipped binary links no test-support package: the scenario servers
// the demo runs live in internal/scenario, not in capturetest.
func TestBinaryLinksNoTestSupport(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "testing" || strings.HasSuffix(p, "/capturetest") || p == "net/http/httptest" || strings.Contains(p, "teatest") {
			t.Errorf("provtap links %s", p)
		}
	}
}
