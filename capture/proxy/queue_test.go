package proxy

import (
	"sync"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
)

// The queue never blocks its producers and keeps each producer's order,
// whether flows go straight to the consumer or wait for room behind others.
func TestFlowQueueOrder(t *testing.T) {
	var q flowQueue
	q.init()
	const producers, each = 8, 500
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				q.push(&capture.Flow{ID: p*each + i, ConnID: int64(p)})
			}
		}()
	}
	pushed := make(chan struct{})
	go func() { wg.Wait(); q.close(); close(pushed) }()
	last := map[int64]int{}
	n := 0
	for f := range q.out {
		if n%97 == 0 {
			time.Sleep(time.Millisecond) // let out fill, so flows wait in items
		}
		if prev, ok := last[f.ConnID]; ok && f.ID <= prev {
			t.Fatalf("producer %d: flow %d after %d", f.ConnID, f.ID, prev)
		}
		last[f.ConnID] = f.ID
		n++
	}
	<-pushed
	if n != producers*each {
		t.Fatalf("%d flows delivered, want %d", n, producers*each)
	}
	q.push(&capture.Flow{}) // after close: dropped, not a panic
}
