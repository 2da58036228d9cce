package main

import (
	"fmt"
	"io"
	"os"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
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

func cmdDiff(args []string, stdout, stderr io.Writer) int {
	c := newCLI("provtap diff", "provtap diff FILE A B [--width N]", diffAbout, stdout, stderr)
	width := c.fs.Int("width", 0, "line width in `CELLS` (default: the terminal's, else 120)")
	pos, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(pos) != 3 {
		return c.usageError("want a capture file and two flow numbers, got %d arguments", len(pos))
	}
	var ids [2]flowNumber
	for i, s := range pos[1:] {
		if err := ids[i].Set(s); err != nil {
			return c.fail("%s: %v", s, err)
		}
	}
	picked, total, note, err := loadFlows(pos[0], int(ids[0]), int(ids[1]))
	if err != nil {
		return c.fail("%v", err)
	}
	var flows [2]*capture.Flow
	for i, n := range ids {
		f, err := pickFlow(pos[0], picked[i], total, int(n), "compare")
		if err != nil {
			return c.fail("%v", err)
		}
		flows[i] = f
	}
	if note != "" {
		c.warn("%s", note)
	}
	tty := isTerminal(stdout)
	w := *width
	if w <= 0 {
		w = 120
		if f, ok := stdout.(*os.File); ok && tty {
			if tw, _, err := term.GetSize(f.Fd()); err == nil && tw > 0 {
				w = tw
			}
		}
	}
	var r *lipgloss.Renderer // nil: no colour
	if tty && os.Getenv("NO_COLOR") == "" {
		r = lipgloss.NewRenderer(stdout)
		r.SetColorProfile(termenv.NewOutput(stdout).EnvColorProfile())
	}
	if _, err := fmt.Fprint(stdout, ui.DiffText(flows[0], flows[1], w, r)); err != nil {
		return c.fail("writing: %v", err)
	}
	return 0
}
