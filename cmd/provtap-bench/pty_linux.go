package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// startInPty starts cmd on a new pseudo-terminal of cols×rows, as a
// terminal session's foreground program, and returns the terminal's
// master side (what the program draws comes out of it; what is written
// to it are key presses and the terminal's answers).
func startInPty(cmd *exec.Cmd, cols, rows int) (*os.File, error) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil { // unlockpt
		master.Close()
		return nil, err
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, err
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, err
	}
	defer slave.Close()
	ws := unix.Winsize{Row: uint16(rows), Col: uint16(cols)}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, slave.Fd(), uintptr(unix.TIOCSWINSZ), uintptr(unsafe.Pointer(&ws))); e != 0 {
		master.Close()
		return nil, e
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		master.Close()
		return nil, err
	}
	return master, nil
}

const ptyWorks = true

// maxRSSMB is a finished process's peak resident set.
func maxRSSMB(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss / 1024
	}
	return 0
}
