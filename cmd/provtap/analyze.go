package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/provtap/provtap/capture/har"

	"github.com/mattn/go-isatty"
	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

const analyzeAbout = `Explains the failures in a capture: dropped session cookies, credentials and
custom headers or query parameters the client sent on some calls but not on
others, sessions the server refused to open twice.

Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 when the
file cannot be read as a capture.`

func cmdAnalyze(args []string) int {
	fs := newFlags("analyze", "provtap analyze FILE [--format text|json|markdown] [--fail-on none|info|warning|error]", analyzeAbout)
	format := fs.String("format", "text", "text (for a terminal), json (stable) or markdown (for a forum post or ticket)")
	failOn := fs.String("fail-on", "error", "exit 1 when a finding is at least this severe: none, info, warning or error")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return fail("analyze", "want exactly one capture file, got %d arguments (see provtap analyze --help)", len(pos))
	}
	switch *format {
	case "text", "json", "markdown", "md":
	default:
		return fail("analyze", "unknown --format %q (want text, json or markdown)", *format)
	}
	threshold, known := analyze.ParseSeverity(*failOn)
	if !known {
		return fail("analyze", "unknown --fail-on %q (want none, info, warning or error)", *failOn)
	}
	res, findings, err := analyzeWithProgress(pos[0])
	if err != nil {
		return fail("analyze", "%v", err)
	}
	if res.Truncated {
		fmt.Fprintf(os.Stderr, "provtap analyze: %s was cut off (a recorder that did not exit cleanly); analyzing the %d whole flows before the cut\n",
			pos[0], res.Flows)
	}
	report := analyze.NewReport(res.Flows, findings)
	out := bufio.NewWriter(os.Stdout)
	switch *format {
	case "json":
		err = report.WriteJSON(out)
	case "markdown", "md":
		err = report.WriteMarkdown(out)
	default:
		err = report.WriteText(out, analyze.TextOptions{Color: colorWanted(os.Stdout), Width: terminalWidth()})
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		return fail("analyze", "writing the report: %v", err)
	}
	if threshold != analyze.None && report.Worst() >= threshold {
		return 1
	}
	return 0
}

// colorWanted: colour only on a terminal, and never when NO_COLOR is set.
func colorWanted(f *os.File) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	return isatty.IsTerminal(f.Fd()) && os.Getenv("TERM") != "dumb"
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
// larger than memory still works), drawing a progress bar on stderr for large
// files when stderr is a terminal.
func analyzeWithProgress(path string) (har.ScanResult, []analyze.Finding, error) {
	st, err := os.Stat(path)
	if err != nil {
		return har.ScanResult{}, nil, err
	}
	if st.IsDir() {
		return har.ScanResult{}, nil, fmt.Errorf("%s is a directory, not a capture file", path)
	}
	var progress atomic.Int64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		if st.Size() < progressThreshold || !isatty.IsTerminal(os.Stderr.Fd()) {
			<-done
			return
		}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(os.Stderr, "\r\033[K")
				return
			case <-tick.C:
				drawProgress(progress.Load(), 2*st.Size()) // ScanHAR reads the file twice
			}
		}
	}()
	eng := analyze.NewEngine()
	var findings []analyze.Finding
	res, err := har.ScanHAR(path, &progress, func(f *capture.Flow) {
		findings = append(findings, eng.Add(f)...)
	})
	findings = append(findings, eng.Flush()...)
	close(done)
	<-finished
	return res, findings, err
}

func drawProgress(done, total int64) {
	const width = 30
	frac := float64(done) / float64(total)
	if frac > 1 {
		frac = 1
	}
	filled := int(frac * width)
	fmt.Fprintf(os.Stderr, "\rreading capture [%s%s] %3.0f%% %d/%d MB", strings.Repeat("█", filled),
		strings.Repeat("·", width-filled), frac*100, done>>20, total>>20)
}

// loadCapture reads a whole capture into memory (for the TUI), with a clear
// error for a directory.
func loadCapture(path string) (*har.Capture, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a capture file", path)
	}
	return har.LoadHAR(path)
}
