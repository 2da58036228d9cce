package main

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/har"
)

// -scale N: a night's run of N flows, generated (capturetest.GenerateCorpus:
// many accounts interleaved, no client addresses, the seeds' failures
// inside), then provtap on it: open's first frame, first flows and full
// load on a terminal, analyze --format json against jq's count of the
// same file, and the live TUI's memory after the N flows went through it.
// Each figure is printed beside its goal with PASS or MISS.

type scaleReport struct {
	n, flows     int
	path         string
	sizeMB       float64
	gen          time.Duration
	bin, binNote string

	open    openTiming
	openErr error

	analyze         time.Duration
	analyzeMB       int64
	analyzeErr      error
	jq              time.Duration
	jqMB            int64
	jqNote          string
	tuiQuarters     []string
	tuiDone         map[string]string
	tuiErr          error
	load1, loadLast float64
	skipped         map[string]bool // parts not measured (--scale-parts)
}

func runScale(cfg config) (*scaleReport, error) {
	dir, err := os.MkdirTemp("", "provtap-bench-scale-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	rep := &scaleReport{n: cfg.scale, path: filepath.Join(dir, "night.har"), load1: loadAvg()}
	say := func(format string, a ...any) {
		if cfg.progress != nil {
			fmt.Fprintf(cfg.progress, format+"\n", a...)
		}
	}
	say("generating %d flows…", cfg.scale)
	t0 := time.Now()
	c := capturetest.GenerateCorpus(cfg.scale, cfg.seed)
	if err := c.WriteHAR(rep.path); err != nil {
		return nil, err
	}
	rep.flows, rep.gen = len(c.Flows), time.Since(t0)
	c = nil
	runtime.GC()
	debug.FreeOSMemory() // the generator's flows are not the bench's to keep
	if st, err := os.Stat(rep.path); err == nil {
		rep.sizeMB = float64(st.Size()) / 1e6
	}
	if rep.bin, rep.binNote, err = findProvtap(cfg.provtap, dir); err != nil {
		return nil, err
	}

	want := func(part string) bool { return cfg.parts == nil || cfg.parts[part] }
	rep.skipped = map[string]bool{"open": !want("open"), "analyze": !want("analyze"), "tui": !want("tui")}
	say("provtap open…")
	switch {
	case !want("open"):
	case ptyWorks:
		rep.open, rep.openErr = timeOpen(rep.bin, rep.path, rep.flows, 10*time.Minute)
	default:
		rep.openErr = fmt.Errorf("not timed: it needs a pseudo-terminal (Linux)")
	}

	say("provtap analyze --format json…")
	if want("analyze") {
		rep.analyze, rep.analyzeMB, rep.analyzeErr = timeRun(rep.bin, "analyze", "--format", "json", rep.path)
	}
	if jq, err := exec.LookPath("jq"); !want("analyze") {
		// not asked for
	} else if err != nil {
		rep.jqNote = "jq is not installed: the ratio is not measured (apt-get install jq)"
	} else {
		say("jq '.log.entries|length'…")
		var jqErr error
		rep.jq, rep.jqMB, jqErr = timeRun(jq, ".log.entries|length", rep.path)
		if jqErr != nil {
			rep.jqNote = "jq failed: " + jqErr.Error()
		}
	}

	say("the live TUI under %d flows…", rep.flows)
	if want("tui") {
		rep.tuiQuarters, rep.tuiDone, rep.tuiErr = runTUIChild(rep.path, dir, rep.flows)
	}
	rep.loadLast = loadAvg()
	return rep, nil
}

// timeRun runs a program to the end, its output discarded, and returns its
// wall time and peak RSS. Exit status 1 is a result (analyze found problems).
func timeRun(bin string, args ...string) (time.Duration, int64, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdout = io.Discard
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, fmt.Errorf("%s: %v", filepath.Base(bin), err)
	}
	// The child's own high-water mark, read while it runs: the rusage of
	// a child started by this (vfork'd) process also counts this
	// process's peak (the generated corpus), inherited at exec.
	hwm := make(chan int64, 1)
	stop := make(chan struct{})
	go func() {
		var peak int64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, procStatusKB(cmd.Process.Pid, "VmHWM"))
			select {
			case <-stop:
				hwm <- peak
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	d := time.Since(t0)
	close(stop)
	peakMB := <-hwm / 1024
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		err = nil
	}
	if err != nil {
		return d, 0, fmt.Errorf("%s: %v %s", filepath.Base(bin), err, firstLineOf(stderr.String()))
	}
	if peakMB == 0 { // no /proc: the rusage, an upper bound
		peakMB = maxRSSMB(cmd.ProcessState)
	}
	return d, peakMB, nil
}

func firstLineOf(s string) string { l, _, _ := strings.Cut(strings.TrimSpace(s), "\n"); return l }

// runTUIChild runs the live TUI child and collects what it prints.
func runTUIChild(path, dir string, flows int) ([]string, map[string]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(exe, childFlag, "-role", "tui", "-dir", dir, "-flows", strconv.Itoa(flows))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	w := bufio.NewWriterSize(stdin, 1<<20)
	enc := gob.NewEncoder(w)
	_, scanErr := har.ScanHAR(path, nil, func(f *capture.Flow) {
		if err := enc.Encode(f); err != nil {
			return // the child is gone; Wait says why
		}
	})
	w.Flush()
	stdin.Close()
	err = cmd.Wait()
	if err == nil {
		err = scanErr
	}
	out := stdout.String()
	var quarters []string
	var done map[string]string
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "rss "):
			kv := parseKV(line)
			quarters = append(quarters, kv["mb"]+" MB at "+kv["flows"])
		case strings.HasPrefix(line, "done "):
			done = parseKV(line)
		}
	}
	if err == nil && done == nil {
		err = fmt.Errorf("the TUI child printed no result")
	}
	return quarters, done, err
}

// findProvtap is the provtap binary to measure: the flag's, else one
// beside this binary, else on PATH, else built from this module.
func findProvtap(flagValue, dir string) (string, string, error) {
	if flagValue != "" && flagValue != "auto" {
		return flagValue, "", nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "provtap")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, "", nil
		}
	}
	if p, err := exec.LookPath("provtap"); err == nil {
		return p, "", nil
	}
	out := filepath.Join(dir, "provtap")
	build := exec.Command("go", "build", "-o", out, "github.com/provtap/provtap/cmd/provtap")
	if b, err := build.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("no provtap binary beside provtap-bench or on PATH (--provtap BINARY), and building one failed: %v %s", err, b)
	}
	return out, "built from this module for the run", nil
}

// loadAvg is the machine's 1-minute load average (-1: unknown).
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	v, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	return v
}

// ok: every measurement ran (a MISS is a figure, not a failure).
func (r *scaleReport) ok() bool {
	return (r.openErr == nil || !ptyWorks) && r.analyzeErr == nil && r.tuiErr == nil
}

func (r *scaleReport) print(w io.Writer) {
	fmt.Fprintf(w, "provtap-bench -scale %d: %d flows generated in %.1f s (%.0f MB), %d CPUs, load average %.2f before, %.2f after\n",
		r.n, r.flows, r.gen.Seconds(), r.sizeMB, runtime.NumCPU(), r.load1, r.loadLast)
	fmt.Fprintf(w, "provtap: %s %s\n\n", r.bin, r.binNote)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "work\tmeasured\tgoal\t")
	line := func(work, measured, goal string, ok bool, known bool) {
		verdict := "MISS"
		switch {
		case !known:
			verdict = "-"
		case ok:
			verdict = "PASS"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", work, measured, goal, verdict)
	}
	frameGoal := time.Second
	if r.n <= 100_000 {
		frameGoal = 500 * time.Millisecond
	}
	if r.skipped["open"] {
		// not asked for
	} else if r.openErr != nil {
		line("open: first frame", r.openErr.Error(), fmt.Sprintf("≤ %v", frameGoal), false, false)
	} else {
		o := r.open
		line("open: first screen drawn", secs(o.firstFrame), fmt.Sprintf("≤ %v", frameGoal), o.firstFrame <= frameGoal, true)
		line("open: first flows shown", secs(o.firstFlows), fmt.Sprintf("≤ %v", frameGoal), o.firstFlows <= frameGoal, true)
		progress := "progress shown"
		quick := o.loaded < 200*time.Millisecond // before the status line's first progress tick
		switch {
		case !o.progress && quick:
			progress = "done before the first progress tick"
		case !o.progress:
			progress = "no progress seen"
		}
		line("open: fully loaded", secs(o.loaded)+", "+progress, "≤ 10s with progress shown", o.loaded <= 10*time.Second && (o.progress || quick), true)
		line("open: peak RSS", fmt.Sprintf("%d MB", o.peakMB), "≤ 400 MB", o.peakMB <= 400, true)
	}
	if r.skipped["analyze"] {
		// not asked for
	} else if r.analyzeErr != nil {
		line("analyze --format json", r.analyzeErr.Error(), "≤ 0.25× jq's time", false, false)
	} else {
		ratio, known := "", r.jq > 0
		if known {
			ratio = fmt.Sprintf(" = %.2f× jq's %s (jq peak %d MB)", r.analyze.Seconds()/r.jq.Seconds(), secs(r.jq), r.jqMB)
		} else {
			ratio = " (" + r.jqNote + ")"
		}
		line("analyze --format json", secs(r.analyze)+ratio, "≤ 0.25× jq's time", known && r.analyze.Seconds() <= 0.25*r.jq.Seconds(), known)
		line("analyze: peak RSS", fmt.Sprintf("%d MB", r.analyzeMB), "≤ 300 MB", r.analyzeMB <= 300, true)
	}
	if r.skipped["tui"] {
		// not asked for
	} else if r.tuiErr != nil || r.tuiDone == nil {
		line("live TUI: RSS", fmt.Sprint("failed: ", r.tuiErr), "≤ 300 MB at 10⁶ flows, flat after warm-up", false, false)
	} else {
		d := r.tuiDone
		hwm, _ := strconv.Atoi(d["hwm"])
		line("live TUI: RSS at each quarter", strings.Join(r.tuiQuarters, ", "), "flat after warm-up", true, false)
		line("live TUI: peak RSS", fmt.Sprintf("%d MB after %s flows (%s s through recorder, analyzers and model)", hwm, d["flows"], d["secs"]),
			"≤ 300 MB at 10⁶ flows", hwm <= 300, true)
		flows, _ := strconv.Atoi(d["flows"])
		s, _ := strconv.ParseFloat(d["secs"], 64)
		p99, _ := time.ParseDuration(d["p99"])
		line("live TUI: a key while flows arrive", fmt.Sprintf("p50 %s, p99 %s over %s keys, at %.0f flows/s", d["p50"], d["p99"], d["keys"], float64(flows)/max(s, 0.001)),
			"responsive at 5,000 flows/s (p99 ≤ 100ms)", p99 <= 100*time.Millisecond && float64(flows)/max(s, 0.001) >= 5000, true)
	}
	tw.Flush()
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
