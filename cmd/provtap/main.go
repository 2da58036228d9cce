// Command provtap is a terminal traffic inspector for identity-provisioning
// connectors: a MITM proxy that records every call and explains failures.
// `provtap --help` lists its commands; the README describes the command
// line, the capture file and the findings JSON.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/provtap/provtap/capture"
)

const version = capture.Version

// command is one subcommand: run gets the arguments after its name.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"open", "the TUI on a saved capture (HAR from provtap or any other tool)", cmdOpen},
		{"analyze", "explain the failures in a capture (text, json, markdown)", cmdAnalyze},
		{"export", "one request of a capture as curl (bash, or a curl -K file for any shell) or raw HTTP", cmdExport},
		{"redact", "a copy of a capture safe to share (secrets replaced by pseudonyms)", cmdRedact},
		{"diff", "compare two requests of a capture side by side", cmdDiff},
		{"ca", "where provtap's CA is, its scope, how to trust it (and undo it); a scoped CA", cmdCA},
		{"demo", "both seed failures (--all: and six more) reproduced locally, through the proxy, in the TUI", cmdDemo},
		{"version", "print provtap's version (also --version)", cmdVersion},
		{"help", `this overview; "provtap help COMMAND" explains a command`, cmdHelp},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is provtap with the arguments after its name: the command args[0]
// names, else the proxy. It returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "--version", "-version":
			return cmdVersion(args[1:], stdout, stderr)
		}
		for _, c := range commands() {
			if args[0] == c.name {
				return c.run(args[1:], stdout, stderr)
			}
		}
	}
	return cmdProxy(args, stdout, stderr)
}

// commandNames are the commands' names, in the order help lists them.
func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}

// listCommands is the commands part of the overview.
func listCommands(w io.Writer) {
	fmt.Fprint(w, "       provtap COMMAND [args]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nWithout a command, provtap runs the proxy:\n")
}

// unknownCommand is the one line for `provtap WORD` when WORD is no
// command.
func unknownCommand(c *cli, word string) int {
	if contains(commandNames(), word) {
		return c.fail("%s is a command: it comes first, before the flags (provtap %s --help)", word, word)
	}
	if best := closest(word, commandNames()); best != "" {
		return c.fail("unknown command %q; did you mean provtap %s?", word, best)
	}
	if st, err := os.Stat(word); (err == nil && !st.IsDir()) || strings.HasSuffix(strings.ToLower(word), ".har") {
		return c.fail("unknown command %q; to look at a capture: provtap open %s (or provtap analyze %s)", word, word, word)
	}
	return c.fail("unknown command %q; the commands are %s (provtap help explains them)", word, strings.Join(commandNames(), ", "))
}

func cmdVersion(args []string, stdout, stderr io.Writer) int {
	c := newCLI("provtap version", "provtap version", "Prints provtap's version. provtap --version does the same.", stdout, stderr)
	pos, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError("takes no arguments, got %q", pos[0])
	}
	fmt.Fprintln(stdout, "provtap", version)
	return 0
}

func cmdHelp(args []string, stdout, stderr io.Writer) int {
	c := newCLI("provtap help", "provtap help [COMMAND]", "Prints the overview, or a command's help.", stdout, stderr)
	pos, code, ok := c.parse(args)
	if !ok {
		return code
	}
	switch {
	case len(pos) == 0:
		return cmdProxy([]string{"--help"}, stdout, stderr)
	case len(pos) > 1:
		return c.usageError("takes one command, got %d arguments", len(pos))
	}
	if !contains(commandNames(), pos[0]) {
		return unknownCommand(c, pos[0])
	}
	return run([]string{pos[0], "--help"}, stdout, stderr)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
