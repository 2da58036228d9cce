package main

func cmdDiff(args []string) int { return notBuilt("diff") }
