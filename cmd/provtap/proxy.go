package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/ui"
)

const proxyAbout = `Runs the MITM proxy and shows every request live. Point the connector at it
as an HTTP(S) proxy (for https, trust the CA: provtap ca --hints), or use
--target to put provtap in front of the target as a reverse proxy.

Every flow is written to a HAR capture file before it is shown (a new file
under <home>/captures/ unless --record names one); Ctrl-C closes the file
into valid JSON. An existing --record file is never overwritten: --append
continues a provtap capture.`

// proxyConfig is the parsed command line of `provtap [flags]`.
type proxyConfig struct {
	opts    proxy.Options
	home    string
	record  string
	append  bool
	noTUI   bool
	caFiles stringList
	clock   *clock
}

func cmdProxy(args []string, stdout, stderr io.Writer) int {
	c := newCLI("provtap", "provtap [flags]", proxyAbout, stdout, stderr)
	c.extra = []string{"version"}
	c.intro = "provtap — watch an identity connector's HTTP calls and learn why they fail."
	c.moreHelp = listCommands
	var cfg proxyConfig
	var target, upstream string
	fs := c.fs
	fs.StringVar(&cfg.opts.Listen, "listen", proxy.DefaultListen, "`ADDR` to listen on (a non-loopback address needs --proxy-auth); the default is not 8080, Tomcat's")
	fs.StringVar(&target, "target", "", "reverse mode: clients call provtap's address instead of this base `URL`; no proxy settings or CA trust needed")
	fs.StringVar(&upstream, "upstream-proxy", "", "send upstream traffic through this corporate proxy `URL` (checked once at start-up)")
	fs.Var(&cfg.caFiles, "upstream-ca", "also trust the CA certificates in this PEM `FILE` for upstream TLS (an internal PKI); may be given more than once")
	fs.BoolVar(&cfg.opts.InsecureUpstream, "insecure-upstream", false, "accept any upstream certificate, unverified (test systems only; prefer --upstream-ca)")
	fs.StringVar(&cfg.record, "record", "", "capture `FILE` (HAR), never overwritten; default: a new file under <home>/captures/")
	fs.BoolVar(&cfg.append, "append", false, "with --record: continue that provtap capture instead of refusing an existing file")
	fs.BoolVar(&cfg.noTUI, "no-tui", false, "headless: print one line per flow and per finding on stdout")
	fs.StringVar(&cfg.home, "home", proxy.DefaultHome(), "`DIR` for the CA and captures ($PROVTAP_HOME); created 0700, an existing one keeps its mode")
	fs.Int64Var(&cfg.opts.MaxBody, "max-body", proxy.DefaultMaxBody, "body `BYTES` kept per message (larger bodies stream through whole, the rest is not recorded)")
	fs.StringVar(&cfg.opts.ProxyAuth, "proxy-auth", "", "`USER:PASS` clients must send as Proxy-Authorization (required off loopback)")
	cfg.clock = addClockFlags(c)
	pos, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return unknownCommand(c, pos[0])
	}
	if target != "" {
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c.fail("--target must be an http:// or https:// URL, got %q", target)
		}
		cfg.opts.Target = u
	}
	if upstream != "" {
		u, err := url.Parse(upstream)
		if err != nil || u.Host == "" || !contains([]string{"http", "https", "socks5", "socks5h"}, u.Scheme) {
			return c.fail("--upstream-proxy must be a URL like http://proxy.corp:3128, got %q", upstream)
		}
		cfg.opts.UpstreamProxy = u
	}
	if cfg.opts.MaxBody < 0 {
		return c.fail("--max-body %d: must be 0 or more", cfg.opts.MaxBody)
	}
	if cfg.opts.MaxBody == 0 {
		cfg.opts.MaxBody = -1 // keep nothing
	}
	if err := checkListen(cfg.opts.Listen, cfg.opts.ProxyAuth); err != nil {
		return c.fail("%v", err)
	}
	if err := cfg.clock.check(); err != nil {
		return c.fail("%v", err)
	}
	if cfg.append && cfg.record == "" {
		return c.fail("--append continues the capture --record FILE names; give --record FILE")
	}
	// Without a terminal, say what to run before anything is created.
	if !cfg.noTUI && !canRunTUI(stdout) {
		return c.fail("the live view needs a terminal (stdin and stdout); without one run provtap --no-tui with the same flags: one line per flow and per finding on stdout")
	}
	return runProxy(c, cfg)
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
		return fmt.Errorf("--listen %s: want host:port, like %s", addr, proxy.DefaultListen)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to listen on %s without --proxy-auth user:pass: anyone who can reach an open MITM proxy can read and replay what passes through it", addr)
}

func runProxy(c *cli, cfg proxyConfig) int {
	if len(cfg.caFiles) > 0 {
		roots, err := loadRoots(cfg.caFiles)
		if err != nil {
			return c.fail("%v", err)
		}
		cfg.opts.UpstreamRoots = roots
	}
	// The capture file is checked before anything is created. A new one is
	// created only once the proxy listens (a port in use leaves nothing
	// behind); a capture to continue is opened now, to number the new flows
	// after its own, and closed as it was on a failure after this.
	var rec *har.Recorder
	continued := "" // the capture continued, when it holds flows
	if cfg.append {
		r, err := openAppend(cfg.record)
		if err != nil {
			return c.fail("%v", err)
		}
		rec = r
		if r != nil && r.Entries() > 0 {
			continued = cfg.record
			cfg.opts.NumberAfter = r.Entries()
		}
	} else if cfg.record != "" {
		if _, err := os.Lstat(cfg.record); err == nil {
			return c.fail("%v", existsError(cfg.record, "add --append to continue that capture, choose another --record FILE, or leave --record out for a new file under "+filepath.Join(cfg.home, "captures")))
		}
	}
	fail := func(format string, a ...any) int {
		if rec != nil {
			rec.Close()
		}
		return c.fail(format, a...)
	}
	if err := prepareHome(cfg.home); err != nil {
		return fail("%v", err)
	}
	if cfg.opts.Target == nil {
		ca, err := proxy.LoadOrCreateCA(cfg.home)
		if err != nil {
			return fail("CA in %s: %v", cfg.home, err)
		}
		warnOpenHome(c, cfg.home, ca.KeyFile)
		cfg.opts.CA = ca
	}
	zone, _ := cfg.clock.location(nil)
	proxy.TuneRuntime()
	p, err := proxy.Listen(cfg.opts)
	if err != nil {
		return fail("--listen %s: %v", cfg.opts.Listen, listenProblem(cfg.opts.Listen, err))
	}
	if rec == nil {
		if rec, err = newRecorder(cfg); err != nil {
			p.Close()
			return c.fail("%v", err)
		}
	}
	mode := "forward proxy http://" + p.Addr()
	if cfg.opts.Target != nil {
		mode = "reverse http://" + p.Addr() + " → " + cfg.opts.Target.String()
	}
	note := ""
	if u := cfg.opts.UpstreamProxy; u != nil {
		note = checkUpstream(u)
		c.warn("%s", note)
	}
	if continued != "" {
		c.warn("continuing %s after its %s", rec.Path(), flowCount(rec.Entries()))
	}
	pl := newPipeline(rec, zone)
	if cfg.noTUI {
		return runHeadless(c, p, pl, mode, continued)
	}
	opts := ui.Options{Mode: mode, Note: note, Reverse: cfg.opts.Target != nil}
	if ca := cfg.opts.CA; ca != nil {
		opts.CAPath = ca.CertFile // the first screen says what to trust
		if abs, err := filepath.Abs(ca.CertFile); err == nil {
			opts.CAPath = abs
		}
	}
	return runLive(c, p, pl, continued, opts)
}

// loadRoots is the system's roots plus the --upstream-ca files.
func loadRoots(files []string) (*x509.CertPool, error) {
	for _, f := range files {
		if st, err := os.Stat(f); err != nil {
			return nil, errors.New("--upstream-ca " + fileProblem(f, err))
		} else if st.IsDir() {
			return nil, fmt.Errorf("--upstream-ca %s is a directory, not a PEM file", f)
		}
	}
	roots, err := proxy.LoadRoots(files...)
	if err != nil {
		return nil, fmt.Errorf("--upstream-ca %v", err)
	}
	return roots, nil
}

// openAppend continues the capture --append names (nothing when it does
// not exist yet: newRecorder makes it); a file provtap cannot continue is
// refused unchanged. Its flows are streamed to the engine and the UI later
// (pipeline.earlier).
func openAppend(path string) (*har.Recorder, error) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil // created once the proxy listens, as a new one
	}
	if err := checkCapture(path); err != nil {
		return nil, fmt.Errorf("--append: %v", err)
	}
	rec, err := har.OpenAppend(path)
	var np *har.NotProvtapError
	switch {
	case errors.As(err, &np):
		return nil, fmt.Errorf("--append: %s is %v; provtap continues only its own captures: choose another --record FILE", path, np)
	case errors.Is(err, har.ErrBeingRecorded):
		return nil, fmt.Errorf("--append: %s is being recorded by another provtap; stop that one first, or choose another --record FILE", path)
	case errors.Is(err, har.ErrNotHAR):
		return nil, fmt.Errorf("--append: %v", captureError(path, err))
	case err != nil:
		return nil, fmt.Errorf("--append: %s", fileProblem(path, err))
	}
	return rec, nil
}

// newRecorder creates the capture file: the one --record names, or a new
// one under <home>/captures/.
func newRecorder(cfg proxyConfig) (*har.Recorder, error) {
	if cfg.record == "" {
		return newDefaultRecorder(filepath.Join(cfg.home, "captures"), "provtap")
	}
	rec, err := har.NewRecorder(cfg.record)
	if errors.Is(err, fs.ErrExist) {
		return nil, existsError(cfg.record, "add --append to continue that capture, or choose another --record FILE")
	}
	if err != nil {
		return nil, fmt.Errorf("--record %s", fileProblem(cfg.record, err))
	}
	return rec, nil
}

// newDefaultRecorder is a new capture file under dir named after the time,
// numbered when another provtap started within the same second.
func newDefaultRecorder(dir, stem string) (*har.Recorder, error) {
	base := filepath.Join(dir, stem+"-"+time.Now().Format("20060102-150405"))
	path := base + ".har"
	for i := 2; ; i++ {
		rec, err := har.NewRecorder(path)
		if !errors.Is(err, fs.ErrExist) || i > 1000 {
			return rec, err
		}
		path = fmt.Sprintf("%s-%d.har", base, i)
	}
}

// checkUpstream connects to the upstream proxy once and says in one line
// whether it answered.
func checkUpstream(u *url.URL) string {
	took, err := proxy.CheckUpstreamProxy(u, 5*time.Second)
	if err != nil {
		return fmt.Sprintf("upstream proxy %s did not answer (%v); until it does every request fails with 502 — check --upstream-proxy", u.Redacted(), err)
	}
	return fmt.Sprintf("upstream proxy %s answered (connected in %s)", u.Redacted(), shortDuration(took))
}

// flowLine is the headless one-line summary of a flow.
func flowLine(f *capture.Flow, zone *time.Location) string {
	status := fmt.Sprint(f.Status)
	if f.Status == 0 {
		status = "---"
	}
	line := fmt.Sprintf("%s #%d %-7s %s %s %s", f.Start.In(zone).Format("15:04:05.000"), f.ID, f.Method, status,
		f.URL, shortDuration(f.Duration()))
	if f.Kind == capture.KindOutOfScope && f.Error == "" {
		line += fmt.Sprintf("  tunnelled, not decrypted: outside the CA's scope (provtap ca); %d bytes up, %d down",
			f.RequestBody.Size, f.ResponseBody.Size)
	}
	if f.Error != "" {
		if f.Kind == capture.KindOutOfScope {
			line += "  outside the CA's scope, not decrypted"
		}
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
