package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// run measures every target in interleaved rounds: per round, each scheme
// through each target back to back, so that drift hits them alike.
func run(cfg config) (*report, error) {
	e, err := newEnv(cfg)
	if err != nil {
		return nil, err
	}
	defer e.close()
	rep := &report{cfg: cfg}
	targets, err := startTargets(cfg, e, rep)
	defer func() {
		for _, t := range targets {
			t.p.stop()
		}
	}()
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		for _, s := range cfg.schemes {
			rep.rows = append(rep.rows, &row{target: t.name, scheme: s})
		}
	}
	// Connections, handshakes, upstream pools and mitmdump's certificate
	// are made once before the first round, then again briefly before each
	// measurement.
	warm := min(cfg.dur/5, time.Second)
	for _, s := range cfg.schemes {
		for _, t := range targets {
			rep.row(t.name, s).all += runLoad(e.spec(cfg, t, s, 0, warm)).all
		}
	}
	for round := 1; round <= cfg.rounds; round++ {
		for _, s := range cfg.schemes {
			for _, t := range roundOrder(targets, round) {
				r := rep.row(t.name, s)
				spec := e.spec(cfg, t, s, warm, cfg.dur)
				if t.p != nil {
					var cpu0 time.Duration
					var r0, w0 int64
					spec.onWindow = func(start bool) {
						pid := t.p.pid()
						if start {
							cpu0 = procCPU(pid)
							r0, w0 = procSyscalls(pid)
						} else {
							r.proxyCPU += procCPU(pid) - cpu0
							r1, w1 := procSyscalls(pid)
							r.proxyR += r1 - r0
							r.proxyW += w1 - w0
						}
					}
				}
				cpuBefore := r.proxyCPU
				res := runLoad(spec)
				r.add(res)
				if t.p != nil && res.n > 0 {
					r.perRoundCPU = append(r.perRoundCPU, float64((r.proxyCPU-cpuBefore).Microseconds())/float64(res.n))
				}
				rps := float64(res.n) / res.elapsed.Seconds()
				if cfg.progress != nil {
					fmt.Fprintf(cfg.progress, "round %d %-5s %-8s %8.0f req/s  errors %d\n", round, s, t.name, rps, res.errs)
				}
			}
		}
	}
	for _, r := range rep.rows {
		sortDurations(r.lat)
	}
	var answered, waits []string
	for _, t := range targets {
		if t.p == nil {
			continue
		}
		rep.rss = append(rep.rss, fmt.Sprintf("%s %d MB", t.name, procStatusKB(t.p.pid(), "VmHWM")/1024))
		answered = append(answered, fmt.Sprintf("%s %d", t.name, sumAll(rep, t.name)))
		st := t.p.stat()
		if st["schedp99"] != "" {
			waits = append(waits, fmt.Sprintf("%s %s/%s µs", t.name, st["schedp50"], st["schedp99"]))
		}
		if t.name == "provtap" && st != nil {
			rep.notes = append(rep.notes, fmt.Sprintf("provtap consumer: %s flows recorded+analyzed of %d requests answered, %s findings",
				st["flows"], sumAll(rep, "provtap"), st["findings"]))
		}
	}
	if len(waits) > 0 {
		rep.notes = append(rep.notes, "goroutines' wait for a thread, p50/p99 over the run (runtime/metrics): "+strings.Join(waits, ", "))
	}
	rep.notes = append(rep.notes, "requests answered, warm-up included (to normalize CPU profiles): "+strings.Join(answered, ", "))
	return rep, nil
}

// roundOrder is the order the targets run in a round: as given in odd
// rounds, reversed in even ones. A machine that drifts within a round (a
// neighbour's burst starting, caches warming) then favours neither the
// target that runs first nor the one that runs last.
func roundOrder(targets []*target, round int) []*target {
	if round%2 == 1 {
		return targets
	}
	out := slices.Clone(targets)
	slices.Reverse(out)
	return out
}

// startTargets starts the proxies cfg asks for; direct needs none.
func startTargets(cfg config, e *env, rep *report) ([]*target, error) {
	want := func(name string) bool { return cfg.targets == nil || cfg.targets[name] }
	prof := func(kind string) []string {
		if cfg.cpuprofile == "" {
			return nil
		}
		return []string{"-cpuprofile", cfg.cpuprofile + "-" + kind + ".pprof"}
	}
	var targets []*target
	if want("direct") {
		targets = append(targets, &target{name: "direct"})
	}
	if want("bare") {
		bare, err := startChild("bare", append([]string{"-role", "bare", "-home", filepath.Join(e.dir, "home")}, prof("bare")...)...)
		if err != nil {
			return targets, err
		}
		targets = append(targets, &target{name: "bare", p: bare, roots: e.roots})
	}
	if want("provtap") {
		args := prof("provtap")
		if cfg.consumer != "" {
			args = append(args, "-consumer", cfg.consumer)
		}
		pt, err := e.startProvtap(args...)
		if err != nil {
			return targets, err
		}
		targets = append(targets, &target{name: "provtap", p: pt, roots: e.roots})
	}
	switch {
	case !want("mitmdump"):
	case cfg.mitmdump == "":
		rep.notes = append(rep.notes, "mitmdump skipped: not on PATH (or -mitmdump none)")
	default:
		md, pool, err := startMitmdump(cfg.mitmdump, filepath.Join(e.dir, "mitmproxy"))
		if err != nil {
			rep.notes = append(rep.notes, "mitmdump skipped: "+err.Error())
		} else {
			targets = append(targets, &target{name: "mitmdump", p: md, roots: pool})
		}
	}
	return targets, nil
}

func (e *env) spec(cfg config, t *target, scheme string, warm, dur time.Duration) loadSpec {
	s := loadSpec{upstream: e.upstreamAddr(scheme), https: scheme == "https", roots: t.roots,
		conns: cfg.conns, rate: cfg.rate, warm: warm, dur: dur}
	if t.p != nil {
		s.proxy = t.p.addrs[0]
	}
	return s
}

func (r *row) add(res loadResult) {
	r.n += res.n
	r.errs += res.errs
	r.all += res.all
	if res.lastErr != nil {
		r.lastErr = res.lastErr
	}
	r.elapsed += res.elapsed
	r.lat = append(r.lat, res.lat...)
	r.clientCPU += res.clientCPU
	r.perRound = append(r.perRound, float64(res.n)/res.elapsed.Seconds())
}

func sumAll(rep *report, target string) int {
	n := 0
	for _, r := range rep.rows {
		if r.target == target {
			n += r.all
		}
	}
	return n
}
