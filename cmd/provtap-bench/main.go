// Command provtap-bench measures provtap against a direct connection, bare
// martian (same upstream transport) and mitmdump, interleaved in rounds,
// over http and over https through CONNECT; -mem measures provtap's peak RSS
// under a large upload, a large download and 500 connections.
//
// Every process under test runs apart from the load generator: the upstream
// and the two Go proxies are this binary re-executed as children (so each
// has its own scheduler and GC), mitmdump is itself.
package main

import (
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/provtap/provtap/capture/proxy"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == childFlag {
		os.Exit(childMain(os.Args[2:]))
	}
	os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	conns      int
	dur        time.Duration
	rounds     int
	schemes    []string
	targets    map[string]bool // nil: all
	mitmdump   string          // path; "" skips it
	h2         bool
	cpuprofile string // prefix of the children's CPU profiles
	consumer   string // provtap child's flow consumer (full, record, analyze, drain)
	mem        bool
	memConns   int
	memDur     time.Duration
	progress   io.Writer
	scale      int             // -scale N: the large-capture mode
	seed       int64           // its corpus's seed
	provtap    string          // the provtap binary it measures
	parts      map[string]bool // what scale mode measures: open, analyze, tui
}

const benchAbout = `Measures what putting provtap between a connector and its target costs,
side by side with the alternatives, on this machine.

It starts a SCIM-like upstream (GET /scim/v2/Users/{id}, a small JSON user,
over http and https) and reaches it through each target, in interleaved
rounds so that the machine's drift hits every target alike:

  direct    no proxy: the machine's ceiling for this load
  bare      martian with provtap's upstream transport and MITM, recording
            and analyzing nothing: what the proxy machinery costs
  provtap   provtap as --no-tui runs it: every flow recorded to a HAR
            file and analyzed (see --provtap-consumer)
  mitmdump  mitmproxy's mitmdump, when it is on PATH (or --mitmdump)

https goes through CONNECT and the proxy's MITM, as a connector's calls do.
The upstream and the Go proxies run as child processes of this binary, each
with its own Go runtime; the load generator is this process, a lean
HTTP/1.1 client on -c keep-alive connections.

It prints, per target and scheme: requests per second, p50 and p99 latency,
errors, the proxy process's CPU time and read/write system calls per
request, and req/s per round. Then the ratios, each beside the target
provtap is held to: req/s provtap/bare ≥ 0.90, req/s provtap/mitmdump
≥ 12 over http and ≥ 10 over https, p99 provtap/bare ≤ 1.50, and, for
information, proxy CPU per request provtap/bare and req/s bare/direct.
Last, what provtap recorded and analyzed, and each proxy's peak RSS.

-scale N instead measures provtap on a night's run of N flows: it generates
an N-flow capture (many service accounts interleaved, no client addresses,
the seeds' failures inside; --seed picks it), then times provtap open on a
pseudo-terminal to its first screen, its first flows shown and all flows
loaded (and its peak RSS), provtap analyze --format json against jq's
'.log.entries|length' on the same file (jq skipped, with a note, when it is
not installed), and feeds the N flows through the live TUI — recorded to a
capture, analyzed, held by the real UI model, which reads headers and
bodies back from the file — in a process of its own: its RSS at each
quarter and at the end, and how long a key waits while the flows arrive.
Each figure is printed beside its goal with PASS or MISS: open's first
frame ≤ 0.5 s up to 100,000 flows and ≤ 1 s above, fully loaded ≤ 10 s
with progress shown and ≤ 400 MB; analyze ≤ 0.25× jq's time and ≤ 300 MB;
the live TUI ≤ 300 MB at 10⁶ flows, flat after warm-up, a key's p99 ≤
100 ms at ≥ 5,000 flows/s. The provtap measured is --provtap, else the
one beside this binary, else on PATH, else built from this module;
--scale-parts picks some of them; PROVTAP_BENCH_HEAP=FILE writes the TUI child's heap profile to FILE.

--mem instead checks provtap's memory: a 50 MB upload and a 64 MB download
(https, verified by length and CRC-32 at the far end) and --mem-c
connections at once for --mem-d; it exits 1 when a transfer fails or the
peak RSS exceeds 250 MB.

Exit status: 0 when it ran, 1 when a measurement failed, 2 for a wrong
command line.`

func cli(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("provtap-bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var cfg config
	fs.IntVar(&cfg.conns, "c", 20, "concurrent keep-alive client `CONNECTIONS` of the load generator")
	fs.DurationVar(&cfg.dur, "d", 5*time.Second, "measured `DURATION` per target, scheme and round (after a short warm-up)")
	fs.IntVar(&cfg.rounds, "rounds", 3, "interleaved `ROUNDS`: every target and scheme once per round")
	schemes := fs.String("schemes", "http,https", "`SCHEMES` to measure, comma-separated: http, https (through CONNECT and MITM)")
	targets := fs.String("targets", "direct,bare,provtap,mitmdump", "`TARGETS` to measure, comma-separated: direct, bare, provtap, mitmdump")
	mitm := fs.String("mitmdump", "auto", "the mitmdump `BINARY`: auto (from PATH, skipped when absent) or none (skip)")
	fs.BoolVar(&cfg.h2, "h2", false, "the https upstream offers HTTP/2 (the proxies' upstream transports then use it)")
	fs.StringVar(&cfg.cpuprofile, "cpuprofile", "", "write CPU profiles of the proxy children to `PREFIX`-provtap.pprof and PREFIX-bare.pprof")
	fs.StringVar(&cfg.consumer, "provtap-consumer", "full", "`CONSUMER`: what provtap does with each flow, to tell the costs apart: full (HAR + analyzers, as --no-tui), record, analyze or drain (nothing)")
	fs.BoolVar(&cfg.mem, "mem", false, "memory mode: provtap's peak RSS under a 50 MB upload, a 64 MB download and --mem-c connections")
	fs.IntVar(&cfg.memConns, "mem-c", 500, "`CONNECTIONS` at once in memory mode (half http, half https)")
	fs.DurationVar(&cfg.memDur, "mem-d", 8*time.Second, "`DURATION` of the connection load in memory mode")
	fs.IntVar(&cfg.scale, "scale", 0, "scale mode: generate a capture of `N` flows and measure open, analyze and the live TUI on it")
	fs.Int64Var(&cfg.seed, "seed", 1, "the generated capture's `SEED` in scale mode")
	parts := fs.String("scale-parts", "open,analyze,tui", "what scale mode measures, comma-separated: `PARTS` of open, analyze (with jq), tui")
	fs.StringVar(&cfg.provtap, "provtap", "auto", "the provtap `BINARY` scale mode measures: auto (beside this binary, on PATH, or built)")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, fs)
			return 0
		}
		fmt.Fprintf(stderr, "provtap-bench: %s (provtap-bench --help lists the flags)\n", strings.Replace(err.Error(), " -", " --", 1))
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "provtap-bench: takes no arguments, got %q (provtap-bench --help)\n", fs.Arg(0))
		return 2
	}
	cfg.schemes = strings.Split(*schemes, ",")
	for _, s := range cfg.schemes {
		if s != "http" && s != "https" {
			fmt.Fprintf(stderr, "provtap-bench: --schemes %s: %q is not http or https\n", *schemes, s)
			return 2
		}
	}
	cfg.targets = map[string]bool{}
	for _, t := range strings.Split(*targets, ",") {
		switch t {
		case "direct", "bare", "provtap", "mitmdump":
		default:
			fmt.Fprintf(stderr, "provtap-bench: --targets %s: %q is not direct, bare, provtap or mitmdump\n", *targets, t)
			return 2
		}
		cfg.targets[t] = true
	}
	switch cfg.consumer {
	case "full", "record", "analyze", "drain":
	default:
		fmt.Fprintf(stderr, "provtap-bench: --provtap-consumer %s: want full, record, analyze or drain\n", cfg.consumer)
		return 2
	}
	if !*quiet {
		cfg.progress = stderr
	}
	cfg.parts = map[string]bool{}
	for _, p := range strings.Split(*parts, ",") {
		if p != "open" && p != "analyze" && p != "tui" {
			fmt.Fprintf(stderr, "provtap-bench: --scale-parts %s: %q is not open, analyze or tui\n", *parts, p)
			return 2
		}
		cfg.parts[p] = true
	}
	switch *mitm {
	case "none":
	case "auto":
		if path, err := exec.LookPath("mitmdump"); err == nil {
			cfg.mitmdump = path
		}
	default:
		cfg.mitmdump = *mitm
	}
	var mode func(config) (result, error) // the other modes
	switch {
	case cfg.scale > 0:
		mode = func(c config) (result, error) { return runScale(c) }
	case cfg.mem:
		mode = func(c config) (result, error) { return runMem(c) }
	}
	if mode != nil {
		r, err := mode(cfg)
		if err != nil {
			fmt.Fprintln(stderr, "provtap-bench:", err)
			return 1
		}
		r.print(stdout)
		if !r.ok() {
			return 1
		}
		return 0
	}
	rep, err := run(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "provtap-bench:", err)
		return 1
	}
	rep.print(stdout)
	return 0
}

// result is what the -mem and -scale modes print; not ok: a measurement
// failed or a limit was exceeded (exit status 1).
type result interface {
	print(io.Writer)
	ok() bool
}

// printHelp is --help: what the benchmark runs, the targets, each flag.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: provtap-bench [flags]\n\n%s\n\nflags:\n", benchAbout)
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		line := "  " + dash + f.Name
		if arg != "" {
			line += " " + arg
		}
		if d := f.DefValue; d != "" && d != "0" && d != "false" {
			usage += " (default " + d + ")"
		}
		fmt.Fprintf(w, "%s\n        %s\n", line, usage)
	})
}

// target is one way of reaching the upstream.
type target struct {
	name  string
	p     *proc // the proxy process; nil for direct
	roots *x509.CertPool
}

// row aggregates one target and scheme over all rounds.
type row struct {
	target, scheme string
	n, errs, all   int
	lastErr        error
	elapsed        time.Duration
	lat            []time.Duration
	perRound       []float64     // req/s
	proxyCPU       time.Duration // the proxy process's CPU in the measured windows
	proxyR, proxyW int64         // and its read and write system calls
	clientCPU      time.Duration
}

func (r *row) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.n) / r.elapsed.Seconds()
}

type report struct {
	cfg   config
	rows  []*row
	notes []string
	rss   []string
}

func (rep *report) row(target, scheme string) *row {
	for _, r := range rep.rows {
		if r.target == target && r.scheme == scheme {
			return r
		}
	}
	return nil
}

// env is what both modes start: a temp dir, the CA, the upstream.
type env struct {
	dir      string
	ca       *proxy.CA
	roots    *x509.CertPool
	upstream *proc
}

func newEnv(cfg config) (*env, error) {
	dir, err := os.MkdirTemp("", "provtap-bench-")
	if err != nil {
		return nil, err
	}
	e := &env{dir: dir}
	if e.ca, err = proxy.LoadOrCreateCA(filepath.Join(dir, "home")); err != nil {
		e.close()
		return nil, err
	}
	e.roots = x509.NewCertPool()
	e.roots.AddCert(e.ca.Cert)
	args := []string{"-role", "upstream"}
	if cfg.h2 {
		args = append(args, "-h2")
	}
	if e.upstream, err = startChild("upstream", args...); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *env) close() {
	e.upstream.stop()
	os.RemoveAll(e.dir)
}

func (e *env) upstreamAddr(scheme string) string {
	if scheme == "https" {
		return e.upstream.addrs[1]
	}
	return e.upstream.addrs[0]
}

func (e *env) startProvtap(extra ...string) (*proc, error) {
	args := []string{"-role", "provtap", "-home", filepath.Join(e.dir, "home"), "-har", filepath.Join(e.dir, "capture.har")}
	return startChild("provtap", append(args, extra...)...)
}

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
			for _, t := range targets {
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
				res := runLoad(spec)
				r.add(res)
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
	var answered []string
	for _, t := range targets {
		if t.p == nil {
			continue
		}
		rep.rss = append(rep.rss, fmt.Sprintf("%s %d MB", t.name, procStatusKB(t.p.pid(), "VmHWM")/1024))
		answered = append(answered, fmt.Sprintf("%s %d", t.name, sumAll(rep, t.name)))
		if st := t.p.stat(); t.name == "provtap" && st != nil {
			rep.notes = append(rep.notes, fmt.Sprintf("provtap consumer: %s flows recorded+analyzed of %d requests answered, %s findings",
				st["flows"], sumAll(rep, "provtap"), st["findings"]))
		}
	}
	rep.notes = append(rep.notes, "requests answered, warm-up included (to normalize CPU profiles): "+strings.Join(answered, ", "))
	return rep, nil
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
		conns: cfg.conns, warm: warm, dur: dur}
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
