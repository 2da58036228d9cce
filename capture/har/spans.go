package har

import (
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"os"
	"sync/atomic"
)

// spanScanner finds the entries of log.entries in a stream of chunks: it
// follows strings and nesting only, one table look-up per byte in a loop
// that keeps its state in locals, which is what makes the first pass fast.
type spanScanner struct {
	file     *os.File // for an entry whose startedDateTime is not in its lead
	depth    int      // 0: inside entries; 1: inside an entry object
	inString bool
	escaped  bool  // the previous chunk ended inside a string on an escaping backslash
	start    int64 // offset of the current entry's '{'
	lead     []byte
	spans    []entrySpan
	closeAt  int64 // offset of the "]" that closes the entries; -1 until found
	err      error // an entry that is not an object (entries found before it are kept)

	// A scanner started speculatively inside an entry whose '{' it did not
	// see (a parallel part, index.go) sets inherited: the end of that
	// entry is firstEnd (-1 until found), not a span of its own.
	inherited bool
	firstEnd  int64
	scanned   int64 // bytes this scanner added to progress
}

func newSpanScanner(file *os.File) *spanScanner {
	return &spanScanner{file: file, closeAt: -1, firstEnd: -1}
}

// leadKept bounds the entry's own (depth 1) bytes kept for startedDateTime:
// its top-level fields are short; nested request and response are skipped.
const leadKept = 8 << 10

// Byte classes: what matters outside strings, and inside them.
const (
	plainByte = iota
	quoteByte
	openByte
	closeByte
)

var outsideClass = [256]uint8{'"': quoteByte, '{': openByte, '[': openByte, '}': closeByte, ']': closeByte}

// stringStop marks the bytes that end a run of plain string content.
var stringStop = [256]bool{'"': true, '\\': true}

// stringEnd is the index just after the quote that closes the string b
// continues from i, with closed set; or len(b) when b ends first, with
// escaped set when it ends on an escaping backslash.
func stringEnd(b []byte, i int) (end int, closed, escaped bool) {
	for {
		i = stringRun(b, i)
		if i == len(b) {
			return i, false, false
		}
		if b[i] == '"' {
			return i + 1, true, false
		}
		i += 2 // the backslash and the byte it escapes
		if i > len(b) {
			return len(b), false, true
		}
	}
}

// stringRun is the index of the first quote or backslash in b from i
// (len(b) when there is none), eight bytes at a time: x^q has a zero byte
// where x has a q, and (v-0x01…)&^v&0x80… sets the high bit of v's first
// zero byte (bytes above it may be set wrongly, not those below).
func stringRun(b []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q, bs := x^(ones*'"'), x^(ones*'\\')
		if m := ((q-ones)&^q | (bs-ones)&^bs) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(b) && !stringStop[b[i]] {
		i++
	}
	return i
}

// errNotObject: an element of log.entries is not a JSON object.
var errNotObject = errors.New("is not an object")

// done reports whether the scanner has nothing more to do: the entries are
// closed or an entry is not an object.
func (s *spanScanner) done() bool { return s.closeAt >= 0 || s.err != nil }

// run scans the file from off up to limit (its end when limit < 0), or
// until done; stop, when set by another goroutine, ends it early.
func (s *spanScanner) run(off, limit int64, progress *atomic.Int64, stop *atomic.Bool) error {
	end := limit
	if end < 0 {
		end = off + 1<<20
		if st, err := s.file.Stat(); err == nil {
			end = st.Size()
		}
	}
	buf := make([]byte, min(1<<20, max(4<<10, end-off)))
	for !s.done() && (limit < 0 || off < limit) {
		if stop != nil && stop.Load() {
			return nil
		}
		want := int64(len(buf))
		if limit >= 0 {
			want = min(want, limit-off)
		}
		n, err := s.file.ReadAt(buf[:want], off)
		if n == 0 {
			if err != nil && err != io.EOF {
				return err
			}
			return nil // the end of the file
		}
		used := s.scan(buf[:n], off)
		off += int64(used)
		s.scanned += int64(used)
		if progress != nil {
			progress.Add(int64(used))
		}
	}
	return nil
}

// scan goes through chunk (at file offset pos), recording each whole entry;
// it returns how many bytes it consumed (all of chunk unless it found the
// "]" closing the entries, which it does not consume, or an error).
func (s *spanScanner) scan(chunk []byte, pos int64) int {
	depth, inString, escaped := s.depth, s.inString, s.escaped
	seg := 0 // where the current run of the entry's own bytes began (depth 1)
	i := 0
	if inString { // a string that began in an earlier chunk
		if escaped {
			i = 1
		}
		var closed bool
		i, closed, escaped = stringEnd(chunk, i)
		inString = !closed
	}
	for i < len(chunk) && !inString {
		c := chunk[i]
		switch outsideClass[c] {
		case quoteByte:
			var closed bool
			i, closed, escaped = stringEnd(chunk, i+1)
			inString = !closed
			continue
		case openByte:
			depth++
			switch depth {
			case 1:
				if c != '{' {
					s.depth, s.inString, s.escaped = depth-1, inString, escaped
					s.err = errNotObject
					return i
				}
				s.start = pos + int64(i)
				s.lead = s.lead[:0]
				seg = i
			case 2:
				s.keep(chunk[seg:i])
			}
		case closeByte:
			depth--
			switch depth {
			case 1:
				seg = i + 1
			case 0:
				s.keep(chunk[seg : i+1])
				s.ended(pos + int64(i) + 1)
			case -1:
				s.depth, s.inString, s.escaped = depth, inString, escaped
				s.closeAt = pos + int64(i)
				return i
			}
		}
		i++
	}
	if depth == 1 {
		s.keep(chunk[seg:])
	}
	s.depth, s.inString, s.escaped = depth, inString, escaped
	return len(chunk)
}

// keep adds b to the lead of the current entry, up to leadKept bytes.
func (s *spanScanner) keep(b []byte) {
	if room := leadKept - len(s.lead); room > 0 {
		s.lead = append(s.lead, b[:min(len(b), room)]...)
	}
}

// ended records the entry that ends at end.
func (s *spanScanner) ended(end int64) {
	if s.inherited {
		s.inherited, s.firstEnd = false, end
		return
	}
	e := entrySpan{off: s.start, n: end - s.start}
	e.start = entryStart(e, s.file, s.lead)
	s.spans = append(s.spans, e)
}
