//go:build !windows

package main

import (
	"os"
	"os/exec"
)

// prepareInterrupt readies cmd for interrupt (nothing to do on Unix).
func prepareInterrupt(*exec.Cmd) {}

// interrupt is Ctrl-C for a provtap the test started: SIGINT.
func interrupt(p *os.Process) error { return p.Signal(os.Interrupt) }
