package main

import (
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
)

// prepareInterrupt starts cmd in a process group of its own, so that a
// console Ctrl-Break can be sent to it alone.
func prepareInterrupt(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// interrupt is Ctrl-C for a provtap the test started: a Ctrl-Break console
// event, which Go delivers as os.Interrupt (Windows has no SIGINT to send).
func interrupt(p *os.Process) error {
	return windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, uint32(p.Pid))
}
