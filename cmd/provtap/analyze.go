package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/internal/gctune"
)

const analyzeAbout = `Explains the failures in a capture: dropped session cookies, credentials and
custom headers or query parameters the client sent on some calls but not on
others, sessions the server refused to open twice, and the other kinds the
README lists. --format json is the stable form (described in the README).

Times are shown in local time (or --utc, --zone); --format json keeps the
capture file's own clock unless --utc or --zone is given, so the same file
gives the same JSON on every machine.

A capture cut off mid-write (a recorder that was killed) or still being
recorded is analyzed up to its last whole flow, with one line on stderr
saying which.

Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 when the
command line is wrong or the file cannot be read as a capture.`

func cmdAnalyze(args []string, stdout, stderr io.Writer) int {
	c := newCLI("provtap analyze", "provtap analyze FILE [--format text|json|markdown] [--fail-on none|info|warning|error] [--utc | --zone ZONE]", analyzeAbout, stdout, stderr)
	format := newChoice("text", "text", "json", "markdown")
	format.alias = map[string]string{"md": "markdown"}
	c.fs.Var(format, "format", "the report's `FORMAT`: text (for a terminal), json (stable) or markdown (for a forum post or ticket)")
	failOn := newChoice("error", "none", "info", "warning", "error")
	c.fs.Var(failOn, "fail-on", "exit 1 when a finding is at least this `SEVERITY`: none, info, warning or error")
	clk := addClockFlags(c)
	pos, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return c.usageError("want exactly one capture file, got %d arguments", len(pos))
	}
	if err := clk.check(); err != nil {
		return c.fail("%v", err)
	}
	if format.value == "json" && !c.given("utc") && !c.given("zone") {
		// The stable JSON does not depend on the machine it runs on: the
		// finding texts keep the capture file's own clock.
		clk.zone = "capture"
	}
	threshold, _ := analyze.ParseSeverity(failOn.value)
	// What analyze keeps (the analyzers' state, the batches being
	// decoded) is ~100 MB at 10⁶ flows while it allocates ~5 GB: collect
	// seldom, within the 300 MB goal (the limit counts the heap, RSS adds
	// ~15 MB).
	gctune.Set(400, 256<<20)
	// Memory follows the number of problems, not of findings: the JSON
	// report keeps a bounded amount of findings in memory and moves the
	// rest through a temporary file, the text and markdown reports show
	// problems only.
	set := analyze.NewProblemSet()
	add := func(fd analyze.Finding) error { set.Add(fd); return nil }
	var jw *analyze.JSONWriter
	out := bufio.NewWriter(stdout)
	if format.value == "json" {
		var err error
		if jw, err = analyze.NewJSONWriter(out, ""); err != nil {
			return c.fail("%v", err)
		}
		add, set = jw.Add, jw.Problems()
	}
	flows, note, err := analyzeWithProgress(pos[0], clk, stderr, add)
	if err != nil {
		if jw != nil {
			jw.Discard()
		}
		return c.fail("%v", err)
	}
	if note != "" {
		c.warn("%s", note)
	}
	report := analyze.ProblemReport(flows, set)
	switch format.value {
	case "json":
		err = jw.Close(flows)
	case "markdown":
		err = report.WriteMarkdown(out)
	default:
		err = report.WriteText(out, analyze.TextOptions{Color: colorWanted(stdout), Width: terminalWidth()})
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		return c.fail("writing the report: %v", err)
	}
	if threshold != analyze.None && report.Worst() >= threshold {
		return 1
	}
	return 0
}

// colorWanted: colour only on a terminal, and never when NO_COLOR is set.
func colorWanted(w io.Writer) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	return isTerminal(w) && os.Getenv("TERM") != "dumb"
}

func terminalWidth() int {
	var cols int
	if _, err := fmt.Sscan(os.Getenv("COLUMNS"), &cols); err == nil && cols >= 40 {
		return cols
	}
	return 100
}

// progressThreshold: smaller files load faster than a bar can draw.
const progressThreshold = 16 << 20

// analyzeWithProgress streams the capture through the analyzers (a capture
// larger than memory still works), in the zone clk names, drawing a
// progress bar on stderr for large files when stderr is a terminal.
func analyzeWithProgress(path string, clk *clock, stderr io.Writer, add func(analyze.Finding) error) (int, string, error) {
	var progress atomic.Int64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		st, err := os.Stat(path)
		if err != nil || st.Size() < progressThreshold || !isTerminal(stderr) {
			<-done
			return
		}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(stderr, "\r\033[K")
				return
			case <-tick.C:
				drawProgress(stderr, progress.Load(), 2*st.Size()) // the scan reads the file twice
			}
		}
	}()
	eng := analyze.NewEngine()
	var addErr error
	// Findings are grouped and written on a goroutine of their own: the
	// engine, which must see flows one at a time, is the pipeline's
	// narrowest part, and a million findings' JSON need not wait on it.
	found := make(chan []analyze.Finding, 256)
	written := make(chan struct{})
	go func() {
		defer close(written)
		for fs := range found {
			for _, fd := range fs {
				if addErr == nil {
					addErr = add(fd)
				}
			}
		}
	}()
	hand := func(fs []analyze.Finding) {
		if len(fs) > 0 {
			found <- append([]analyze.Finding(nil), fs...)
		}
	}
	zone, _ := clk.location(nil)
	n, note, err := scanCapture(path, &progress, func(f *capture.Flow, fx *analyze.Facts) {
		if clk.fromCapture() && f.ID == 1 {
			zone = f.Start.Location()
		}
		f.Start, f.End = f.Start.In(zone), f.End.In(zone)
		hand(eng.AddFacts(fx))
	})
	hand(eng.Flush())
	close(found)
	<-written
	close(done)
	<-finished
	if err == nil && addErr != nil {
		err = fmt.Errorf("writing the findings: %w", addErr)
	}
	return n, note, err
}

func drawProgress(w io.Writer, done, total int64) {
	const width = 30
	frac := float64(done) / float64(total)
	if frac > 1 {
		frac = 1
	}
	filled := int(frac * width)
	fmt.Fprintf(w, "\rreading capture [%s%s] %3.0f%% %d/%d MB", strings.Repeat("█", filled),
		strings.Repeat("·", width-filled), frac*100, done>>20, total>>20)
}
