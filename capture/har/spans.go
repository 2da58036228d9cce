package har

import (
	"errors"
	"io"
	"math/bits"
	"os"
	"sync/atomic"
)

// spanScanner finds the entries of log.entries in a stream of chunks: it
// follows strings and nesting only, which is what makes the first pass fast.
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
// "]" closing the entries, which it does not consume, or an error). It
// classifies 64 bytes at a time into bit masks (spans_block.go) and looks only
// at the brackets outside strings, one bit each.
func (s *spanScanner) scan(chunk []byte, pos int64) int {
	depth := s.depth
	var inString, escaped uint64 // all ones inside a string; 1: the next byte is escaped
	if s.inString {
		inString = ^uint64(0)
	}
	if s.escaped {
		escaped = 1
	}
	seg := 0 // where the current run of the entry's own bytes began (depth 1)
	var pad [64]byte
	var masks [blockBatch]blockMasks
	var tail blockMasks
	next, have := 0, 0 // masks[next:have] are the blocks from base on
	for base := 0; base < len(chunk); base += 64 {
		blk, m := &pad, &tail
		n := len(chunk) - base
		if n >= 64 {
			blk = (*[64]byte)(chunk[base:])
			if next == have {
				next, have = 0, classifyBlocks(chunk[base:], &masks)
			}
			m = &masks[next]
			next++
		} else {
			pad = [64]byte{} // zero bytes are in no class
			copy(pad[:], chunk[base:])
			tail = classifyBlock(blk)
		}
		str := prefixXor(m.quote) ^ inString
		if escaped|m.bracket&str == 0 {
			escaped = 0 // no backslash in a string (see blockMasks)
		} else {
			bs := m.backslash
			if !m.exact {
				bs = backslashes(blk)
			}
			str, escaped = stringBits(m.quote, bs, inString, escaped, n)
		}
		if m.exact {
			// Within an entry's request or response all the block long (even
			// were every close first), the brackets only count.
			opens, closes := bits.OnesCount64(m.open&^str), bits.OnesCount64(m.close&^str)
			if depth-closes >= 2 {
				depth += opens - closes
				inString = uint64(int64(str) >> 63)
				continue
			}
		}
		for brackets := m.bracket &^ str; brackets != 0; brackets &= brackets - 1 {
			bit := bits.TrailingZeros64(brackets)
			step := int(bracketStep[chunk[base+bit]])
			if min(depth, depth+step) >= 2 {
				depth += step // within an entry's request or response
				continue
			}
			if step == 0 {
				continue // not a bracket
			}
			i := base + bit
			depth += step
			switch depth {
			case 1:
				if step < 0 {
					seg = i + 1
					continue
				}
				if chunk[i] != '{' {
					s.depth, s.inString, s.escaped = depth-1, false, false
					s.err = errNotObject
					return i
				}
				s.start = pos + int64(i)
				s.lead = s.lead[:0]
				seg = i
			case 2:
				s.keep(chunk[seg:i])
			case 0:
				s.keep(chunk[seg : i+1])
				s.ended(pos + int64(i) + 1)
			case -1:
				s.depth, s.inString, s.escaped = depth, false, false
				s.closeAt = pos + int64(i)
				return i
			}
		}
		inString = uint64(int64(str) >> 63)
	}
	if depth == 1 {
		s.keep(chunk[seg:])
	}
	s.depth, s.inString, s.escaped = depth, inString != 0, escaped != 0
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
