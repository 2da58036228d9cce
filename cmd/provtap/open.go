package main

import (
	"fmt"
	"net/url"
	"path/filepath"

	"github.com/provtap/provtap/capture/proxy"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/ui"
)

const openAbout = `Opens the TUI on a saved capture: a HAR file from provtap, Chrome DevTools,
Firefox, mitmproxy, Proxyman, Charles or any other tool. The analyzers run
over it as they do live, and the flow of the worst finding is selected.

A capture cut off mid-write (a recorder that was killed) opens with every
whole flow before the cut.

r replays the selected request, R replays it with the fix its finding names
(after showing the exact request and asking: provisioning calls have side
effects). Replays go straight to the server, or through --upstream-proxy, and
appear as new flows linked to the original; they are not written to FILE
(s saves them).`

func cmdOpen(args []string) int {
	fs := newFlags("open", "provtap open FILE [--filter EXPR] [--upstream-proxy URL] [--insecure-upstream]", openAbout)
	filterExpr := fs.String("filter", "", "show only the flows matching `EXPR`, in the syntax of the TUI's / (e.g. 'status:4xx -method:GET', 'header:Cookie', 'body:usert')")
	upstream := fs.String("upstream-proxy", "", "send replays through this corporate proxy `URL`")
	insecure := fs.Bool("insecure-upstream", false, "accept a server's self-signed or otherwise unverifiable certificate when replaying (test systems)")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	replayOpts := proxy.Options{InsecureUpstream: *insecure}
	if *upstream != "" {
		u, err := url.Parse(*upstream)
		if err != nil || u.Host == "" {
			return fail("open", "--upstream-proxy must be a URL like http://proxy.corp:3128, got %q", *upstream)
		}
		replayOpts.UpstreamProxy = u
	}
	if len(pos) != 1 {
		return fail("open", "want exactly one capture file, got %d arguments (see provtap open --help)", len(pos))
	}
	if err := ui.CheckFilter(*filterExpr); err != nil {
		return fail("open", "--filter %q: %v", *filterExpr, err)
	}
	capt, err := loadCapture(pos[0])
	if err != nil {
		return fail("open", "%v", err)
	}
	findings := analyze.Run(capt.Flows)
	opts := ui.Options{Mode: "file: " + filepath.Base(pos[0]), Replayer: proxy.NewReplayer(replayOpts, lastID(capt.Flows)),
		Filter: *filterExpr}
	if abs, err := filepath.Abs(pos[0]); err == nil {
		opts.CapturePath = abs
	}
	if capt.Truncated {
		opts.Note = fmt.Sprintf("file cut off: showing the %d whole flows before the cut", len(capt.Flows))
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
		return fail("open", "%v", err)
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
