package main

import (
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/ui"
)

const openAbout = `Opens the TUI on a saved capture: a HAR file from provtap, Chrome DevTools,
Firefox, mitmproxy, Proxyman, Charles or any other tool. The analyzers run
over it as they do live, and the flow of the worst finding is selected.

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
	capt, note, err := loadCapture(pos[0])
	if err != nil {
		return c.fail("%v", err)
	}
	if !canRunTUI(stdout) {
		return c.fail("the TUI needs a terminal (stdin and stdout); without one: provtap analyze %s for the findings, provtap export %s --flow N for a request", pos[0], pos[0])
	}
	zone, _ := clk.location(capt.Flows)
	toZone(capt.Flows, zone)
	findings := analyze.Run(capt.Flows)
	// One replayer numbers r, R and e's new flows after the capture's.
	replayer := proxy.NewReplayer(replayOpts, lastID(capt.Flows))
	opts := ui.Options{Mode: "file: " + filepath.Base(pos[0]), Zone: zone, Save: saveNew,
		Replayer: replayer, Sender: replayer, Filter: *filterExpr}
	if abs, err := filepath.Abs(pos[0]); err == nil {
		opts.CapturePath = abs
	}
	if note != "" {
		if strings.Contains(note, "still being recorded") {
			opts.Note = fmt.Sprintf("still being recorded: showing the %s written so far", flowCount(len(capt.Flows)))
		} else {
			opts.Note = fmt.Sprintf("file cut off: showing the %d whole flows before the cut", len(capt.Flows))
		}
	}
	if len(findings) > 0 {
		worst := append([]analyze.Finding(nil), findings...)
		analyze.SortFindings(worst)
		opts.Select = worst[0].Flow
	}
	feed := ui.NewFeed()
	feed.AddAll(capt.Flows, findings)
	feed.Close()
	if err := ui.Run(opts, feed); err != nil {
		return c.fail("%v", err)
	}
	return 0
}

// lastID is the highest flow number: replays are numbered after it.
func lastID(flows []*capture.Flow) int {
	n := len(flows)
	for _, f := range flows {
		n = max(n, f.ID)
	}
	return n
}
