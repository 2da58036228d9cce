package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/provtap/provtap/capture"
)

const version = capture.Version

// newFlags makes a FlagSet that reports errors to parseArgs (no output of
// its own); usage prints the help asked for with -h/--help.
func newFlags(name, usageLine, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	helpTexts[fs] = func() {
		w := os.Stdout
		fmt.Fprintf(w, "usage: %s\n\n%s\n", usageLine, about)
		if name == "provtap" {
			fmt.Fprintln(w)
			usage(w)
		}
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintln(w, "\nflags:")
			fs.SetOutput(w)
			fs.PrintDefaults()
			fs.SetOutput(io.Discard)
		}
	}
	return fs
}

// helpTexts holds each FlagSet's help printer.
var helpTexts = map[*flag.FlagSet]func(){}

// parseArgs parses flags that may come before or after positional arguments
// (`export cap.har --flow 3` == `export --flow 3 cap.har`). It returns the
// positionals, or an exit code when parsing ended the command (help: 0,
// error: 2, reported on stderr in one line).
func parseArgs(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				helpTexts[fs]()
				return nil, 0, false
			}
			fmt.Fprintf(os.Stderr, "provtap %s: %v (see provtap %s --help)\n", fs.Name(), err, fs.Name())
			return nil, 2, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// fail prints a one-line error for the user and returns exit code 2.
func fail(cmd string, format string, a ...any) int {
	msg := fmt.Sprintf(format, a...)
	msg = strings.ReplaceAll(msg, "\n", " ")
	fmt.Fprintf(os.Stderr, "provtap %s: %s\n", cmd, msg)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `provtap — watch an identity connector's HTTP calls and learn why they fail.

usage:
  provtap [flags]              run the proxy and the live TUI (see provtap --help)
  provtap <command> [args]     one of:

`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
"provtap <command> --help" explains a command's flags.
`)
}

// notBuilt is the honest answer of a command that does not exist yet.
func notBuilt(name string) int {
	return fail(name, "not built yet in this version")
}
