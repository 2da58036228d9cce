package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/mattn/go-isatty"
	"github.com/muesli/termenv"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/ui"
)

const diffAbout = `Compares the requests of two flows side by side, as d does in the TUI: the
request line, every header, the cookies (the Cookie header split into
name=value) and the query parameters. A is the left column, B the right.

Each row starts with a marker, readable without colour:
  (blank)  the same on both sides
  <        only in A
  >        only in B
  ~        on both, with different values
  ≈        different, but it always is: dates, request and trace ids,
           Content-Length, a client's version (noise)

Flow numbers are the ones provtap open and provtap analyze show. Colour only
on a terminal, and never with NO_COLOR set.`

func cmdDiff(args []string) int {
	fs := newFlags("diff", "provtap diff FILE A B [--width N]", diffAbout)
	width := fs.Int("width", 0, "line width in `cells` (default: the terminal's, else 120)")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 3 {
		return fail("diff", "want a capture file and two flow numbers, got %d arguments (see provtap diff --help)", len(pos))
	}
	var ids [2]int
	for i, s := range pos[1:] {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fail("diff", "%q is not a flow number (flows are numbered from 1, as provtap analyze shows them)", s)
		}
		ids[i] = n
	}
	capt, err := loadCapture(pos[0])
	if err != nil {
		return fail("diff", "%v", err)
	}
	total := len(capt.Flows)
	var flows [2]*capture.Flow
	for i, n := range ids {
		switch {
		case total == 0:
			return fail("diff", "no flow %d: %s has no flows", n, pos[0])
		case n < 1 || n > total:
			return fail("diff", "no flow %d: %s has %s (1-%d)", n, pos[0], flowCount(total), total)
		}
		f := capt.Flows[n-1]
		if f.Kind == capture.KindTLSFailure || f.Method == "" {
			return fail("diff", "flow %d has no request to compare (%s)", n, describeKind(f))
		}
		flows[i] = f
	}
	tty := isatty.IsTerminal(os.Stdout.Fd())
	w := *width
	if w <= 0 {
		w = 120
		if tty {
			if tw, _, err := term.GetSize(os.Stdout.Fd()); err == nil && tw > 0 {
				w = tw
			}
		}
	}
	var r *lipgloss.Renderer // nil: no colour
	if tty && os.Getenv("NO_COLOR") == "" {
		r = lipgloss.NewRenderer(os.Stdout)
		r.SetColorProfile(termenv.NewOutput(os.Stdout).EnvColorProfile())
	}
	if _, err := fmt.Fprint(os.Stdout, ui.DiffText(flows[0], flows[1], w, r)); err != nil {
		return fail("diff", "writing: %v", err)
	}
	return 0
}
