package main

func cmdExport(args []string) int { return notBuilt("export") }
