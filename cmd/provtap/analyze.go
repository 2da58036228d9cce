package main

func cmdAnalyze(args []string) int { return notBuilt("analyze") }
