package har

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

type entrySpan struct {
	off   int64
	n     int64
	start int64 // unix nanoseconds; 0 when unparseable (sorts first, like ReadHAR's zero time)
}

var startedKey = []byte(`"startedDateTime"`)

// parallelFrom is the size of entries below which one goroutine indexes
// them: a part's start-up costs more than it saves on a small file.
const parallelFrom = 8 << 20

// indexEntries is ScanHAR's first pass: encoding/json finds log.entries,
// then a byte scanner (strings and nesting only) finds each entry's span and
// its startedDateTime, far faster than decoding. A large file is scanned in
// parts at once (see part); the result is exactly the one-pass result.
func indexEntries(file *os.File, progress *atomic.Int64) ([]entrySpan, ScanResult, error) {
	var res ScanResult
	base, err := entriesStart(file)
	if err != nil {
		return nil, res, err
	}
	var size int64
	if st, err := file.Stat(); err == nil {
		size = st.Size()
	}
	parts := runtime.GOMAXPROCS(0)
	if size-base < parallelFrom {
		parts = 1
	}
	sc := newSpanScanner(file)
	if err := scanInParts(sc, base, size, parts, progress); err != nil {
		return nil, res, err
	}
	if sc.err != nil {
		return nil, res, fmt.Errorf("%w: entry %d %v", ErrNotHAR, len(sc.spans)+1, sc.err)
	}
	res.Flows = len(sc.spans)
	// The entries array must be closed, then log and the document.
	res.Truncated = sc.closeAt < 0 || !tailCloses(io.NewSectionReader(file, sc.closeAt, 1<<62))
	return sc.spans, res, nil
}

// entriesStart reads file from its start to log.entries and says where
// the first entry may begin (just after the '['); an error wrapping
// ErrNotHAR when the file is no HAR document.
func entriesStart(file *os.File) (int64, error) {
	bom := skipBOM(file)
	dec := json.NewDecoder(bufio.NewReaderSize(file, 64<<10))
	found, err := walkToEntries(dec)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, fmt.Errorf("%w: no log.entries array", ErrNotHAR)
	}
	return bom + dec.InputOffset(), nil
}

// skipBOM moves file past a UTF-8 byte order mark at its start (Windows
// tools and PowerShell write one), and says how long it was: 3 or 0.
func skipBOM(file *os.File) int64 {
	var head [3]byte
	if n, _ := file.ReadAt(head[:], 0); n == 3 && string(head[:]) == "\xef\xbb\xbf" {
		if _, err := file.Seek(3, io.SeekStart); err == nil {
			return 3
		}
	}
	return 0
}

// scanInParts runs sc over the file from base, in up to n parts at once
// when the file is large. Each part after the first starts at a
// "startedDateTime" key (findKey) guessing that it is a key of an entry in
// log.entries, where a scanner knows its state: depth 1, outside a string.
// When sc, going through the parts in order, reaches a part's start in
// exactly that state, the guess held: sc reads on to the end of the entry
// the part started in and takes the part's entries and final state as its
// own (from there both scanned the same bytes from the same state).
// Otherwise sc scans the part's bytes itself. Either way the result is the
// one-pass result, whatever the bytes.
func scanInParts(sc *spanScanner, base, size int64, n int, progress *atomic.Int64) error {
	if n < 2 {
		return sc.run(base, -1, progress, nil)
	}
	var starts []int64
	for i := 1; i < n; i++ {
		from := base + (size-base)*int64(i)/int64(n)
		if len(starts) > 0 && from < starts[len(starts)-1] {
			continue
		}
		if at := findKey(sc.file, from, base, base+(size-base)*int64(i+1)/int64(n)); at > 0 {
			starts = append(starts, at)
		}
	}
	if len(starts) == 0 {
		return sc.run(base, -1, progress, nil)
	}
	var (
		stop  atomic.Bool
		wg    sync.WaitGroup
		parts = make([]*spanScanner, len(starts))
		errs  = make([]error, len(starts))
		ready = make([]chan struct{}, len(starts))
	)
	defer wg.Wait()
	defer stop.Store(true)
	for i, at := range starts {
		limit := int64(-1)
		if i+1 < len(starts) {
			limit = starts[i+1]
		}
		p := newSpanScanner(sc.file)
		p.depth, p.inherited = 1, true
		parts[i], ready[i] = p, make(chan struct{})
		wg.Add(1)
		go func(i int, at, limit int64) {
			defer wg.Done()
			defer close(ready[i])
			errs[i] = p.run(at, limit, progress, &stop)
		}(i, at, limit)
	}
	if err := sc.run(base, starts[0], progress, nil); err != nil {
		return err
	}
	for i, at := range starts {
		limit := int64(-1)
		if i+1 < len(starts) {
			limit = starts[i+1]
		}
		if sc.done() {
			return nil
		}
		<-ready[i]
		p := parts[i]
		if errs[i] != nil {
			return errs[i]
		}
		if sc.depth != 1 || sc.inString || sc.escaped || p.firstEnd < 0 {
			// Not an entry's key, or one entry fills the part: sequential.
			if progress != nil {
				progress.Add(-p.scanned)
			}
			if err := sc.run(at, limit, progress, nil); err != nil {
				return err
			}
			continue
		}
		if err := sc.run(at, p.firstEnd, progress, nil); err != nil {
			return err
		}
		sc.spans = append(sc.spans, p.spans...)
		sc.depth, sc.inString, sc.escaped = p.depth, p.inString, p.escaped
		sc.start, sc.lead = p.start, p.lead
		sc.closeAt, sc.err = p.closeAt, p.err
	}
	return nil
}

// findKey looks for `"startedDateTime"`, whitespace, ':' starting in
// [from, to) with an unescaped opening quote (after an even run of
// backslashes), and returns the offset just after the ':' (-1 when there is
// none). In valid JSON that quote opens a string (a letter cannot follow a
// closing one) and the colon makes it an object's key, so a scan can go on
// from there outside any string. base (just after the entries' '[') bounds
// how far back backslashes are counted.
func findKey(file *os.File, from, base, to int64) int64 {
	const window = 256 << 10
	const back, ahead = 64, 64 // backslashes before the quote; spaces before the colon
	buf := make([]byte, back+min(window, to-from)+ahead)
	for at := from; at < to; at += window {
		lo := max(base, at-back)
		n, _ := file.ReadAt(buf, lo)
		b := buf[:n]
		last := int(min(at+window, to) - lo) // candidates start before this
		for k := int(at - lo); k < min(last, len(b)); {
			j := bytes.Index(b[k:], startedKey)
			if j < 0 || k+j >= last {
				break
			}
			q := k + j
			k = q + 1
			run := 0
			for q-1-run >= 0 && b[q-1-run] == '\\' {
				run++
			}
			if run%2 == 1 || (q-run == 0 && lo > base) {
				continue // escaped, or what precedes the window is unknown
			}
			rest := bytes.TrimLeft(b[q+len(startedKey):], " \t\r\n")
			if len(rest) > 0 && rest[0] == ':' {
				return lo + int64(len(b)-len(rest)) + 1
			}
		}
		if n < len(buf) {
			break
		}
	}
	return -1
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
		// Only parsed, not kept: no copy of the lead's bytes.
		if t := parseHARTime(unsafe.String(unsafe.SliceData(s), len(s))); !t.IsZero() {
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

// trimJSONSpace is b after its leading JSON whitespace (bytes.TrimLeft
// builds its set on every call: once per entry in the index pass).
func trimJSONSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	return b
}

// startedValue extracts "startedDateTime":"…" from an entry's leading bytes.
func startedValue(lead []byte) ([]byte, bool) {
	i := bytes.Index(lead, startedKey)
	if i < 0 {
		return nil, false
	}
	rest := trimJSONSpace(lead[i+len(startedKey):])
	if len(rest) == 0 || rest[0] != ':' {
		return nil, false
	}
	rest = trimJSONSpace(rest[1:])
	if len(rest) == 0 || rest[0] != '"' {
		return nil, false
	}
	end := bytes.IndexByte(rest[1:], '"')
	if end < 0 || bytes.IndexByte(rest[1:end+1], '\\') >= 0 {
		return nil, false
	}
	return rest[1 : end+1], true
}
