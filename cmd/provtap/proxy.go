package main

func cmdProxy(args []string) int { return notBuilt("proxy") }
