package har

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
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
	sort.SliceStable(idx, func(i, j int) bool { return idx[i].start < idx[j].start })
	if indexed != nil {
		indexed(res)
	}
	if err := decodeInOrder(file, idx, progress, prepare, fn); err != nil {
		return res, fmt.Errorf("%s: %w", path, err)
	}
	return res, nil
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
	slots := make(chan chan result, workers) // in batch order; bounds memory to `workers` batches
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
	var block []byte
	lo, hi, sum := spanRange(spans)
	if hi-lo <= 2*sum+64<<10 {
		block = make([]byte, hi-lo)
		if _, err := file.ReadAt(block, lo); err != nil {
			return nil, fmt.Errorf("reading entries %d–%d: %w", firstID, firstID+len(spans)-1, err)
		}
	}
	var buf []byte
	for i, e := range spans {
		var data []byte
		if block != nil {
			data = block[e.off-lo : e.off-lo+e.n]
		} else {
			if cap(buf) < int(e.n) {
				buf = make([]byte, e.n)
			}
			data = buf[:e.n]
			if _, err := file.ReadAt(data, e.off); err != nil {
				return nil, fmt.Errorf("reading entry %d: %w", firstID+i, err)
			}
		}
		if progress != nil {
			progress.Add(e.n)
		}
		var he harEntry
		if err := unmarshalEntry(data, &he); err != nil {
			return nil, fmt.Errorf("%w: entry %d: %v", ErrNotHAR, firstID+i, err)
		}
		f := flowFromEntry(&he)
		f.ID = firstID + i
		flows = append(flows, f)
	}
	return flows, nil
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

type entrySpan struct {
	off   int64
	n     int64
	start int64 // unix nanoseconds; 0 when unparseable (sorts first, like ReadHAR's zero time)
}

var startedKey = []byte(`"startedDateTime"`)

// indexEntries is ScanHAR's first pass: encoding/json finds log.entries,
// then a byte scanner (strings and nesting only) finds each entry's span and
// its startedDateTime, far faster than decoding.
func indexEntries(file *os.File, progress *atomic.Int64) ([]entrySpan, ScanResult, error) {
	var res ScanResult
	dec := json.NewDecoder(bufio.NewReaderSize(file, 64<<10))
	found, err := walkToEntries(dec)
	if err != nil {
		return nil, res, err
	}
	if !found {
		return nil, res, fmt.Errorf("%w: no log.entries array", ErrNotHAR)
	}
	base := dec.InputOffset() // just after '['
	r := bufio.NewReaderSize(io.NewSectionReader(file, base, 1<<62), 1<<20)
	var (
		idx     []entrySpan
		pos     = base
		sc      spanScanner
		closeAt = -1
	)
	for closeAt < 0 {
		chunk, err := r.Peek(64 << 10)
		if len(chunk) == 0 {
			if err != nil && err != io.EOF {
				return nil, res, err
			}
			break
		}
		var serr error
		closeAt, serr = sc.scan(chunk, pos, func(start, end int64) {
			e := entrySpan{off: start, n: end - start}
			e.start = entryStart(e, file, sc.lead)
			idx = append(idx, e)
		})
		if serr != nil {
			return nil, res, fmt.Errorf("%w: entry %d %v", ErrNotHAR, len(idx)+1, serr)
		}
		n := len(chunk)
		if closeAt >= 0 {
			n = closeAt
		}
		r.Discard(n)
		pos += int64(n)
		if progress != nil {
			progress.Add(int64(n))
		}
	}
	res.Flows = len(idx)
	// The entries array must be closed, then log and the document.
	res.Truncated = closeAt < 0 || !tailCloses(r)
	return idx, res, nil
}

// spanScanner finds the entries of log.entries in a stream of chunks: it
// follows strings and nesting only, skipping string contents with
// bytes.IndexByte, which is what makes the first pass fast.
type spanScanner struct {
	depth    int // 0: inside entries; 1: inside an entry object
	inString bool
	escaped  bool  // the previous chunk ended inside a string on an odd run of backslashes
	start    int64 // offset of the current entry's '{'
	lead     []byte
}

// leadKept bounds the entry's own (depth 1) bytes kept for startedDateTime:
// its top-level fields are short; nested request and response are skipped.
const leadKept = 8 << 10

// structural marks the bytes that matter outside strings.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// scan goes through chunk (at file offset pos), calling entry for each
// whole entry; closeAt is the index of the "]" that closes the entries
// (-1 when not in this chunk).
func (s *spanScanner) scan(chunk []byte, pos int64, entry func(start, end int64)) (closeAt int, err error) {
	keep := func(b []byte) {
		if s.depth == 1 && len(s.lead) < leadKept {
			s.lead = append(s.lead, b[:min(len(b), leadKept-len(s.lead))]...)
		}
	}
	for i := 0; i < len(chunk); {
		if s.inString {
			k := s.stringEnd(chunk[i:])
			if k < 0 {
				keep(chunk[i:])
				return -1, nil
			}
			keep(chunk[i : i+k+1])
			s.inString = false
			i += k + 1
			continue
		}
		j := i
		for j < len(chunk) && !structural[chunk[j]] {
			j++
		}
		keep(chunk[i:j])
		if j == len(chunk) {
			return -1, nil
		}
		c := chunk[j]
		switch c {
		case '"':
			keep(chunk[j : j+1])
			s.inString = true
		case '{', '[':
			s.depth++
			if s.depth == 1 {
				if c != '{' {
					return -1, errors.New("is not an object")
				}
				s.start = pos + int64(j)
				s.lead = s.lead[:0]
			}
			keep(chunk[j : j+1])
		case '}', ']':
			keep(chunk[j : j+1])
			s.depth--
			if s.depth == 0 {
				entry(s.start, pos+int64(j)+1)
			}
			if s.depth < 0 {
				return j, nil
			}
		}
		i = j + 1
	}
	return -1, nil
}

// stringEnd is the index of the quote that ends the string b continues
// (-1 when b ends first); it carries an escaping backslash to the next chunk.
func (s *spanScanner) stringEnd(b []byte) int {
	from := 0
	for {
		k := bytes.IndexByte(b[from:], '"')
		if k < 0 {
			run := 0
			for run < len(b) && b[len(b)-1-run] == '\\' {
				run++
			}
			if run == len(b) && s.escaped {
				run++
			}
			s.escaped = run%2 == 1
			return -1
		}
		q := from + k
		run := 0
		for q-1-run >= 0 && b[q-1-run] == '\\' {
			run++
		}
		if q-run == 0 && s.escaped {
			run++
		}
		s.escaped = false
		if run%2 == 0 {
			return q
		}
		from = q + 1
	}
}

// tailCloses reports whether r, positioned at the "]" that ends the entries,
// closes log and the document (other log fields may come first). The decoder
// is given the opening it needs to parse the tail.
func tailCloses(r io.Reader) bool {
	dec := json.NewDecoder(io.MultiReader(strings.NewReader(`{"log":{"entries":[`), r))
	for i := 0; i < 5; i++ {
		if _, err := dec.Token(); err != nil {
			return false
		}
	}
	return closeDocument(dec)
}

// entryStart finds startedDateTime in the entry's leading bytes (provtap and
// most tools write it first), else decodes the whole entry's head.
func entryStart(e entrySpan, file *os.File, lead []byte) int64 {
	if s, ok := startedValue(lead); ok {
		if t := parseHARTime(s); !t.IsZero() {
			return t.UnixNano()
		}
		return 0
	}
	data := make([]byte, e.n)
	if _, err := file.ReadAt(data, e.off); err != nil {
		return 0
	}
	var head struct {
		StartedDateTime string `json:"startedDateTime"`
	}
	_ = json.Unmarshal(data, &head)
	if t := parseHARTime(head.StartedDateTime); !t.IsZero() {
		return t.UnixNano()
	}
	return 0
}

// startedValue extracts "startedDateTime":"…" from an entry's leading bytes.
func startedValue(lead []byte) (string, bool) {
	i := bytes.Index(lead, startedKey)
	if i < 0 {
		return "", false
	}
	rest := bytes.TrimLeft(lead[i+len(startedKey):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return "", false
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '"' {
		return "", false
	}
	end := bytes.IndexByte(rest[1:], '"')
	if end < 0 || bytes.IndexByte(rest[1:end+1], '\\') >= 0 {
		return "", false
	}
	return string(rest[1 : end+1]), true
}
