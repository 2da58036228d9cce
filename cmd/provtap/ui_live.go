package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/capture/proxy"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/ui"
)

// liveProxy is what runLiveTUI needs of a running *proxy.Proxy.
type liveProxy interface {
	Flows() <-chan *capture.Flow // completed flows; closed after Close
	Close() error
}

// The live proxy replays r and R.
var _ proxy.Replayer = (*proxy.Proxy)(nil)

// runLiveTUI shows a running proxy's flows in the TUI until the user quits.
// Each flow is written to the capture file before it is shown (a write error
// stops recording, not the proxy, and is shown on the status line), then
// analyzed. The proxy never waits on the UI. On quit it closes the proxy,
// records the flows still in flight, and closes the capture file.
func runLiveTUI(p liveProxy, rec *har.Recorder, eng *analyze.Engine, mode string) int {
	return runLive(p, rec, eng, ui.Options{Mode: mode})
}

// caBeside is the CA certificate of the home the capture is recorded in
// (<home>/captures/x.har → <home>/ca.pem), else of the default home; ""
// when neither exists.
func caBeside(capturePath string) string {
	for _, home := range []string{filepath.Dir(filepath.Dir(capturePath)), proxy.DefaultHome()} {
		if p := filepath.Join(home, "ca.pem"); fileExists(p) {
			if abs, err := filepath.Abs(p); err == nil {
				return abs
			}
			return p
		}
	}
	return ""
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// runLive is runLiveTUI with the UI's options (the demo opens on the
// findings).
func runLive(p liveProxy, rec *har.Recorder, eng *analyze.Engine, opts ui.Options) int {
	feed := ui.NewFeed()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer feed.Close()
		har.Pump(p.Flows(), rec, func(f *capture.Flow, loc har.Loc, recErr error) {
			if recErr != nil {
				feed.SetRecordingError(recErr)
			}
			var findings []analyze.Finding
			if eng != nil {
				findings = eng.Add(f)
			}
			// Memory stays bounded in a long session: bodies live in the
			// capture file, and the UI reads them back when shown.
			if loc.Valid() {
				feed.AddStored(har.WithoutBodies(f), loc, findings)
			} else {
				feed.Add(f, findings)
			}
		})
	}()
	opts.Live, opts.Follow = true, true
	if r, ok := p.(proxy.Replayer); ok && opts.Replayer == nil {
		// r and R replay through the proxy's upstream settings; the new
		// flow comes back through Flows(), recorded and analyzed.
		opts.Replayer = r
	}
	if s, ok := p.(ui.RawSender); ok && opts.Sender == nil {
		// e sends edited bytes the same way, once the proxy can (SendRaw).
		opts.Sender = s
	}
	if u, ok := p.(interface{ URL() string }); ok && opts.ProxyURL == "" {
		opts.ProxyURL = u.URL() // the first screen's HTTPS_PROXY=… line
	}
	opts.Reverse = opts.Reverse || strings.HasPrefix(opts.Mode, "reverse ")
	if rec != nil {
		opts.CapturePath = rec.Path()
		opts.Store = rec.Store()
		if opts.CAPath == "" && !opts.Reverse {
			opts.CAPath = caBeside(rec.Path())
		}
	}
	uiErr := ui.Run(opts, feed)
	closeErr := p.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		fmt.Fprintln(os.Stderr, "provtap: the proxy did not stop within 5s; closing the capture file anyway")
	}
	code := 0
	if rec != nil {
		recErr := rec.Err()
		if err := rec.Close(); err != nil && recErr == nil {
			recErr = err
		}
		if recErr != nil {
			fmt.Fprintf(os.Stderr, "provtap: capture %s: %v\n", rec.Path(), recErr)
			code = 1
		} else {
			fmt.Fprintf(os.Stderr, "provtap: %d flows recorded in %s\n", rec.Entries(), rec.Path())
		}
	}
	if closeErr != nil {
		fmt.Fprintf(os.Stderr, "provtap: stopping the proxy: %v\n", closeErr)
	}
	if uiErr != nil {
		fmt.Fprintf(os.Stderr, "provtap: %v\n", uiErr)
		return 2
	}
	return code
}
