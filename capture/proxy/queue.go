package proxy

import (
	"sync"

	"github.com/provtap/provtap/capture"
)

// flowQueue hands completed flows from the proxy's goroutines to one
// consumer without ever blocking the proxy. While the consumer keeps up, a
// flow goes straight onto out; only when out is full do flows wait in
// items for the pump goroutine, and later flows queue behind them, so the
// order of completion is kept. (Routing every flow through the pump cost a
// goroutine wake-up per burst of flows.)
type flowQueue struct {
	mu      sync.Mutex
	items   []*capture.Flow
	pumping bool // the pump is handing a batch on: later flows wait behind it
	closed  bool
	wake    chan struct{}
	out     chan *capture.Flow
}

func (q *flowQueue) init() {
	q.wake = make(chan struct{}, 1)
	q.out = make(chan *capture.Flow, 256) // room for har.PumpBursts' group waits
	go q.pump()
}

func (q *flowQueue) push(f *capture.Flow) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	if len(q.items) == 0 && !q.pumping {
		select {
		case q.out <- f:
			q.mu.Unlock()
			return
		default:
		}
	}
	q.items = append(q.items, f)
	q.mu.Unlock()
	q.poke()
}

func (q *flowQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.poke()
}

func (q *flowQueue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *flowQueue) pump() {
	for range q.wake {
		q.mu.Lock()
		batch, closed := q.items, q.closed
		q.items = nil
		q.pumping = len(batch) > 0
		q.mu.Unlock()
		for _, f := range batch {
			q.out <- f
		}
		q.mu.Lock()
		q.pumping = false
		q.mu.Unlock()
		if closed {
			close(q.out)
			return
		}
	}
}
