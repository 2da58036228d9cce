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
	rate       int // total requests per second the load generator paces itself to (0: as fast as answered)
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

func cli(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("provtap-bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var cfg config
	fs.IntVar(&cfg.conns, "c", 20, "concurrent keep-alive client `CONNECTIONS` of the load generator")
	fs.IntVar(&cfg.rate, "rate", 0, "pace the load generator to `REQ/S` in all (0: each connection sends as soon as it is answered); at a rate every target sustains, CPU per request compares the proxies' work without the drift of a saturated machine")
	fs.DurationVar(&cfg.dur, "d", 2*time.Second, "measured `DURATION` per target, scheme and round (after a short warm-up)")
	fs.IntVar(&cfg.rounds, "rounds", 8, "interleaved `ROUNDS`: every target and scheme once per round")
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
	perRoundCPU    []float64     // the proxy's CPU µs per request
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
