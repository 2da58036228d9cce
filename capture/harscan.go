package capture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"sync/atomic"
)

// ScanResult summarizes a streamed capture.
type ScanResult struct {
	Flows     int
	Truncated bool
}

// ScanHAR streams the capture at path to fn one flow at a time, in start
// order and numbered as ReadHAR numbers them, without holding the capture in
// memory: a first pass notes where each entry is and when it started, a
// second decodes entries one by one in start order. progress, if not nil, counts bytes
// processed over both passes (2 × the file size in all).
func ScanHAR(path string, progress *atomic.Int64, fn func(*Flow)) (ScanResult, error) {
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
	var buf []byte
	for i, e := range idx {
		if cap(buf) < int(e.n) {
			buf = make([]byte, e.n)
		}
		data := buf[:e.n]
		if _, err := file.ReadAt(data, e.off); err != nil {
			return res, fmt.Errorf("%s: reading entry %d: %w", path, i+1, err)
		}
		if progress != nil {
			progress.Add(e.n)
		}
		var he harEntry
		if err := json.Unmarshal(bytes.TrimLeft(data, " \t\r\n,"), &he); err != nil {
			return res, fmt.Errorf("%s: %w: entry %d: %v", path, ErrNotHAR, i+1, err)
		}
		f := flowFromEntry(&he)
		f.ID = i + 1
		fn(f)
	}
	return res, nil
}

type entrySpan struct {
	off   int64
	n     int64
	start int64 // unix nanoseconds; 0 when unparseable (sorts first, like ReadHAR's zero time)
}

// indexEntries is ScanHAR's first pass.
func indexEntries(file *os.File, progress *atomic.Int64) ([]entrySpan, ScanResult, error) {
	var res ScanResult
	cr := &countReader{r: file, progress: progress}
	dec := json.NewDecoder(bufio.NewReaderSize(cr, 256<<10))
	found, err := walkToEntries(dec)
	if err != nil {
		return nil, res, err
	}
	if !found {
		return nil, res, fmt.Errorf("%w: no log.entries array", ErrNotHAR)
	}
	var idx []entrySpan
	for dec.More() {
		off := dec.InputOffset()
		var head struct {
			StartedDateTime string `json:"startedDateTime"`
		}
		if err := dec.Decode(&head); err != nil {
			if isTruncation(err) {
				res.Truncated = true
				break
			}
			return nil, res, fmt.Errorf("%w: entry %d: %v", ErrNotHAR, len(idx)+1, err)
		}
		var start int64
		if t := parseHARTime(head.StartedDateTime); !t.IsZero() {
			start = t.UnixNano()
		}
		idx = append(idx, entrySpan{off: off, n: dec.InputOffset() - off, start: start})
	}
	if !res.Truncated && !closeDocument(dec) {
		res.Truncated = true
	}
	res.Flows = len(idx)
	return idx, res, nil
}

type countReader struct {
	r        io.Reader
	progress *atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.progress != nil {
		c.progress.Add(int64(n))
	}
	return n, err
}
