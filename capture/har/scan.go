package har

import (
	"cmp"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/provtap/provtap/capture"
)

// ScanResult summarizes a streamed capture.
type ScanResult struct {
	Flows     int
	Truncated bool
}

// ScanHAR streams the capture at path to fn one flow at a time, in start
// order and numbered as ReadHAR numbers them, without holding the capture in
// memory: a first pass skims the bytes for where each entry is and when it
// started, a second decodes entries in start order (on every core, handed to
// fn in order). progress, if not nil, counts bytes processed over both passes
// (2 × the file size in all).
func ScanHAR(path string, progress *atomic.Int64, fn func(*capture.Flow)) (ScanResult, error) {
	return ScanPrepared(path, progress, func(*capture.Flow) struct{} { return struct{}{} },
		func(f *capture.Flow, _ struct{}) { fn(f) })
}

// ScanPrepared is ScanHAR with a step run on the decoding goroutines, in
// parallel, before fn gets each flow in order: what the consumer needs of a
// flow on its own (an analyzer's per-flow facts) costs no time on its one
// goroutine.
func ScanPrepared[T any](path string, progress *atomic.Int64, prepare func(*capture.Flow) T, fn func(*capture.Flow, T)) (ScanResult, error) {
	return ScanLocated(path, progress, nil, prepare, func(f *capture.Flow, _ Loc, t T) { fn(f, t) })
}

// ScanLocated is ScanPrepared that also hands fn where the file holds each
// entry (for a Store opened on the same file: a reader that keeps only a
// compact row per flow), and calls indexed, if not nil, once the first
// pass has counted the entries (before the first flow is decoded).
func ScanLocated[T any](path string, progress *atomic.Int64, indexed func(ScanResult), prepare func(*capture.Flow) T, fn func(*capture.Flow, Loc, T)) (ScanResult, error) {
	file, err := os.Open(path)
	if err != nil {
		return ScanResult{}, err
	}
	defer file.Close()
	idx, res, err := indexEntries(file, progress)
	if err != nil {
		return res, fmt.Errorf("%s: %w", path, err)
	}
	inStartOrder(idx)
	if indexed != nil {
		indexed(res)
	}
	if err := decodeInOrder(file, idx, progress, prepare, fn); err != nil {
		return res, fmt.Errorf("%s: %w", path, err)
	}
	return res, nil
}

// inStartOrder sorts idx as ReadHAR numbers flows: by startedDateTime,
// stable.
func inStartOrder(idx []entrySpan) {
	byStart := func(a, b entrySpan) int { return cmp.Compare(a.start, b.start) }
	if !slices.IsSortedFunc(idx, byStart) { // most captures are nearly in order
		slices.SortStableFunc(idx, byStart)
	}
}

// LoadFlows decodes flows ns (numbered as ReadHAR numbers them) of the
// capture at path and no others: ScanHAR's first pass, then their entries.
// Flow ns[i] is in place i, nil where there is no such flow; the result
// counts the flows.
func LoadFlows(path string, ns ...int) ([]*capture.Flow, ScanResult, error) {
	out := make([]*capture.Flow, len(ns))
	file, err := os.Open(path)
	if err != nil {
		return out, ScanResult{}, err
	}
	defer file.Close()
	idx, res, err := indexEntries(file, nil)
	if err != nil {
		return out, res, fmt.Errorf("%s: %w", path, err)
	}
	inStartOrder(idx)
	for i, n := range ns {
		if n < 1 || n > len(idx) {
			continue
		}
		flows, err := decodeSpans(file, idx[n-1:n], n, nil)
		if err != nil {
			return out, res, fmt.Errorf("%s: %w", path, err)
		}
		out[i] = flows[0]
	}
	return out, res, nil
}

// decodeInOrder decodes entries in batches, several batches at once, and
// calls fn for each flow in idx order.
func decodeInOrder[T any](file *os.File, idx []entrySpan, progress *atomic.Int64, prepare func(*capture.Flow) T, fn func(*capture.Flow, Loc, T)) error {
	const batch = 512
	workers := max(1, runtime.GOMAXPROCS(0))
	type result struct {
		flows    []*capture.Flow
		prepared []T
		spans    []entrySpan
		err      error
	}
	var wg sync.WaitGroup
	// slots holds the batches in order, decoded or being decoded: 4×workers
	// bounds memory (a few MB) and absorbs the jitter between the decoders
	// and fn (a batch heavy with findings, a GC cycle). With room for only
	// `workers`, either side stalled the other and ~10% of two cores sat idle.
	slots := make(chan chan result, 4*workers)
	go func() {
		defer close(slots)
		for lo := 0; lo < len(idx); lo += batch {
			spans := idx[lo:min(lo+batch, len(idx))]
			out := make(chan result, 1)
			slots <- out
			wg.Add(1)
			go func(first int) {
				defer wg.Done()
				flows, err := decodeSpans(file, spans, first, progress)
				prepared := make([]T, len(flows))
				for i, f := range flows {
					prepared[i] = prepare(f)
				}
				out <- result{flows, prepared, spans, err}
			}(lo + 1)
		}
	}()
	var firstErr error
	for out := range slots {
		r := <-out
		if firstErr != nil {
			continue
		}
		if r.err != nil {
			firstErr = r.err
			continue
		}
		for i, f := range r.flows {
			fn(f, Loc{Off: r.spans[i].off, Len: r.spans[i].n}, r.prepared[i])
		}
	}
	wg.Wait()
	return firstErr
}

func decodeSpans(file *os.File, spans []entrySpan, firstID int, progress *atomic.Int64) ([]*capture.Flow, error) {
	flows := make([]*capture.Flow, 0, len(spans))
	// Entries sorted by start mostly sit in file order: read the batch's
	// range with one system call when it is not much more than its entries.
	lo, hi, sum := spanRange(spans)
	whole := hi-lo <= 2*sum+64<<10
	var buf *[]byte
	if whole {
		buf = getBuffer(hi - lo)
		if _, err := file.ReadAt(*buf, lo); err != nil {
			putBuffer(buf)
			return nil, fmt.Errorf("reading entries %d–%d: %w", firstID, firstID+len(spans)-1, err)
		}
	} else {
		buf = getBuffer(0)
	}
	defer putBuffer(buf)
	var he harEntry // one for the batch: decoding into it would allocate it per entry
	var cache internCache
	for i, e := range spans {
		var data []byte
		if whole {
			data = (*buf)[e.off-lo : e.off-lo+e.n]
		} else {
			if int64(cap(*buf)) < e.n {
				*buf = make([]byte, e.n)
			}
			data = (*buf)[:e.n]
			if _, err := file.ReadAt(data, e.off); err != nil {
				return nil, fmt.Errorf("reading entry %d: %w", firstID+i, err)
			}
		}
		if progress != nil {
			progress.Add(e.n)
		}
		he = harEntry{}
		if err := unmarshalEntry(data, &he, &cache); err != nil {
			return nil, fmt.Errorf("%w: entry %d: %v", ErrNotHAR, firstID+i, err)
		}
		f := flowFromEntry(&he)
		f.ID = firstID + i
		flows = append(flows, f)
	}
	return flows, nil
}

// readBuffers holds what decodeSpans reads entries into: decoding copies
// whatever a flow keeps (decodeEntry retains nothing), so a batch's bytes
// are reused by the next batch rather than left to the collector.
var readBuffers sync.Pool

// keptBuffer bounds the buffers kept for reuse (one huge entry's is not).
const keptBuffer = 8 << 20

func getBuffer(n int64) *[]byte {
	if p, _ := readBuffers.Get().(*[]byte); p != nil && int64(cap(*p)) >= n {
		*p = (*p)[:n]
		return p
	}
	b := make([]byte, n)
	return &b
}

func putBuffer(p *[]byte) {
	if cap(*p) <= keptBuffer {
		readBuffers.Put(p)
	}
}

// spanRange is the file range spans cover and the bytes of the spans.
func spanRange(spans []entrySpan) (lo, hi, sum int64) {
	if len(spans) == 0 {
		return 0, 0, 0
	}
	lo, hi = spans[0].off, spans[0].off+spans[0].n
	for _, e := range spans {
		lo, hi, sum = min(lo, e.off), max(hi, e.off+e.n), sum+e.n
	}
	return lo, hi, sum
}
