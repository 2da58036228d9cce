package analyze

import (
	"reflect"
	"slices"
	"sort"
	"testing"
)

// referenceOutbuf is the engine's former out buffer: a finding moved back
// one place at a time, the rest copied down at every release.
type referenceOutbuf []Finding

func (b *referenceOutbuf) push(fd Finding) {
	i := len(*b)
	*b = append(*b, fd)
	for i > 0 && (*b)[i-1].Flow > fd.Flow {
		(*b)[i] = (*b)[i-1]
		i--
	}
	(*b)[i] = fd
}

func (b *referenceOutbuf) take(low int) []Finding {
	n := sort.Search(len(*b), func(i int) bool { return (*b)[i].Flow >= low })
	if n == 0 {
		return nil
	}
	done := append([]Finding(nil), (*b)[:n]...)
	*b = append((*b)[:0], (*b)[n:]...)
	return done
}

// FuzzEngineOutbuf pushes findings of arbitrary flows and releases up to
// arbitrary flows, on the engine and on the former buffer: every release
// hands on the same findings in the same order, and the buffers hold the
// same findings throughout.
func FuzzEngineOutbuf(f *testing.F) {
	f.Add([]byte{3, 1, 2, 0x85, 4, 4, 1, 0x83, 9, 0x8a, 0xff})
	f.Add([]byte{1, 2, 3, 4, 5, 0x82, 0x84, 6, 7, 8, 0x89, 2, 0xff})
	f.Fuzz(func(t *testing.T, ops []byte) {
		e := NewEngine()
		var ref referenceOutbuf
		var kept [][]Finding
		for i, op := range ops {
			if op&0x80 == 0 {
				fd := Finding{Flow: int(op), Title: string(rune('a' + i%26))}
				e.push(fd)
				ref.push(fd)
			} else {
				low := int(op & 0x7f)
				if op == 0xff {
					low = 1 << 30
				}
				got, want := e.take(low), ref.take(low)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("op %d: take(%d) = %v, want %v", i, low, got, want)
				}
				kept = append(kept, got)
			}
			if live := e.holds(); !(len(live) == 0 && len(ref) == 0) && !reflect.DeepEqual(live, []Finding(ref)) {
				t.Fatalf("op %d: holds %v, want %v", i, live, ref)
			}
		}
		// What was handed on is the caller's: later pushes never wrote to it.
		for _, done := range kept {
			if !sort.SliceIsSorted(done, func(i, j int) bool { return done[i].Flow < done[j].Flow }) {
				t.Fatalf("a released batch changed: %v", done)
			}
		}
	})
}

// holds is what the engine holds, in the order it will hand it on.
func (e *Engine) holds() []Finding {
	out := append([]Finding(nil), e.outbuf[e.outHead:]...)
	for _, fd := range e.late {
		i := sort.Search(len(out), func(i int) bool { return out[i].Flow > fd.Flow })
		out = slices.Insert(out, i, fd)
	}
	return out
}

// BenchmarkEngineLateFindings is the out buffer when an analyzer settles
// held findings late: 4,096 findings of later flows wait while 1,024 for
// earlier flows arrive one by one, then all are released.
func BenchmarkEngineLateFindings(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		e := NewEngine()
		for i := range 4096 {
			e.push(Finding{Flow: 2000 + i, Title: "waiting"})
		}
		for i := range 1024 {
			e.push(Finding{Flow: 1 + i, Title: "settled"})
		}
		if got := len(e.take(1 << 30)); got != 4096+1024 {
			b.Fatalf("released %d findings", got)
		}
	}
}
