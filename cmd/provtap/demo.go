package main

func cmdDemo(args []string) int { return notBuilt("demo") }
