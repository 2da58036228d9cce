package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/provtap/provtap/capture/proxy"
)

// listenProblem is why the proxy could not listen on addr, in words, without
// Go's "listen tcp" prefix. A port already taken says what probably holds it
// and which --listen to use instead.
func listenProblem(addr string, err error) string {
	if addrInUse(err) {
		return "the address is already in use: " + portHolder(addr) + "; stop it, or give provtap another port: --listen " + freeAddr(addr)
	}
	if why := portRefused(err); why != "" {
		return why + "; give provtap another port: --listen " + freeAddr(addr)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

// portHolder names what usually listens on addr's port.
func portHolder(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	switch port {
	case "8080":
		return "something else listens there, likely Tomcat (8080 is its default, and connector hosts such as IdentityIQ's often run it) or another proxy"
	case "3128":
		return "something else listens there, likely a Squid proxy (3128 is its port)"
	case "8888":
		return "something else listens there, likely Fiddler or Charles (8888 is their port)"
	case "8877":
		return "something else listens there, likely another provtap"
	}
	return "another program listens there (another proxy or server, or another provtap)"
}

// freeAddr is an address on addr's host to suggest instead: provtap's
// default when it is free, else the first free port after addr's.
func freeAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return proxy.DefaultListen
	}
	free := func(a string) bool {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			return false
		}
		ln.Close()
		return true
	}
	if _, dport, _ := net.SplitHostPort(proxy.DefaultListen); dport != port {
		if a := net.JoinHostPort(host, dport); free(a) {
			return a
		}
	}
	n, _ := strconv.Atoi(port)
	for p := n + 1; p > 1024 && p < n+50 && p < 65536; p++ {
		if a := net.JoinHostPort(host, strconv.Itoa(p)); free(a) {
			return a
		}
	}
	return fmt.Sprintf("%s:PORT (a free PORT)", host)
}
