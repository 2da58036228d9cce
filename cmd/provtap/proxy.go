package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/capture/proxy"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

// proxyConfig is the parsed command line of `provtap [flags]`.
type proxyConfig struct {
	opts   proxy.Options
	home   string
	record string
	noTUI  bool
}

func cmdProxy(args []string) int {
	fs := newFlags("provtap", "provtap [flags]",
		`Runs the MITM proxy and shows every request live. Point the connector at it
as an HTTP(S) proxy (for https, trust the CA: provtap ca --hints), or use
--target to put provtap in front of the target as a reverse proxy.
Every flow is recorded to a HAR capture file as it completes.`)
	var cfg proxyConfig
	var target, upstream string
	fs.StringVar(&cfg.opts.Listen, "listen", "127.0.0.1:8080", "`address` to listen on (a non-loopback address needs --proxy-auth)")
	fs.StringVar(&target, "target", "", "reverse mode: clients call provtap's address instead of this base `URL`; no proxy settings or CA trust needed")
	fs.StringVar(&upstream, "upstream-proxy", "", "send upstream traffic through this corporate proxy `URL`")
	fs.BoolVar(&cfg.opts.InsecureUpstream, "insecure-upstream", false, "accept an upstream's self-signed or otherwise unverifiable certificate (test systems)")
	fs.StringVar(&cfg.record, "record", "", "capture `file` (HAR); default: a new file under <home>/captures/")
	fs.BoolVar(&cfg.noTUI, "no-tui", false, "headless: print one line per flow and per finding on stdout")
	fs.StringVar(&cfg.home, "home", proxy.DefaultHome(), "`directory` for the CA and captures ($PROVTAP_HOME)")
	fs.Int64Var(&cfg.opts.MaxBody, "max-body", proxy.DefaultMaxBody, "body `bytes` kept per message (larger bodies stream through whole, the rest is not recorded)")
	fs.StringVar(&cfg.opts.ProxyAuth, "proxy-auth", "", "`user:pass` clients must send as Proxy-Authorization (required off loopback)")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return fail("proxy", "unknown command %q (see provtap help)", pos[0])
	}
	if target != "" {
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fail("proxy", "--target must be an http:// or https:// URL, got %q", target)
		}
		cfg.opts.Target = u
	}
	if upstream != "" {
		u, err := url.Parse(upstream)
		if err != nil || u.Host == "" {
			return fail("proxy", "--upstream-proxy must be a URL like http://proxy.corp:3128, got %q", upstream)
		}
		cfg.opts.UpstreamProxy = u
	}
	if cfg.opts.MaxBody < 0 {
		return fail("proxy", "--max-body must be 0 or more")
	}
	if cfg.opts.MaxBody == 0 {
		cfg.opts.MaxBody = -1 // keep nothing
	}
	if err := checkListen(cfg.opts.Listen, cfg.opts.ProxyAuth); err != nil {
		return fail("proxy", "%v", err)
	}
	return runProxy(cfg)
}

// checkListen refuses an open MITM proxy on the network.
func checkListen(addr, auth string) error {
	if auth != "" {
		if !strings.Contains(auth, ":") {
			return fmt.Errorf("--proxy-auth must be user:pass")
		}
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to listen on %s without --proxy-auth user:pass: anyone who can reach an open MITM proxy can read and replay what passes through it", addr)
}

func runProxy(cfg proxyConfig) int {
	proxy.TuneRuntime()
	if cfg.opts.Target == nil {
		ca, err := proxy.LoadOrCreateCA(cfg.home)
		if err != nil {
			return fail("proxy", "CA in %s: %v", cfg.home, err)
		}
		cfg.opts.CA = ca
	}
	path := cfg.record
	if path == "" {
		path = har.DefaultCapturePath(cfg.home)
	}
	rec, err := har.NewRecorder(path)
	if err != nil {
		return fail("proxy", "capture file: %v", err)
	}
	p, err := proxy.Listen(cfg.opts)
	if err != nil {
		rec.Close()
		os.Remove(path)
		return fail("proxy", "%v", err)
	}
	mode := "forward proxy http://" + p.Addr()
	if cfg.opts.Target != nil {
		mode = "reverse http://" + p.Addr() + " → " + cfg.opts.Target.String()
	}
	eng := analyze.NewEngine()
	if !cfg.noTUI {
		return runLiveTUI(p, rec, eng, mode)
	}
	return runHeadless(p, rec, eng, mode)
}

// runHeadless prints one line per flow and per finding until SIGINT or
// SIGTERM, then closes the capture into valid HAR.
func runHeadless(p *proxy.Proxy, rec *har.Recorder, eng *analyze.Engine, mode string) int {
	fmt.Fprintf(os.Stderr, "provtap: %s; recording to %s (Ctrl-C to stop)\n", mode, rec.Path())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; p.Close() }()
	var reported error
	har.Pump(p.Flows(), rec, func(f *capture.Flow, _ har.Loc, recErr error) {
		if recErr != nil && reported == nil {
			reported = recErr
			fmt.Fprintf(os.Stderr, "provtap: %v — still forwarding, no longer recording to %s\n", recErr, rec.Path())
		}
		fmt.Println(flowLine(f))
		for _, fd := range eng.Add(f) {
			fmt.Println("  " + fd.Line())
		}
	})
	for _, fd := range eng.Flush() {
		fmt.Println("  " + fd.Line())
	}
	recErr := rec.Err()
	if err := rec.Close(); err != nil && recErr == nil {
		recErr = err
	}
	if recErr != nil {
		fmt.Fprintf(os.Stderr, "provtap: capture %s incomplete: %v\n", rec.Path(), recErr)
		return 1
	}
	fmt.Fprintf(os.Stderr, "provtap: %d flows recorded in %s\n", rec.Entries(), rec.Path())
	return 0
}

// flowLine is the headless one-line summary of a flow.
func flowLine(f *capture.Flow) string {
	status := fmt.Sprint(f.Status)
	if f.Status == 0 {
		status = "---"
	}
	line := fmt.Sprintf("%s #%d %-7s %s %s %s", f.Start.Local().Format("15:04:05.000"), f.ID, f.Method, status,
		f.URL, shortDuration(f.Duration()))
	if f.Error != "" {
		line += "  ! " + f.Error
	}
	return line
}

// shortDuration keeps sub-millisecond loopback calls from all reading "0s".
func shortDuration(d time.Duration) time.Duration {
	if d < 10*time.Millisecond {
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
