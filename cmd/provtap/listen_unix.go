//go:build !windows

package main

import (
	"errors"
	"syscall"
)

// addrInUse reports a listen that failed because the address is taken.
func addrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }

// portRefused says why the system refused the port itself, "" when it did not.
func portRefused(err error) string {
	if errors.Is(err, syscall.EACCES) {
		return "the system refuses this port to provtap (ports below 1024 need root)"
	}
	return ""
}
