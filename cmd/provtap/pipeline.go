package main

import (
	"fmt"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
)

// pipeline is the one path live traffic takes — in the TUI, headless and in
// the demo: each flow is recorded to the capture file before anything shows
// it (one write per burst of flows; a killed process loses nothing that was
// shown), then analyzed, then shown.
type pipeline struct {
	rec  *har.Recorder // nil: nothing is recorded
	eng  *analyze.Engine
	zone *time.Location // flows are shown, and their findings written, in it
}

func newPipeline(rec *har.Recorder, zone *time.Location) *pipeline {
	return &pipeline{rec: rec, eng: analyze.NewEngine(), zone: zone}
}

// showFunc shows one flow: where the capture file holds it (zero when it
// was not recorded), the findings the engine produced with it, and, once
// recording has stopped (a full disk), why.
type showFunc func(f *capture.Flow, loc har.Loc, findings []analyze.Finding, recErr error)

// earlier streams the flows already in the capture at path (--append) to
// the engine, so what the new flows continue is known, and to show (nil:
// not shown) with their findings and where the file holds each: they are
// not held (a night's capture continued is a million of them). Once stop
// is closed (the user quit meanwhile) the rest is read and passed over.
func (p *pipeline) earlier(path string, stop <-chan struct{}, show func(f *capture.Flow, loc har.Loc, findings []analyze.Finding)) error {
	_, err := har.ScanLocated(path, nil, nil, analyze.FactsOf, func(f *capture.Flow, loc har.Loc, fx *analyze.Facts) {
		select {
		case <-stop:
			return
		default:
		}
		f.Start, f.End = f.Start.In(p.zone), f.End.In(p.zone)
		found := p.eng.AddFacts(fx)
		if show != nil {
			show(f, loc, found)
		}
	})
	return err
}

// run takes flows until the channel is closed, then returns the findings
// the engine held back until the end; burstShown (unless nil) runs after
// each burst of flows was shown. The HAR records instants in UTC, so a
// flow is moved into the zone only after it was recorded, on the same
// goroutine (a goroutine in between cost a hand-off per flow).
func (p *pipeline) run(flows <-chan *capture.Flow, show showFunc, burstShown func()) []analyze.Finding {
	har.PumpBursts(flows, p.rec, func(f *capture.Flow, loc har.Loc, recErr error) {
		f = inZone(f, p.zone)
		show(f, loc, p.eng.Add(f), recErr)
	}, burstShown)
	return p.eng.Flush()
}

// inZone is f with its times in zone; a flow in another zone is copied,
// never changed (the proxy may still hold it).
func inZone(f *capture.Flow, zone *time.Location) *capture.Flow {
	if f.Start.Location() == zone && f.End.Location() == zone {
		return f
	}
	g := *f
	g.Start, g.End = f.Start.In(zone), f.End.In(zone)
	return &g
}

// finish closes the capture file and says on stderr how recording ended:
// exit status 1 when the capture is incomplete.
func (p *pipeline) finish(c *cli) int {
	if p.rec == nil {
		return 0
	}
	recErr := p.rec.Err()
	if err := p.rec.Close(); err != nil && recErr == nil {
		recErr = err
	}
	if recErr != nil {
		c.warn("capture %s incomplete: %v", p.rec.Path(), recErr)
		return 1
	}
	fmt.Fprintf(c.stderr, "%s: %s recorded in %s\n", c.name, flowCount(p.rec.Entries()), p.rec.Path())
	return 0
}
