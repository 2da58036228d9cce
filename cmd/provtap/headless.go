package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/capture/proxy"
)

// runHeadless prints one line per flow and per finding on stdout until
// SIGINT or SIGTERM, then closes the capture into valid HAR. continued,
// when set, is the capture being continued: its flows are analyzed, not
// printed again.
func runHeadless(c *cli, p *proxy.Proxy, pl *pipeline, mode string, continued string) int {
	fmt.Fprintf(c.stderr, "%s: %s; recording to %s (Ctrl-C to stop)\n", c.name, mode, pl.rec.Path())
	// Signals are caught before the continued capture is read (seconds, at
	// a million flows): a Ctrl-C then still ends with the file closed.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-sig:
			p.Close()
		case <-stopped:
		}
	}()
	if continued != "" {
		if err := pl.earlier(continued, nil, nil); err != nil {
			c.warn("%v", captureError(continued, err))
		}
	}
	reported := false
	// The lines of a burst of flows go out in one write, once the burst
	// was recorded and shown: a write per line cost a system call per flow.
	out := bufio.NewWriter(c.stdout)
	rest := pl.run(p.Flows(), func(f *capture.Flow, _ har.Loc, findings []analyze.Finding, recErr error) {
		if recErr != nil && !reported {
			reported = true
			out.Flush()
			c.warn("%v — still forwarding, no longer recording to %s", recErr, pl.rec.Path())
		}
		fmt.Fprintln(out, flowLine(f, pl.zone))
		for _, fd := range findings {
			fmt.Fprintln(out, "  "+fd.Line())
		}
	}, func() { out.Flush() })
	for _, fd := range rest {
		fmt.Fprintln(out, "  "+fd.Line())
	}
	out.Flush()
	return pl.finish(c)
}
