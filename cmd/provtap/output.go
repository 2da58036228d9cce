package main

import (
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"runtime"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
)

// Files provtap writes because the user named them (--record, redact OUT,
// export --out, the TUI's save) are never overwritten or truncated: a name
// that exists is refused in one line that says what to do instead.

// existsError is the refusal for an existing file the user named (or a
// directory, which is no file to write).
func existsError(path, instead string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory, not a file to write: name a file, in it or elsewhere", path)
	}
	return fmt.Errorf("%s exists; provtap never overwrites a file: %s", path, instead)
}

// createNew creates path for writing, mode 0600, and the directories it
// lacks, 0700, as the capture writers do; an existing path is
// existsError(path, instead).
func createNew(path, instead string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, errors.New("writing " + fileProblem(path, err))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, existsError(path, instead)
	}
	if err != nil {
		return nil, errors.New("writing " + fileProblem(path, err))
	}
	return f, nil
}

// saveNew is the TUI's save: a new HAR file, never over an existing one.
func saveNew(path string, flows iter.Seq[*capture.Flow]) error {
	err := har.CreateHARFrom(path, flows)
	if errors.Is(err, fs.ErrExist) {
		return existsError(path, "choose another name")
	}
	return err
}

// prepareHome makes sure --home exists. A directory provtap creates is
// 0700; an existing one keeps its mode, whatever it is.
func prepareHome(home string) error {
	st, err := os.Stat(home)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(home, 0o700); err != nil {
			return fmt.Errorf("--home %s: %v", home, errors.Unwrap(err))
		}
		return os.Chmod(home, 0o700) // whatever the umask: only the directory just made
	case err != nil:
		return errors.New("--home " + fileProblem(home, err))
	case !st.IsDir():
		return fmt.Errorf("--home %s is a file, not a directory", home)
	}
	return nil
}

// warnOpenHome warns, once per run, when an existing --home that holds
// the CA's private key can be read by others: whoever can read the key
// can intercept every client that trusts the CA.
func warnOpenHome(c *cli, home, keyFile string) {
	if runtime.GOOS == "windows" {
		return // Windows has ACLs, not these mode bits
	}
	st, err := os.Stat(home)
	if err != nil || st.Mode().Perm()&0o077 == 0 {
		return
	}
	if _, err := os.Stat(keyFile); err != nil {
		return
	}
	c.warn("warning: %s (mode %04o) can be read by others and holds the CA's private key %s; chmod 700 %s unless others must read it (provtap leaves the mode as it is)",
		home, st.Mode().Perm(), filepath.Base(keyFile), home)
}
