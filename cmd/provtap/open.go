package main

import (
	"fmt"
	"path/filepath"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/ui"
)

const openAbout = `Opens the TUI on a saved capture: a HAR file from provtap, Chrome DevTools,
Firefox, mitmproxy, Proxyman, Charles or any other tool. The analyzers run
over it as they do live, and the flow of the worst finding is selected.

A capture cut off mid-write (a recorder that was killed) opens with every
whole flow before the cut.`

func cmdOpen(args []string) int {
	fs := newFlags("open", "provtap open FILE", openAbout)
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return fail("open", "want exactly one capture file, got %d arguments (see provtap open --help)", len(pos))
	}
	capt, err := loadCapture(pos[0])
	if err != nil {
		return fail("open", "%v", err)
	}
	findings := analyze.Run(capt.Flows)
	opts := ui.Options{Mode: "file: " + filepath.Base(pos[0])}
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
