package main

import (
	"errors"

	"golang.org/x/sys/windows"
)

// addrInUse reports a listen that failed because the address is taken.
func addrInUse(err error) bool { return errors.Is(err, windows.WSAEADDRINUSE) }

// portRefused says why Windows refused the port itself, "" when it did not.
func portRefused(err error) string {
	if errors.Is(err, windows.WSAEACCES) {
		return "Windows refuses this port: another program holds it exclusively, or it lies in a range Windows reserves (netsh interface ipv4 show excludedportrange protocol=tcp lists them)"
	}
	return ""
}
