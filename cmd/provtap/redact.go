package main

func cmdRedact(args []string) int { return notBuilt("redact") }
