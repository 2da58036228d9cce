package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/ui"
)

const openAbout = `Opens the TUI on a saved capture: a HAR file from provtap, Chrome DevTools,
Firefox, mitmproxy, Proxyman, Charles or any other tool. The first screen
shows as soon as the file is indexed; the flows fill in as they are read,
the status line saying how far it got, and the analyzers run over them as
they do live. Once all are in, the flow of the worst problem is selected
(unless you pressed a key). The TUI keeps a line per flow and reads the
rest back from FILE when it shows it, so a capture larger than memory
opens.

A capture cut off mid-write (a recorder that was killed) or still being
recorded opens with every whole flow written so far, and says so.

r replays the selected request, R replays it with the fix its finding names
(after showing the exact request and asking: provisioning calls have side
effects). Replays go straight to the server, or through --upstream-proxy,
trusting --upstream-ca, and appear as new flows linked to the original; they
are not written to FILE (s saves them to a new file). e opens the request as
raw HTTP in $VISUAL or $EDITOR and, after the same confirmation, sends
exactly what you saved.

--filter takes the expression of the TUI's /: words match method, status,
host, path, headers and bodies; status:4xx method:PATCH host:gw path:/Groups
header:Cookie header:Authorization=Basic body:usert has:finding
kind:dropped-cookie narrow it, -term negates, a OR b.`

func cmdOpen(args []string, stdout, stderr io.Writer) int {
	c := newCLI("provtap open", "provtap open FILE [--filter EXPR] [--upstream-proxy URL] [--upstream-ca FILE] [--insecure-upstream] [--utc | --zone ZONE]", openAbout, stdout, stderr)
	filterExpr := c.fs.String("filter", "", "show only the flows matching `EXPR`, in the syntax of the TUI's / (e.g. 'status:4xx -method:GET', 'header:Cookie', 'body:usert')")
	upstream := c.fs.String("upstream-proxy", "", "send replays through this corporate proxy `URL`")
	var caFiles stringList
	c.fs.Var(&caFiles, "upstream-ca", "also trust the CA certificates in this PEM `FILE` when replaying (an internal PKI); may be given more than once")
	insecure := c.fs.Bool("insecure-upstream", false, "accept any server certificate when replaying, unverified (test systems only)")
	clk := addClockFlags(c)
	pos, code, ok := c.parse(args)
	if !ok {
		return code
	}
	replayOpts := proxy.Options{InsecureUpstream: *insecure}
	if *upstream != "" {
		u, err := url.Parse(*upstream)
		if err != nil || u.Host == "" {
			return c.fail("--upstream-proxy must be a URL like http://proxy.corp:3128, got %q", *upstream)
		}
		replayOpts.UpstreamProxy = u
	}
	if len(pos) != 1 {
		return c.usageError("want exactly one capture file, got %d arguments", len(pos))
	}
	if err := clk.check(); err != nil {
		return c.fail("%v", err)
	}
	if err := ui.CheckFilter(*filterExpr); err != nil {
		return c.fail("--filter %q: %v", *filterExpr, err)
	}
	if len(caFiles) > 0 {
		roots, err := loadRoots(caFiles)
		if err != nil {
			return c.fail("%v", err)
		}
		replayOpts.UpstreamRoots = roots
	}
	if err := checkCapture(pos[0]); err != nil {
		return c.fail("%v", err)
	}
	if err := har.CheckHead(pos[0]); err != nil {
		return c.fail("%v", captureError(pos[0], err))
	}
	if !canRunTUI(stdout) {
		return c.fail("the TUI needs a terminal (stdin and stdout); without one: provtap analyze %s for the findings, provtap export %s --flow N for a request", pos[0], pos[0])
	}
	zone, _ := clk.location(nil)
	// One replayer numbers r, R and e's new flows after the capture's,
	// once the index pass has counted them.
	replayer := &lateReplayer{opts: replayOpts, ready: make(chan struct{})}
	store := har.OpenStore(pos[0])
	defer store.Close()
	opts := ui.Options{Mode: "file: " + filepath.Base(pos[0]), Zone: zone, Save: saveNew, Store: store,
		Replayer: replayer, Sender: replayer, Filter: *filterExpr, SelectWorst: true}
	if abs, err := filepath.Abs(pos[0]); err == nil {
		opts.CapturePath = abs
	}
	if clk.fromCapture() {
		opts.Zone = nil // the first flow's, when it is decoded
	}
	feed := ui.NewFeed()
	go streamCapture(pos[0], feed, replayer, opts.Zone, nil)
	if err := ui.Run(opts, feed); err != nil {
		return c.fail("%v", err)
	}
	return 0
}

// streamCapture feeds the UI a capture as it is read: har's index pass
// first (the status line shows its progress), then every flow in start
// order as it is decoded (on every core), analyzed as it goes, with the
// findings the engine gives out. The UI keeps a row per flow and reads the
// rest back from the file, so a capture larger than memory opens. zone nil:
// the capture's own (its first flow's). gate, if not nil, is called after
// each flow is fed, with how many were (tests hold the stream there).
func streamCapture(path string, feed *ui.Feed, replayer *lateReplayer, zone *time.Location, gate func(n int64)) {
	defer feed.Close()
	var progress atomic.Int64
	var total int64
	if st, err := os.Stat(path); err == nil {
		total = 2 * st.Size() // both passes
	}
	var flows atomic.Int64
	indexed := make(chan int, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		n := -1
		for {
			select {
			case <-stop:
				return
			case n = <-indexed:
			case <-tick.C:
			}
			pct := 0
			if total > 0 {
				pct = int(100 * progress.Load() / total)
			}
			if n < 0 {
				feed.SetNote(fmt.Sprintf("indexing %s… %d%%", filepath.Base(path), pct))
			} else {
				feed.SetNote(fmt.Sprintf("loading: %d of %s read and analyzed… %d%%", flows.Load(), flowCount(n), pct))
			}
		}
	}()
	eng := analyze.NewEngine()
	res, err := har.ScanLocated(path, &progress, func(r har.ScanResult) {
		replayer.set(r.Flows)
		indexed <- r.Flows
	}, analyze.FactsOf, func(f *capture.Flow, loc har.Loc, fx *analyze.Facts) {
		if zone == nil && !f.Start.IsZero() {
			zone = f.Start.Location()
			feed.SetZone(zone)
		}
		if zone != nil {
			f.Start, f.End = f.Start.In(zone), f.End.In(zone)
		}
		feed.AddWhole(f, loc, eng.AddFacts(fx))
		n := flows.Add(1)
		if gate != nil {
			gate(n)
		}
		if n%4096 == 0 {
			feed.WaitForRoom(nil)
		}
	})
	replayer.set(res.Flows) // when the index pass failed
	feed.Add(nil, eng.Flush())
	switch {
	case err != nil:
		feed.SetNote(oneLineErr(captureError(path, err)))
	case res.Truncated && har.BeingRecorded(path):
		feed.SetNote(fmt.Sprintf("still being recorded: showing the %s written so far", flowCount(res.Flows)))
	case res.Truncated:
		feed.SetNote(fmt.Sprintf("file cut off: showing the %d whole flows before the cut", res.Flows))
	default:
		feed.SetNote("")
	}
}

func oneLineErr(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// lateReplayer is open's replayer before the index pass has counted the
// flows (new flows are numbered after them): a replay asked for sooner
// waits for the count.
type lateReplayer struct {
	opts  proxy.Options
	once  sync.Once
	ready chan struct{}
	r     *proxy.OfflineReplayer
}

func (l *lateReplayer) set(flows int) {
	l.once.Do(func() {
		l.r = proxy.NewReplayer(l.opts, flows)
		close(l.ready)
	})
}

func (l *lateReplayer) wait(ctx context.Context) error {
	select {
	case <-l.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *lateReplayer) Replay(ctx context.Context, f *capture.Flow) (*capture.Flow, error) {
	if err := l.wait(ctx); err != nil {
		return nil, err
	}
	return l.r.Replay(ctx, f)
}

func (l *lateReplayer) SendRaw(ctx context.Context, orig *capture.Flow, raw []byte) (*capture.Flow, error) {
	if err := l.wait(ctx); err != nil {
		return nil, err
	}
	return l.r.SendRaw(ctx, orig, raw)
}
