package analyze

import (
	"strings"
	"time"
)

// Expiry bookkeeping for clientTracker: a sweep visits the live stores and
// the keys made ambiguous since the last sweep, and deletes only the map
// entries of the stores that expired, so its cost follows what expires, not
// the size of the maps.
//
// Invariants: every map entry k→s (s non-nil) has s in t.live and k in s's
// key list for that map; every owner entry k→nil has k in t.ambiguous.

// storeKeys are the keys of one map that were pointed at a store, appended
// only when an entry changes to the store; a key whose entry has since moved
// on is dropped when the list doubles, so a long-lived store's list stays
// proportional to the entries that still point to it.
type storeKeys[K comparable] struct {
	keys  []K
	limit int
}

func (l *storeKeys[K]) add(k K, m map[K]*Store, s *Store) {
	if len(l.keys) >= l.limit {
		l.keep(m, s)
		l.limit = 2*len(l.keys) + 8
	}
	l.keys = append(l.keys, k)
}

// keep drops the keys whose entry no longer points to s.
func (l *storeKeys[K]) keep(m map[K]*Store, s *Store) {
	kept := l.keys[:0]
	for _, k := range l.keys {
		if m[k] == s {
			kept = append(kept, k)
		}
	}
	clear(l.keys[len(kept):]) // drop the references the cut tail holds
	l.keys = kept
}

// forget deletes the entries that still point to s.
func (l *storeKeys[K]) forget(m map[K]*Store, s *Store) {
	for _, k := range l.keys {
		if v, ok := m[k]; ok && v == s {
			delete(m, k)
		}
	}
	l.keys, l.limit = nil, 0
}

// expiryKeys is a store's part of the expiry bookkeeping.
type expiryKeys struct {
	live     bool // in clientTracker.live
	owner    storeKeys[cookieValue]
	conn     storeKeys[int64]
	accounts storeKeys[acctAgent]
}

func (t *clientTracker) joinLive(s *Store) {
	if !s.exp.live {
		s.exp.live = true
		t.live = append(t.live, s)
	}
}

// setOwner points the cookie value k (already cloned) at s.
func (t *clientTracker) setOwner(k cookieValue, s *Store) {
	t.owner[k] = s
	t.joinLive(s)
	s.exp.owner.add(k, t.owner, s)
}

// makeAmbiguous sets k's owner, held by another store, to nil.
func (t *clientTracker) makeAmbiguous(k cookieValue) {
	t.owner[k] = nil
	t.ambiguous = append(t.ambiguous, cookieValue{strings.Clone(k.name), strings.Clone(k.value)})
}

func (t *clientTracker) setConn(conn int64, s *Store) {
	if old, ok := t.byConn[conn]; ok && old == s {
		return
	}
	t.byConn[conn] = s
	t.joinLive(s)
	s.exp.conn.add(conn, t.byConn, s)
}

func (t *clientTracker) setAccount(k acctAgent, s *Store) {
	if old, ok := t.byAccount[k]; ok && old == s {
		return
	}
	t.byAccount[k] = s
	t.joinLive(s)
	s.exp.accounts.add(k, t.byAccount, s)
}

// sweep deletes the ambiguous owner entries and every entry of a store
// last used before cut: what iterating the three maps with
// "s == nil || s.lastAt.Before(cut)" deletes.
func (t *clientTracker) sweep(cut time.Time) {
	for _, k := range t.ambiguous {
		if v, ok := t.owner[k]; ok && v == nil {
			delete(t.owner, k)
		}
	}
	clear(t.ambiguous)
	t.ambiguous = t.ambiguous[:0]
	kept := t.live[:0]
	for _, s := range t.live {
		if !s.lastAt.Before(cut) {
			kept = append(kept, s)
			continue
		}
		s.exp.owner.forget(t.owner, s)
		s.exp.conn.forget(t.byConn, s)
		s.exp.accounts.forget(t.byAccount, s)
		s.exp.live = false
	}
	clear(t.live[len(kept):])
	t.live = kept
}
