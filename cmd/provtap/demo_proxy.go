package main

import "errors"

// startDemoProxy starts provtap's proxy on loopback with its CA under home.
func startDemoProxy(home string) (*demoProxy, error) {
	return nil, errors.New("not built yet in this version")
}
