package analyze

import (
	"maps"
	"testing"
	"time"
)

// referenceExpire is the former clientTracker.expire's sweep: every entry
// of the three maps, deleted when its store is nil or idle since before cut.
func referenceExpire(owner map[cookieValue]*Store, byConn map[int64]*Store, byAccount map[acctAgent]*Store, cut time.Time) {
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

// FuzzClientExpiry drives the tracker's map writes and sweeps with arbitrary
// operations, mirrored on plain maps swept the former way: after every
// operation the tracker's maps equal the mirror's, entry for entry.
func FuzzClientExpiry(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	f.Add([]byte{0x10, 0x21, 0x32, 0x05, 0x15, 0x06, 0x43, 0x54, 0x05, 0x66, 0x77, 0x85, 0x95, 0x05, 0xf5})
	f.Add([]byte{0x00, 0x10, 0x00, 0x20, 0x03, 0x13, 0x23, 0x33, 0x04, 0x14, 0x05, 0x05, 0x05})
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
		for i, op := range ops {
			s, arg := stores[int(op>>4)%len(stores)], int(op>>4)
			switch op & 7 {
			case 0, 1: // a response sets a value in s, as record does
				k := cookieValue{"sid", values[(arg+i)%len(values)]}
				if o, seen := tr.owner[k]; seen && o != s {
					if o != nil {
						tr.makeAmbiguous(k)
					}
				} else if !seen {
					tr.setOwner(k, s)
				}
				if o, seen := owner[k]; seen && o != s {
					owner[k] = nil
				} else if !seen {
					owner[k] = s
				}
			case 2:
				conn := int64((arg + i) % 5)
				tr.setConn(conn, s)
				byConn[conn] = s
			case 3:
				k := acctAgent{accounts[(arg+i)%len(accounts)], values[i%3]}
				tr.setAccount(k, s)
				byAccount[k] = s
			case 4, 6: // s used at a time that need not grow
				s.lastAt = base.Add(time.Duration((arg*7+i)%40) * 10 * time.Minute)
			case 5, 7:
				cut := base.Add(time.Duration(arg%8) * time.Hour)
				tr.sweep(cut)
				referenceExpire(owner, byConn, byAccount, cut)
			}
			if !maps.Equal(tr.owner, owner) || !maps.Equal(tr.byConn, byConn) || !maps.Equal(tr.byAccount, byAccount) {
				t.Fatalf("after op %d (%#x): owner %v/%v conn %v/%v account %v/%v", i, op, tr.owner, owner, tr.byConn, byConn, tr.byAccount, byAccount)
			}
		}
		// Memory stays bounded: no store's key list outgrows twice the
		// entries that can point to it, plus the slack before a compaction.
		for _, s := range stores {
			if n := len(s.exp.owner.keys) + len(s.exp.conn.keys) + len(s.exp.accounts.keys); n > 3*(len(values)+5+len(accounts)*3)+24 {
				t.Fatalf("store %d holds %d keys", s.ID, n)
			}
		}
	})
}
