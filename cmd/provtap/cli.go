package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
)

// cli is one command's command line: its flags, its help, and where it
// writes. Every command builds one, so a mistake gets the same message in
// every command, prefixed with what the user typed ("provtap analyze:", or
// "provtap:" for the default command).
type cli struct {
	name   string // "provtap analyze", or "provtap"
	usage  string // the usage line
	about  string // what the command does, for --help
	fs     *flag.FlagSet
	stdout io.Writer
	stderr io.Writer
	// extra are words the command accepts besides its flags, offered as the
	// closest match for a mistyped flag (the default command's --version).
	extra []string
	// intro is printed before the usage (the overview's first line).
	intro string
	// moreHelp prints between the usage and the about text (the default
	// command lists the commands there).
	moreHelp func(io.Writer)
}

func newCLI(name, usage, about string, stdout, stderr io.Writer) *cli {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by parse, help by help
	fs.Usage = func() {}
	return &cli{name: name, usage: usage, about: about, fs: fs, stdout: stdout, stderr: stderr}
}

// parse parses flags that may come before or after positional arguments
// (`export cap.har --flow 3` is `export --flow 3 cap.har`); "--" ends the
// flags. It returns the positionals, or ok=false and the exit status when
// parsing ended the command: 0 after --help, 2 after a mistake (reported in
// one line on stderr).
func (c *cli) parse(args []string) (pos []string, code int, ok bool) {
	rest := args
	for {
		if err := c.fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.help(c.stdout)
				return nil, 0, false
			}
			return nil, c.fail("%s", c.flagError(err, rest)), false
		}
		left := c.fs.Args()
		if used := len(rest) - len(left); used > 0 && rest[used-1] == "--" {
			return append(pos, left...), 0, true
		}
		if len(left) == 0 {
			return pos, 0, true
		}
		pos = append(pos, left[0])
		rest = left[1:]
	}
}

// given reports whether the flag was on the command line.
func (c *cli) given(name string) bool {
	found := false
	c.fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// fail reports a mistake in one line on stderr and returns exit status 2.
func (c *cli) fail(format string, a ...any) int {
	c.warn(format, a...)
	return 2
}

// warn prints one line on stderr, prefixed with the command's name.
func (c *cli) warn(format string, a ...any) {
	msg := strings.Join(strings.Fields(fmt.Sprintf(format, a...)), " ")
	fmt.Fprintf(c.stderr, "%s: %s\n", c.name, msg)
}

// usageError is a wrong number of arguments, with the usage line.
func (c *cli) usageError(format string, a ...any) int {
	return c.fail("%s (usage: %s)", fmt.Sprintf(format, a...), c.usage)
}

var (
	reUndefined = regexp.MustCompile(`^flag provided but not defined: -(.*)$`)
	reNeedsArg  = regexp.MustCompile(`^flag needs an argument: -(.*)$`)
	reInvalid   = regexp.MustCompile(`^invalid value "(.*)" for flag -([^:]*): (.*)$`)
	reBool      = regexp.MustCompile(`^invalid boolean value "(.*)" for -([^:]*): (.*)$`)
	reSyntax    = regexp.MustCompile(`^bad flag syntax: (.*)$`)
)

// flagError rewrites the flag package's errors as provtap says them: flags
// with two dashes, the closest match for an unknown flag.
func (c *cli) flagError(err error, args []string) string {
	msg := err.Error()
	if m := reUndefined.FindStringSubmatch(msg); m != nil {
		typed := "--" + m[1]
		for _, a := range args {
			if name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "="); strings.HasPrefix(a, "-") && name == m[1] {
				typed, _, _ = strings.Cut(a, "=")
				break
			}
		}
		if best := closest(m[1], c.flagWords()); best != "" {
			return fmt.Sprintf("unknown flag %s; did you mean --%s?", typed, best)
		}
		return fmt.Sprintf("unknown flag %s (%s --help lists the flags)", typed, c.name)
	}
	if m := reNeedsArg.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s needs a value", m[1])
	}
	if m := reInvalid.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s %s: %s", m[2], m[1], c.valueReason(m[2], m[3]))
	}
	if m := reBool.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s=%s: want true or false", m[2], m[1])
	}
	if m := reSyntax.FindStringSubmatch(msg); m != nil {
		return "bad flag syntax " + m[1]
	}
	return msg
}

// valueReason says why a flag's value was refused.
func (c *cli) valueReason(name, reason string) string {
	if reason != "parse error" && reason != "value out of range" {
		return reason // a provtap flag type's own reason
	}
	if f := c.fs.Lookup(name); f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			switch g.Get().(type) {
			case int, int64, uint, uint64:
				if reason == "value out of range" {
					return "too large"
				}
				return "not a whole number"
			case time.Duration:
				return "not a duration (like 30s or 5m)"
			}
		}
	}
	return reason
}

// flagWords are the flags and extra words a mistyped flag may have meant.
func (c *cli) flagWords() []string {
	var words []string
	c.fs.VisitAll(func(f *flag.Flag) { words = append(words, f.Name) })
	return append(append(words, c.extra...), "help")
}

// help prints the command's help once: usage, what else it lists, what it
// does, and its flags written as the README writes them (--flag).
func (c *cli) help(w io.Writer) {
	if c.intro != "" {
		fmt.Fprintf(w, "%s\n\n", c.intro)
	}
	fmt.Fprintf(w, "usage: %s\n", c.usage)
	if c.moreHelp != nil {
		c.moreHelp(w)
	}
	if c.about != "" {
		fmt.Fprintf(w, "\n%s\n", c.about)
	}
	first := true
	c.fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprintln(w, "\nflags:")
			first = false
		}
		arg, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if arg != "" {
			line += " " + arg
		}
		fmt.Fprintln(w, line)
		if d := f.DefValue; d != "" && d != "0" && d != "false" && d != "[]" {
			usage += " (default " + d + ")"
		}
		for _, l := range wrapWords(usage, 70) {
			fmt.Fprintln(w, "        "+l)
		}
	})
}

// wrapWords breaks s into lines of at most width runes, at spaces.
func wrapWords(s string, width int) []string {
	var lines []string
	var cur string
	for _, w := range strings.Fields(s) {
		if cur != "" && len([]rune(cur))+1+len([]rune(w)) > width {
			lines = append(lines, cur)
			cur = ""
		}
		if cur != "" {
			cur += " "
		}
		cur += w
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// closest is the candidate the user most likely meant by s: the only one s
// begins, else the nearest by edit distance (a transposition counts one)
// when that is small for s's length; "" when none is close.
func closest(s string, candidates []string) string {
	s = strings.ToLower(s)
	if s == "" {
		return ""
	}
	var prefixed []string
	for _, c := range candidates {
		if strings.HasPrefix(c, s) {
			prefixed = append(prefixed, c)
		}
	}
	switch len(prefixed) {
	case 1:
		return prefixed[0]
	case 0:
	default:
		return "" // it begins several: say none rather than the wrong one
	}
	best, bestD := "", max(1, (len(s)+1)/3)+1
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance of a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// choice is a flag that takes one of a few words.
type choice struct {
	value   string
	allowed []string // the first is what --help shows as the choices
	alias   map[string]string
}

func newChoice(def string, allowed ...string) *choice {
	return &choice{value: def, allowed: allowed}
}

func (c *choice) String() string { return c.value }

func (c *choice) Set(s string) error {
	if a, ok := c.alias[s]; ok {
		s = a
	}
	for _, a := range c.allowed {
		if s == a {
			c.value = s
			return nil
		}
	}
	return fmt.Errorf("want %s", orList(c.allowed))
}

func (c *choice) Get() any { return c.value }

// orList is "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// stringList is a flag that may be given more than once.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// flowNumber is a flow number the user typed (--flow N, diff's A and B).
type flowNumber int

const flowNumberHint = "not a flow number (flows are numbered 1, 2, 3, … as provtap open and provtap analyze show them)"

func (n *flowNumber) String() string { return fmt.Sprint(int(*n)) }

func (n *flowNumber) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil {
		return errors.New(flowNumberHint)
	}
	*n = flowNumber(v)
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// canRunTUI reports whether the TUI can draw: stdin and stdout are the
// terminal.
func canRunTUI(stdout io.Writer) bool {
	return isTerminal(stdout) && isatty.IsTerminal(os.Stdin.Fd())
}
