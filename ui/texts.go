package ui

import (
	"unsafe"

	"github.com/provtap/provtap/capture"
)

// rowTexts holds what rows would otherwise point at: their host:port and
// path text, and the flows kept whole because the capture file does not
// hold them. A row holds numbers into it and no pointer at all, so the
// row slabs (a night's 10⁶ flows fill 100 MB of them) are memory the
// garbage collector never scans: the collector's work, and the time its
// write barriers are on, do not grow with the number of flows.
//
// Both tables only grow, in chunks reached through arrays of fixed size:
// the UI goroutine adds to them while a background filter scan reads rows
// it was handed earlier, and neither touches a word the other writes.
type rowTexts struct {
	chunks [textChunks]*[textChunkBytes]byte
	used   uint64             // bytes handed out: the next text's offset
	hosts  map[string]textRef // one copy of each host:port
	fulls  [fullChunks]*[fullChunkLen]*capture.Flow
	nfull  int32 // flows kept whole; slot 0 is "none"
}

const (
	textChunkBits  = 18
	textChunkBytes = 1 << textChunkBits // 256 KiB
	textChunks     = 1 << (32 - textChunkBits)
	fullChunkLen   = 1024
	fullChunks     = 16 << 10 // 16M flows kept whole: far beyond any memory
)

// textRef is a text in rowTexts: its offset (chunk and place in it) and
// length. The zero textRef is the empty text.
type textRef struct {
	at uint32
	n  uint16
}

func newRowTexts() *rowTexts { return &rowTexts{hosts: map[string]textRef{}} }

// add copies s in and returns where it is. A text longer than a chunk, or
// one past the 4 GiB the offsets reach, is cut short (rows keep at most
// pathKept bytes of a path and a host is short, so neither happens in use).
func (t *rowTexts) add(s string) textRef {
	if s == "" {
		return textRef{}
	}
	s = s[:min(len(s), textChunkBytes, 1<<16-1)]
	off := t.used % textChunkBytes
	if off+uint64(len(s)) > textChunkBytes {
		t.used += textChunkBytes - off // start the next chunk: a text never spans two
		off = 0
	}
	k := t.used >> textChunkBits
	if k >= textChunks {
		return textRef{}
	}
	if t.chunks[k] == nil {
		t.chunks[k] = new([textChunkBytes]byte)
	}
	copy(t.chunks[k][off:], s)
	ref := textRef{at: uint32(t.used), n: uint16(len(s))}
	t.used += uint64(len(s))
	return ref
}

// host is add for a host:port: the same host's rows share one copy.
func (t *rowTexts) host(s string) textRef {
	if ref, ok := t.hosts[s]; ok {
		return ref
	}
	ref := t.add(s)
	t.hosts[t.text(ref)] = ref
	return ref
}

// text is the text at ref; it stays valid as long as the store does.
func (t *rowTexts) text(ref textRef) string {
	if ref.n == 0 {
		return ""
	}
	c := t.chunks[ref.at>>textChunkBits]
	return unsafe.String(&c[ref.at%textChunkBytes], int(ref.n))
}

// keep holds f whole and returns its slot (0 when the table is full: the
// row then shows its metadata only).
func (t *rowTexts) keep(f *capture.Flow) int32 {
	i := t.nfull + 1
	k := i / fullChunkLen
	if k >= fullChunks {
		return 0
	}
	if t.fulls[k] == nil {
		t.fulls[k] = new([fullChunkLen]*capture.Flow)
	}
	t.fulls[k][i%fullChunkLen] = f
	t.nfull = i
	return i
}

// full is the flow kept in slot i (nil for slot 0).
func (t *rowTexts) full(i int32) *capture.Flow {
	if i == 0 {
		return nil
	}
	return t.fulls[i/fullChunkLen][i%fullChunkLen]
}
