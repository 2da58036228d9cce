package main

import (
	"fmt"
	"runtime/metrics"
)

// schedWait is how long this process's goroutines waited, runnable, for a
// thread to run on (runtime/metrics' /sched/latencies), as "schedp50=…
// schedp99=…" in µs. A consumer that holds a P for long stretches shows
// here before it shows in req/s: the proxy's goroutines queue behind it.
func schedWait() string {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return ""
	}
	h := s[0].Value.Float64Histogram()
	return fmt.Sprintf("schedp50=%.1f schedp99=%.1f", 1e6*quantile(h, 0.50), 1e6*quantile(h, 0.99))
}

// quantile is the upper edge of the bucket holding the q-th sample (the
// lower edge for the last, unbounded bucket).
func quantile(h *metrics.Float64Histogram, q float64) float64 {
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	want := uint64(q * float64(total))
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if seen > want {
			if hi := h.Buckets[i+1]; hi < 1e300 {
				return hi
			}
			return h.Buckets[i]
		}
	}
	return h.Buckets[len(h.Buckets)-1]
}
