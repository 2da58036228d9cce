package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/ui"
)

// liveProxy is what runLive needs of a running *proxy.Proxy.
type liveProxy interface {
	Flows() <-chan *capture.Flow // completed flows; closed after Close
	Close() error
}

// The live proxy replays r and R.
var _ proxy.Replayer = (*proxy.Proxy)(nil)

// runLive shows a running proxy's flows in the TUI until the user quits.
// Flows go through the pipeline (recorded, then analyzed, then shown; a
// write error stops recording, not the proxy, and is shown on the status
// line); the proxy never waits on the UI. On quit it closes the proxy,
// records the flows still in flight, and closes the capture file.
// continued, when set, is the capture being continued: its flows are
// shown first, streamed from the file as provtap open streams them.
func runLive(c *cli, p liveProxy, pl *pipeline, continued string, opts ui.Options) int {
	feed := ui.NewFeed()
	quit := make(chan struct{}) // closed when the UI has ended: nothing takes from feed any more
	done := make(chan struct{})
	note := opts.Note // the status line's, given back once a continued capture is read
	go func() {
		defer close(done)
		defer feed.Close()
		if continued != "" {
			n, total := 0, pl.rec.Entries() // nothing new is written before they are read
			progress := func() {
				feed.SetNote(fmt.Sprintf("continuing %s: %d of %s read and analyzed…", filepath.Base(continued), n, flowCount(total)))
			}
			progress()
			err := pl.earlier(continued, quit, func(f *capture.Flow, loc har.Loc, findings []analyze.Finding) {
				feed.AddWhole(f, loc, findings)
				if n++; n%4096 == 0 {
					progress()
					feed.WaitForRoom(quit)
				}
			})
			if err != nil {
				feed.SetNote(oneLineErr(captureError(continued, err)))
			} else {
				feed.SetNote(note)
			}
		}
		rest := pl.run(p.Flows(), func(f *capture.Flow, loc har.Loc, findings []analyze.Finding, recErr error) {
			if recErr != nil {
				feed.SetRecordingError(recErr)
			}
			// Memory stays bounded in a long session: bodies live in the
			// capture file, and the UI reads them back when shown.
			if loc.Valid() {
				feed.AddStored(har.WithoutBodies(f), loc, findings)
			} else {
				feed.Add(f, findings)
			}
		}, nil)
		feed.Add(nil, rest)
	}()
	opts.Live, opts.Follow, opts.Zone, opts.Save = true, true, pl.zone, saveNew
	if r, ok := p.(proxy.Replayer); ok && opts.Replayer == nil {
		// r and R replay through the proxy's upstream settings; the new
		// flow comes back through Flows(), recorded and analyzed.
		opts.Replayer = r
	}
	if s, ok := p.(ui.RawSender); ok && opts.Sender == nil {
		opts.Sender = s // e sends edited bytes the same way
	}
	if u, ok := p.(interface{ URL() string }); ok && opts.ProxyURL == "" {
		opts.ProxyURL = u.URL() // the first screen's HTTPS_PROXY=… line
	}
	if pl.rec != nil {
		opts.CapturePath = pl.rec.Path()
		opts.Store = pl.rec.Store()
	}
	uiErr := ui.Run(opts, feed)
	close(quit)
	closeErr := p.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		c.warn("the proxy did not stop within 5s; closing the capture file anyway")
	}
	code := pl.finish(c)
	if closeErr != nil {
		c.warn("stopping the proxy: %v", closeErr)
	}
	if uiErr != nil {
		c.warn("%v", uiErr)
		return 2
	}
	return code
}
