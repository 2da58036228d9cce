//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package har

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes the recorder's lock on f: an exclusive flock(2), released
// when f is closed or the process ends (a killed recorder holds nothing).
func lockFile(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrBeingRecorded
	}
	if errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOLCK) {
		return nil // a file system without locks: record anyway
	}
	return err
}

// lockedByRecorder reports whether a recorder holds f's lock.
func lockedByRecorder(f *os.File) bool {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return false
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}
