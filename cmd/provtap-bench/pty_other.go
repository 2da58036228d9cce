//go:build !linux

package main

import (
	"errors"
	"os"
	"os/exec"
)

// startInPty needs Linux's /dev/ptmx: elsewhere open's first frame is not timed.
func startInPty(*exec.Cmd, int, int) (*os.File, error) {
	return nil, errors.New("timing provtap open needs a pseudo-terminal: Linux only")
}

const ptyWorks = false

// maxRSSMB is not known here.
func maxRSSMB(*os.ProcessState) int64 { return 0 }
