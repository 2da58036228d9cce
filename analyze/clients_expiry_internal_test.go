package analyze

import (
	"testing"
	"time"
)

// referenceSweep is the former clientTracker.expire's sweep, run at every
// sweep: every entry of the three maps, deleted when its store is nil or
// idle since before cut.
func referenceSweep(owner map[cookieValue]*Store, byConn map[int64]*Store, byAccount map[acctAgent]*Store, cut time.Time) {
	old := func(s *Store) bool { return s == nil || s.lastAt.Before(cut) }
	for k, s := range owner {
		if old(s) {
			delete(owner, k)
		}
	}
	for k, s := range byConn {
		if old(s) {
			delete(byConn, k)
		}
	}
	for k, s := range byAccount {
		if old(s) {
			delete(byAccount, k)
		}
	}
}

// FuzzClientExpiry drives the tracker's map writes, uses of stores, sweeps
// and compactions with arbitrary operations, mirrored on plain maps swept
// the former way at every sweep: after every operation each key reads the
// same from the tracker (through alive) as from the mirror.
func FuzzClientExpiry(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	f.Add([]byte{0x10, 0x21, 0x32, 0x05, 0x15, 0x06, 0x43, 0x54, 0x05, 0x66, 0x77, 0x85, 0x95, 0x05, 0xf5})
	f.Add([]byte{0x00, 0x10, 0x00, 0x20, 0x03, 0x13, 0x23, 0x33, 0x04, 0x14, 0x05, 0x05, 0x05})
	f.Add([]byte{0x14, 0x12, 0x13, 0x35, 0x24, 0x45, 0x16, 0x55, 0x07, 0x65, 0x1c, 0x75, 0x0f, 0x85})
	f.Fuzz(func(t *testing.T, ops []byte) {
		tr := newClientTracker()
		owner, byConn, byAccount := map[cookieValue]*Store{}, map[int64]*Store{}, map[acctAgent]*Store{}
		base := time.Date(2025, 3, 4, 8, 0, 0, 0, time.UTC)
		var stores []*Store
		for i := 0; i < 6; i++ {
			stores = append(stores, tr.newStore("", ""))
		}
		values := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
		accounts := []string{"", "x", "y", "z"}
		agents := []string{"p", "q", "r"}
		for i, op := range ops {
			s, arg := stores[int(op>>4)%len(stores)], int(op>>4)
			switch op & 15 {
			case 0, 1, 8: // a response sets a value in s, as record does
				k := cookieValueOf("sid", values[(arg+i)%len(values)])
				r, seen := tr.owner[k]
				if seen = seen && tr.alive(r); seen && r.s != s {
					tr.owner[k] = tr.ref(nil)
				} else if !seen {
					tr.owner[k] = tr.ref(s)
				}
				if o, seen := owner[k]; seen && o != s {
					owner[k] = nil
				} else if !seen {
					owner[k] = s
				}
			case 2, 9:
				conn := int64((arg + i) % 5)
				tr.byConn[conn] = tr.ref(s)
				byConn[conn] = s
			case 3, 10:
				k := acctAgent{accounts[(arg+i)%len(accounts)], agents[i%len(agents)]}
				tr.byAccount[k] = tr.ref(s)
				byAccount[k] = s
			case 4, 6, 11, 12: // s used at a time that need not grow
				tr.touch(s, base.Add(time.Duration((arg*7+i)%40)*10*time.Minute))
			case 5, 7, 13: // a sweep, its cut not always later
				cut := base.Add(time.Duration((arg+i)%8) * time.Hour)
				tr.sweep(cut)
				referenceSweep(owner, byConn, byAccount, cut)
			case 14:
				tr.compact(0)
			case 15:
				tr.compact(1 << 20) // now
			}
			for _, v := range values {
				k := cookieValueOf("sid", v)
				r, seen := tr.owner[k]
				seen = seen && tr.alive(r)
				o, want := owner[k]
				if seen != want || seen && r.s != o {
					t.Fatalf("after op %d (%#x): owner[%s] = %v %v, want %v %v", i, op, v, r.s, seen, o, want)
				}
			}
			for c := int64(0); c < 5; c++ {
				if got, want := tr.storeOf(tr.byConn[c]), byConn[c]; got != want {
					t.Fatalf("after op %d (%#x): byConn[%d] = %v, want %v", i, op, c, got, want)
				}
			}
			for _, a := range accounts {
				for _, g := range agents {
					k := acctAgent{a, g}
					if got, want := tr.storeOf(tr.byAccount[k]), byAccount[k]; got != want {
						t.Fatalf("after op %d (%#x): byAccount[%v] = %v, want %v", i, op, k, got, want)
					}
				}
			}
		}
		// Compaction leaves only what can still be read.
		tr.compact(1 << 20)
		if len(tr.owner) != len(owner) || len(tr.byConn) != len(byConn) || len(tr.byAccount) != len(byAccount) {
			t.Fatalf("after compaction: %d/%d/%d entries, want %d/%d/%d", len(tr.owner), len(tr.byConn), len(tr.byAccount), len(owner), len(byConn), len(byAccount))
		}
	})
}
