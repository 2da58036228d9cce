package main

func cmdOpen(args []string) int { return notBuilt("open") }
