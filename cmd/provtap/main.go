// Command provtap is a terminal traffic inspector for identity-provisioning
// connectors: a MITM proxy that records every call and explains failures.
package main

import (
	"fmt"
	"os"
)

// command is one subcommand. run returns the process exit code.
type command struct {
	name    string
	summary string
	run     func(args []string) int
}

func commands() []command {
	return []command{
		{"open", "the TUI on a saved capture (HAR from provtap or any other tool)", cmdOpen},
		{"analyze", "explain the failures in a capture (text, json, markdown)", cmdAnalyze},
		{"export", "one request of a capture as a curl command or raw HTTP", cmdExport},
		{"redact", "a copy of a capture safe to share (secrets replaced by pseudonyms)", cmdRedact},
		{"diff", "compare two requests of a capture side by side", cmdDiff},
		{"ca", "where provtap's CA is, its PEM, and how to trust it", cmdCA},
		{"demo", "both seed failures reproduced locally, through the proxy, in the TUI", cmdDemo},
	}
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "help":
			if len(args) > 1 {
				return run([]string{args[1], "--help"})
			}
			usage(os.Stdout)
			return 0
		case "version", "--version":
			fmt.Println("provtap", version)
			return 0
		}
		for _, c := range commands() {
			if args[0] == c.name {
				return c.run(args[1:])
			}
		}
	}
	return cmdProxy(args)
}
