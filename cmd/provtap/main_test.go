package main

import (
	"bytes"
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
