package main

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

func (rep *report) print(w io.Writer) {
	cfg := rep.cfg
	fmt.Fprintf(w, "provtap-bench: %d connections, %v × %d interleaved rounds per target and scheme, %d CPUs; "+
		"upstream, bare and provtap are separate processes, the load generator is this one\n",
		cfg.conns, cfg.dur, cfg.rounds, runtime.NumCPU())
	if cfg.consumer != "" && cfg.consumer != "full" {
		fmt.Fprintf(w, "provtap's consumer: %s only (not headless mode's HAR + analyzers)\n", cfg.consumer)
	}
	if cfg.h2 {
		fmt.Fprintln(w, "https upstream offers HTTP/2")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\tscheme\treq/s\tp50\tp99\terrors\tproxy CPU/req\tproxy syscalls/req r+w\tper round req/s\t")
	for _, r := range rep.rows {
		cpu, sys := "-", "-"
		if r.target != "direct" && r.n > 0 {
			cpu = fmt.Sprintf("%.0fµs", float64(r.proxyCPU.Microseconds())/float64(r.n))
			if r.proxyR+r.proxyW > 0 { // Python's recv/send are not counted in /proc/PID/io
				sys = fmt.Sprintf("%.1f+%.1f", float64(r.proxyR)/float64(r.n), float64(r.proxyW)/float64(r.n))
			}
		}
		var rounds []string
		for _, x := range r.perRound {
			rounds = append(rounds, fmt.Sprintf("%.0f", x))
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%s\t%d\t%s\t%s\t%s\t\n", r.target, r.scheme, r.rps(),
			ms(percentile(r.lat, 50)), ms(percentile(r.lat, 99)), r.errs, cpu, sys, strings.Join(rounds, " "))
	}
	tw.Flush()
	for _, r := range rep.rows {
		if r.lastErr != nil {
			fmt.Fprintf(w, "last error %s %s: %v\n", r.target, r.scheme, r.lastErr)
		}
	}

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "ratio\t%s\ttarget\t\n", strings.Join(cfg.schemes, "\t"))
	line := func(name, goal string, f func(s string) string) {
		cells := []string{name}
		for _, s := range cfg.schemes {
			cells = append(cells, f(s))
		}
		fmt.Fprintf(tw, "%s\t%s\t\n", strings.Join(cells, "\t"), goal)
	}
	ratio := func(a, b float64) string {
		if a == 0 || b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", a/b)
	}
	get := func(t, s string) *row {
		if r := rep.row(t, s); r != nil && r.n > 0 {
			return r
		}
		return nil
	}
	both := func(a, b string, s string, f func(x, y *row) string) string {
		x, y := get(a, s), get(b, s)
		if x == nil || y == nil {
			return "-"
		}
		return f(x, y)
	}
	// Throughput is judged on the median of the per-round ratios: provtap
	// and bare run back to back in each round, so a round's ratio compares
	// them under the same machine load, and the median ignores one round
	// that a neighbour's burst hit. The ratio of the sums over all rounds is
	// printed too: it lets one slow round of either target weigh in.
	// Paced, every target answers at the same rate: req/s says only
	// whether each kept up, so it is not judged (goal 0 prints no verdict).
	rpsGoal, mdGoal := goalRPS, goalMitmdump
	if cfg.rate > 0 {
		rpsGoal, mdGoal = 0, nil
	}
	line("req/s provtap/bare, median of rounds", "≥ 0.90", func(s string) string {
		return both("provtap", "bare", s, func(x, y *row) string {
			return judged(medianRatio(x.perRound, y.perRound), rpsGoal, true)
		})
	})
	line("req/s provtap/bare, all rounds", "≥ 0.90", func(s string) string {
		return both("provtap", "bare", s, func(x, y *row) string { return judged(x.rps()/y.rps(), rpsGoal, true) })
	})
	line("req/s provtap/mitmdump", "≥ 12 http, ≥ 10 https", func(s string) string {
		return both("provtap", "mitmdump", s, func(x, y *row) string {
			return judged(x.rps()/y.rps(), mdGoal[s], true)
		})
	})
	line("p99 provtap/bare", "≤ 1.20", func(s string) string {
		return both("provtap", "bare", s, func(x, y *row) string {
			return judged(float64(percentile(x.lat, 99))/float64(percentile(y.lat, 99)), goalP99, false)
		})
	})
	line("proxy CPU/req provtap/bare", "(noise-resistant)", func(s string) string {
		return both("provtap", "bare", s, func(x, y *row) string {
			return ratio(float64(x.proxyCPU)/float64(x.n), float64(y.proxyCPU)/float64(y.n))
		})
	})
	line("proxy CPU/req provtap/bare, median of rounds", "", func(s string) string {
		return both("provtap", "bare", s, func(x, y *row) string {
			if r := medianRatio(x.perRoundCPU, y.perRoundCPU); r > 0 {
				return fmt.Sprintf("%.2f", r)
			}
			return "-"
		})
	})
	line("req/s bare/direct", "", func(s string) string {
		return both("bare", "direct", s, func(x, y *row) string { return ratio(x.rps(), y.rps()) })
	})
	line("req/s provtap/bare by round", "", func(s string) string {
		return both("provtap", "bare", s, func(x, y *row) string {
			var out []string
			for i := range min(len(x.perRound), len(y.perRound)) {
				out = append(out, ratio(x.perRound[i], y.perRound[i]))
			}
			return strings.Join(out, " ")
		})
	})
	tw.Flush()

	fmt.Fprintln(w)
	if cfg.rate > 0 {
		fmt.Fprintf(w, "paced at %d req/s in all: req/s is not judged (the goals are for unpaced load); compare CPU per request\n", cfg.rate)
	}
	for _, s := range cfg.schemes {
		if r := get("direct", s); r != nil {
			fmt.Fprintf(w, "load generator: %.1fµs CPU per request, %.0f%% of one CPU (direct %s)\n",
				float64(r.clientCPU.Microseconds())/float64(r.n), 100*r.clientCPU.Seconds()/r.elapsed.Seconds(), s)
		}
	}
	if len(rep.rss) > 0 {
		fmt.Fprintf(w, "peak RSS (VmHWM): %s\n", strings.Join(rep.rss, ", "))
	}
	for _, n := range rep.notes {
		fmt.Fprintln(w, n)
	}
}

// The goals the ratios are judged against (issue 12).
const (
	goalRPS = 0.90 // req/s provtap/bare, at least
	goalP99 = 1.20 // p99 provtap/bare, at most
)

var goalMitmdump = map[string]float64{"http": 12, "https": 10} // req/s provtap/mitmdump, at least

// judged prints a ratio with PASS or MISS against its goal (at least the
// goal when atLeast, else at most); "-" when there is no ratio.
func judged(r, goal float64, atLeast bool) string {
	if r == 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return "-"
	}
	if goal == 0 {
		return fmt.Sprintf("%.2f", r)
	}
	verdict := "MISS"
	if atLeast && r >= goal || !atLeast && r <= goal {
		verdict = "PASS"
	}
	return fmt.Sprintf("%.2f %s", r, verdict)
}

// medianRatio is the median of a[i]/b[i] over the rounds both have.
func medianRatio(a, b []float64) float64 {
	var rs []float64
	for i := range min(len(a), len(b)) {
		if a[i] > 0 && b[i] > 0 {
			rs = append(rs, a[i]/b[i])
		}
	}
	if len(rs) == 0 {
		return 0
	}
	sort.Float64s(rs)
	if n := len(rs); n%2 == 0 {
		return (rs[n/2-1] + rs[n/2]) / 2
	}
	return rs[len(rs)/2]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
}
