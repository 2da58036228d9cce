package har

import (
	"encoding/binary"
	"math/bits"
)

// The span scanner's block stage, after simdjson's stage 1 but in plain
// 64-bit words (SWAR) so it builds for every GOARCH: 64 bytes become one
// bit per byte for each class that matters, and strings become a mask.

// blockMasks has bit k set where byte k of a block is of the class.
type blockMasks struct {
	quote uint64 // '"'
	// The brackets '{', '[', '}' and ']', and maybe other bytes of
	// 0x5b-0x5f and 0x7b-0x7f (bracketStep tells them apart), which
	// include the backslash: a block whose strings hold none of them has
	// no escape in its strings. No byte of the mask may stand outside a
	// string in JSON, and this wider test is cheaper.
	bracket uint64
	// exact: the classifier also gave the opening and closing brackets
	// alone and the backslashes (AVX2 does at little cost; SWAR does not).
	exact                  bool
	open, close, backslash uint64
}

const (
	lows  = 0x0101010101010101
	low7s = 0x7f7f7f7f7f7f7f7f
	highs = 0x8080808080808080
	// With 0x20, '[' and ']' become '{' and '}' and 0x5b-0x5f 0x7b-0x7f,
	// which +0x05 lifts to the high bit.
	bracketFold = lows * 0x20
	bracketLift = lows * 0x05
	evenBits    = 0x5555555555555555
)

// blockBatch is how many blocks classifyBlocks classifies at once.
const blockBatch = 16

// classifyEach is classifyBlocks one block at a time (classify's SWAR).
func classifyEach(chunk []byte, n int, out *[blockBatch]blockMasks) int {
	for i := range n {
		out[i] = classify((*[64]byte)(chunk[i*64:]))
	}
	return n
}

// bracketStep is what a bracket does to the depth; 0 for the other
// bytes the bracket mask may hold.
var bracketStep = [256]int8{'{': 1, '[': 1, '}': -1, ']': -1}

// classify computes the masks of a block of 64 bytes, eight at a time
// (the words' bytes combined at once, not one after another: they do not
// wait on each other).
func classify(b *[64]byte) blockMasks {
	q0, b0 := wordMasks(binary.LittleEndian.Uint64(b[0:]))
	q1, b1 := wordMasks(binary.LittleEndian.Uint64(b[8:]))
	q2, b2 := wordMasks(binary.LittleEndian.Uint64(b[16:]))
	q3, b3 := wordMasks(binary.LittleEndian.Uint64(b[24:]))
	q4, b4 := wordMasks(binary.LittleEndian.Uint64(b[32:]))
	q5, b5 := wordMasks(binary.LittleEndian.Uint64(b[40:]))
	q6, b6 := wordMasks(binary.LittleEndian.Uint64(b[48:]))
	q7, b7 := wordMasks(binary.LittleEndian.Uint64(b[56:]))
	return blockMasks{
		quote:   ^(q0 | q1<<8 | q2<<16 | q3<<24 | q4<<32 | q5<<40 | q6<<48 | q7<<56),
		bracket: b0 | b1<<8 | b2<<16 | b3<<24 | b4<<32 | b5<<40 | b6<<48 | b7<<56,
	}
}

// wordMasks is the bytes of x that are not quotes, and the bracket mask.
// A byte b is c where (b&0x7f ^ c) + 0x7f has no high bit and b has none
// either (no carry crosses bytes, so the bytes above a match are right
// too, unlike the cheaper (v-0x01…)&^v test).
func wordMasks(x uint64) (notQuote, bracket uint64) {
	low := x & low7s
	return gatherHighs((low ^ lows*'"') + low7s | x), gatherHighs(((low | bracketFold) + bracketLift) &^ x)
}

// backslashes is the mask of a block's backslashes.
func backslashes(b *[64]byte) (mask uint64) {
	for k := 56; k >= 0; k -= 8 {
		x := binary.LittleEndian.Uint64(b[k:])
		mask = mask<<8 | gatherHighs(((x&low7s^lows*'\\')+low7s|x)^highs)
	}
	return mask
}

// gatherHighs packs the high bits of h's bytes into its low byte, byte k's
// in bit k: the multiplier moves bit 8k+7 to 56+k, and no two of its
// partial products meet, so nothing carries.
func gatherHighs(h uint64) uint64 {
	return (h & highs) * (0x0102040810204080 >> 7) >> 56
}

// escapedBits marks the bytes escaped by a backslash in a block whose
// first byte is escaped when prev is 1: a run of backslashes escapes every
// second byte after its start. carry is 1 when the block's last byte is an
// escaping backslash. (simdjson's find_escaped_branchless: adding the
// odd-started runs to all runs flips the parity of exactly those runs.)
func escapedBits(backslash, prev uint64) (escaped, carry uint64) {
	backslash &^= prev
	follows := backslash<<1 | prev
	oddStarts := backslash &^ evenBits &^ follows
	evenStarted, carry := bits.Add64(oddStarts, backslash, 0)
	return (evenBits ^ evenStarted<<1) & follows, carry
}

// prefixXor sets bit k to the parity of bits 0..k of x.
func prefixXor(x uint64) uint64 {
	x ^= x << 1
	x ^= x << 2
	x ^= x << 4
	x ^= x << 8
	x ^= x << 16
	x ^= x << 32
	return x
}

// stringBits is the mask of a block's bytes inside strings (an opening
// quote in, its closing quote out), for a block of n valid bytes (the rest
// zero) that starts inside a string when inString is all ones, and on an
// escaped byte when escaped is 1; next is 1 when the byte after the block
// is escaped.
//
// A backslash escapes only inside a string: outside one it is a plain byte
// (JSON has none there, but the scanner must be exact for any bytes). The
// masks are computed as if every backslash escaped; while one lies outside
// the strings they give, the first such one is dropped and they are
// computed again. Everything before it was right, so it is a plain byte.
func stringBits(quote, backslash, inString, escaped uint64, n int) (str, next uint64) {
	for {
		esc, carry := escapedBits(backslash, escaped)
		str = prefixXor(quote&^esc) ^ inString
		if stray := backslash &^ str; stray != 0 {
			backslash &^= stray & -stray
			continue
		}
		if n < 64 {
			carry = esc >> n & 1
		}
		return str, carry
	}
}
