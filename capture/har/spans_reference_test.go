package har

import (
	"encoding/binary"
	"math/bits"
)

// The span scanner as it was before the block scanner (spans.go): one
// table look-up per byte outside strings, strings skipped eight bytes at a
// time. FuzzSpanScanner holds the block scanner to it.

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

// scanReference goes through chunk (at file offset pos), recording each whole entry;
// it returns how many bytes it consumed (all of chunk unless it found the
// "]" closing the entries, which it does not consume, or an error).
func (s *spanScanner) scanReference(chunk []byte, pos int64) int {
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
