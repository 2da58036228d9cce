package ui

import (
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
)

// The producer never waits on the UI: with nobody draining, 100k flows go
// in at once, and one drain takes them all, in order.
func TestFeedNeverBlocks(t *testing.T) {
	feed := NewFeed()
	flows := manyFlows(100_000)
	start := time.Now()
	for _, f := range flows {
		feed.Add(f, nil)
	}
	feed.Add(nil, []analyze.Finding{{Kind: "lost-header", Severity: analyze.Error, Flow: 7}})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("adding 100k flows took %v", d)
	}
	b := feed.take()
	if len(b.flows) != 100_000 || len(b.findings) != 1 || b.flows[99_999].f != flows[99_999] {
		t.Fatalf("drained %d flows, %d findings", len(b.flows), len(b.findings))
	}
	if b := feed.take(); len(b.flows) != 0 {
		t.Errorf("a second drain got %d flows again", len(b.flows))
	}
	// The wait command returns once there is something (or the feed closed).
	feed.SetNote("proxy stopped")
	done := make(chan struct{})
	go func() { feed.wait()(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("wait did not return after SetNote")
	}
	feed.Close()
	if b := feed.take(); !b.closed || b.note == nil || *b.note != "proxy stopped" {
		t.Errorf("after close: %+v", b)
	}
}

// A batch given back is emptied and refilled by the next one: each batch
// holds exactly its own flows, and the array is reused.
func TestFeedRecyclesBatches(t *testing.T) {
	feed := NewFeed()
	flows := manyFlows(30)
	for _, f := range flows[:20] {
		feed.Add(f, nil)
	}
	first := feed.take()
	array := &first.flows[0]
	feed.recycle(first.flows)
	if first.flows[0].f != nil {
		t.Error("a recycled batch still holds its flows")
	}
	for _, f := range flows[20:] {
		feed.Add(f, nil)
	}
	b := feed.take()
	if len(b.flows) != 10 || b.flows[0].f != flows[20] || b.flows[9].f != flows[29] {
		t.Fatalf("second batch: %d flows", len(b.flows))
	}
	if &b.flows[0] != array {
		t.Error("the second batch did not reuse the first one's array")
	}
}
