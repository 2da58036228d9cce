package har

import (
	"bytes"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// scanState is everything a span scanner has found and carries on.
type scanState struct {
	Spans                    []entrySpan
	Lead                     []byte
	Start, CloseAt, FirstEnd int64
	Err                      error
	Depth                    int
	InString, Escaped        bool
	Inherited                bool
	Used                     []int // what each chunk's scan consumed
}

// scanChunks feeds doc to a new scanner in chunks as run does (stopping
// once it is done), with the chunk sizes cycling through cuts (each 1 to
// 256 bytes; the whole doc at once when cuts is empty). inherited starts
// it as a parallel part does: inside an entry it did not see begin.
func scanChunks(doc, cuts []byte, inherited, reference bool) scanState {
	s := newSpanScanner(nil)
	if inherited {
		s.depth, s.inherited = 1, true
	}
	var used []int
	for off, k := 0, 0; off < len(doc) && !s.done(); k++ {
		n := len(doc) - off
		if len(cuts) > 0 {
			n = min(n, int(cuts[k%len(cuts)])+1)
		}
		chunk := doc[off : off+n]
		var u int
		if reference {
			u = s.scanReference(chunk, int64(off))
		} else {
			u = s.scan(chunk, int64(off))
		}
		used = append(used, u)
		off += u
	}
	return scanState{s.spans, s.lead, s.start, s.closeAt, s.firstEnd, s.err, s.depth, s.inString, s.escaped, s.inherited, used}
}

// checkScanner: the block scanner finds what the reference finds, with
// each way of classifying blocks this machine has.
func checkScanner(t testing.TB, doc, cuts []byte, inherited bool) {
	t.Helper()
	want := scanChunks(doc, cuts, inherited, true)
	for _, simd := range blockClassifiers() {
		got := withAVX2(simd, func() scanState { return scanChunks(doc, cuts, inherited, false) })
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("doc %q cuts %v inherited %v avx2 %v:\nblock:     %+v\nreference: %+v", doc, cuts, inherited, simd, got, want)
		}
	}
}

// blockClassifiers is which settings of hasAVX2 this machine can run:
// the SWAR classifier always, AVX2 where the CPU has it.
func blockClassifiers() []bool {
	if hasAVX2 {
		return []bool{true, false}
	}
	return []bool{false}
}

// withAVX2 runs fn with hasAVX2 set to simd (tests of this package do not
// run in parallel).
func withAVX2[T any](simd bool, fn func() T) T {
	saved := hasAVX2
	defer func() { hasAVX2 = saved }()
	hasAVX2 = simd
	return fn()
}

// nastyDocs have backslash runs, quotes and brackets at every alignment to
// a 64-byte block, brackets in strings, backslashes outside strings, a
// non-object entry and the closing bracket.
func nastyDocs() []string {
	entry := `{"startedDateTime":"2026-11-02T09:00:01.5Z","request":{"headers":[{"name":"a\\","value":"\"}]{["}]},"response":{"content":{"text":"{\"a\":\"\\\\\\\"\"}"}}}`
	var docs []string
	for pad := 0; pad < 70; pad++ {
		x := strings.Repeat("x", pad)
		docs = append(docs,
			`{"a":"`+x+`\\\\\\\"}{[", "startedDateTime":"2026-11-02T09:00:00Z"},`+entry,
			`{"a":"`+x+`\\\\\\\\"}, {"b":`+x+`\"}{"}`+entry+`]}}`,
			x+`\"{"a":"}"}`+`\\`+entry+`,\[{}]`,
			`{"startedDateTime":"`+x+`"}`+strings.Repeat(`\`, pad%9)+`"`+entry,
		)
	}
	return append(docs, `], "pages":[]}}`, `{"a":1}, [2], {"b":3}`, `"\\"{"x":"\"}"}]`, `{{{{{{}}}}}}}}`)
}

func TestSpanScannerIsReference(t *testing.T) {
	for _, doc := range nastyDocs() {
		for _, cuts := range [][]byte{nil, {0}, {6, 63, 64, 0, 200}, {127, 255, 30}} {
			checkScanner(t, []byte(doc), cuts, false)
			checkScanner(t, []byte(doc), cuts, true)
		}
	}
	var sample []byte
	for _, e := range sampleEntries(t) {
		sample = append(append(sample, e...), ",\n"...)
	}
	checkScanner(t, sample, nil, false)
	checkScanner(t, sample, []byte{255, 17, 64, 100}, true)
	// Random documents over the bytes that matter, dense in backslashes.
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = `"\\{}[]x :`
	for range 3000 {
		doc := make([]byte, rng.IntN(400))
		for i := range doc {
			doc[i] = alphabet[rng.IntN(len(alphabet))]
		}
		cuts := make([]byte, rng.IntN(4))
		for i := range cuts {
			cuts[i] = byte(rng.IntN(256))
		}
		checkScanner(t, doc, cuts, rng.IntN(2) == 0)
	}
}

// FuzzSpanScanner: for any bytes in any chunks, the block scanner finds
// what the reference finds and ends in the same state.
func FuzzSpanScanner(f *testing.F) {
	for i, doc := range nastyDocs() {
		f.Add([]byte(doc), []byte{byte(i), 63, 64}, i%2 == 0)
	}
	for i, e := range sampleEntries(f) {
		f.Add(append(bytes.Clone(e), ",\n"...), []byte{byte(i * 37)}, false)
	}
	f.Fuzz(func(t *testing.T, doc, cuts []byte, inherited bool) {
		checkScanner(t, doc, cuts, inherited)
	})
}

// escapedNaive is escapedBits one byte at a time.
func escapedNaive(backslash, prev uint64) (escaped, carry uint64) {
	esc := prev == 1
	for k := range 64 {
		switch {
		case esc:
			escaped |= 1 << k
			esc = false
		case backslash>>k&1 == 1:
			esc = true
		}
	}
	if esc {
		carry = 1
	}
	return escaped, carry
}

func TestEscapedBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		// Runs of backslashes: an AND of random words thins them.
		b := rng.Uint64()
		for range rng.IntN(3) {
			b &= rng.Uint64() | rng.Uint64()
		}
		b = bits.RotateLeft64(b, rng.IntN(64))
		prev := rng.Uint64() & 1
		e, c := escapedBits(b, prev)
		we, wc := escapedNaive(b, prev)
		if e != we || c != wc {
			t.Fatalf("escapedBits(%064b, %d) = %064b, %d; want %064b, %d", b, prev, e, c, we, wc)
		}
	}
}

func TestClassify(t *testing.T) {
	var blk [64]byte
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		for i := range blk {
			blk[i] = byte(rng.IntN(256))
			if rng.IntN(3) == 0 {
				blk[i] = `"\{}[]|_~^`[rng.IntN(10)]
			}
		}
		var want blockMasks
		var wantBackslash, mayBeBracket, wantOpen, wantClose uint64
		for i, c := range blk {
			bit := uint64(1) << i
			switch c {
			case '"':
				want.quote |= bit
			case '\\':
				wantBackslash |= bit
			case '{', '[':
				want.bracket |= bit
				wantOpen |= bit
			case '}', ']':
				want.bracket |= bit
				wantClose |= bit
			}
			if c|0x20 >= 0x7b && c < 0x80 {
				mayBeBracket |= bit
			}
		}
		got := classify(&blk)
		if got.quote != want.quote || got.bracket&(want.bracket|wantBackslash) != want.bracket|wantBackslash || got.bracket&^mayBeBracket != 0 {
			t.Fatalf("classify(%q) = %+v; want %+v", blk, got, want)
		}
		if hasAVX2 { // exactly the brackets and backslashes
			got := classifyBlock(&blk)
			if got.quote != want.quote || got.bracket != want.bracket|wantBackslash || !got.exact ||
				got.open != wantOpen || got.close != wantClose || got.backslash != wantBackslash {
				t.Fatalf("classifyBlock(%q) = %+v; want quotes %x, brackets and backslashes %x", blk, got, want.quote, want.bracket|wantBackslash)
			}
		}
		if got := backslashes(&blk); got != wantBackslash {
			t.Fatalf("backslashes(%q) = %x; want %x", blk, got, wantBackslash)
		}
	}
}

// TestBlockMasksLayout: classifyAVX2Blocks writes blockMasks by offset.
func TestBlockMasksLayout(t *testing.T) {
	var m blockMasks
	got := []uintptr{unsafe.Offsetof(m.quote), unsafe.Offsetof(m.bracket), unsafe.Offsetof(m.exact),
		unsafe.Offsetof(m.open), unsafe.Offsetof(m.close), unsafe.Offsetof(m.backslash), unsafe.Sizeof(m)}
	if want := []uintptr{0, 8, 16, 24, 32, 40, 48}; !slices.Equal(got, want) {
		t.Fatalf("blockMasks offsets and size %v, want %v (spans_block_amd64.s)", got, want)
	}
}

// TestClassifyBlocks: a batch gives each block's masks as classifyBlock
// does, for every batch length and both classifiers.
func TestClassifyBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	chunk := make([]byte, 64*(blockBatch+3)+17)
	for i := range chunk {
		chunk[i] = `"\{}[]|_~^ax`[rng.IntN(12)]
	}
	for _, simd := range blockClassifiers() {
		withAVX2(simd, func() int {
			for start := 0; start < len(chunk); start += 61 {
				var out [blockBatch]blockMasks
				n := classifyBlocks(chunk[start:], &out)
				if want := min((len(chunk)-start)/64, blockBatch); n != want {
					t.Fatalf("avx2 %v: classifyBlocks(chunk[%d:]) classified %d blocks, want %d", simd, start, n, want)
				}
				for i := range n {
					if want := classifyBlock((*[64]byte)(chunk[start+i*64:])); out[i] != want {
						t.Fatalf("avx2 %v: block %d of chunk[%d:]: %+v, want %+v", simd, i, start, out[i], want)
					}
				}
			}
			return 0
		})
	}
}
