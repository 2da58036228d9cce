package main

func cmdCA(args []string) int { return notBuilt("ca") }
