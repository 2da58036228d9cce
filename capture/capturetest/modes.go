package capturetest

import (
	"io/fs"
	"os"
	"runtime"
	"testing"
)

// WantMode fails the test unless path's permission bits are want. On
// Windows, where access is an ACL and Go reports every file 0666 (0444
// read-only) and every directory 0777, it checks only that path exists:
// provtap's files there are private by the ACL %AppData% passes on.
func WantMode(tb testing.TB, path string, want fs.FileMode) {
	tb.Helper()
	st, err := os.Stat(path)
	switch {
	case err != nil:
		tb.Errorf("%s: %v", path, err)
	case runtime.GOOS != "windows" && st.Mode().Perm() != want:
		tb.Errorf("%s: mode %04o, want %04o", path, st.Mode().Perm(), want)
	}
}
