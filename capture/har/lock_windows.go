//go:build windows

package har

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// Windows locks are mandatory for the bytes they cover, so the recorder
// locks one byte far beyond any end of file (as SQLite does): readers are
// never blocked, and another recorder or BeingRecorded sees the lock.
const lockOffset = 1 << 62

func lockRange(f *os.File, flags uint32) error {
	ol := &windows.Overlapped{Offset: uint32(lockOffset & 0xffffffff), OffsetHigh: uint32(lockOffset >> 32)}
	return windows.LockFileEx(windows.Handle(f.Fd()), flags|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
}

// lockFile takes the recorder's lock on f, released when f is closed or the
// process ends.
func lockFile(f *os.File) error {
	err := lockRange(f, windows.LOCKFILE_EXCLUSIVE_LOCK)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return ErrBeingRecorded
	}
	return err
}

// lockedByRecorder reports whether a recorder holds f's lock.
func lockedByRecorder(f *os.File) bool {
	err := lockRange(f, 0)
	if err == nil {
		ol := &windows.Overlapped{Offset: uint32(lockOffset & 0xffffffff), OffsetHigh: uint32(lockOffset >> 32)}
		_ = windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
		return false
	}
	return errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}
