package analyze

import "time"

// The client-rejected-cookie analyzer's stores: the cookies each logical
// cookie store was refused, bounded in number and aged out on the
// capture's clock.

func (a *ClientRejectedCookie) newStore(s *Store) *rejectedStore {
	if len(a.order) >= rejectedStores {
		delete(a.stores, a.order[0])
		a.order = a.order[1:]
	}
	st := &rejectedStore{}
	a.stores[s] = st
	a.order = append(a.order, s)
	return st
}

// slot is the cookie (name, domain, path) kept already, to be
// overwritten by a newer version, or a new one.
func (st *rejectedStore) slot(name, domain, path string) *rejectedCookie {
	for _, c := range st.cookies {
		if c.sc.Name == name && c.domain == domain && c.path == path {
			return c
		}
	}
	return &rejectedCookie{}
}

// add keeps the newest version of each cookie (name, domain, path).
func (st *rejectedStore) add(rc *rejectedCookie) {
	for i, c := range st.cookies {
		if c == rc {
			return
		}
		if c.sc.Name == rc.sc.Name && c.domain == rc.domain && c.path == rc.path {
			st.cookies[i] = rc
			return
		}
	}
	if len(st.cookies) >= rejectedPerStore {
		copy(st.cookies, st.cookies[1:])
		st.cookies = st.cookies[:len(st.cookies)-1]
	}
	st.cookies = append(st.cookies, rc)
}

func (st *rejectedStore) forget(name string) {
	out := st.cookies[:0]
	for _, c := range st.cookies {
		if c.sc.Name != name {
			out = append(out, c)
		}
	}
	st.cookies = out
}

// expire forgets stores unused for an hour of the capture's clock.
func (a *ClientRejectedCookie) expire(now time.Time) {
	cut := now.Add(-storeIdle)
	out := a.order[:0]
	for _, s := range a.order {
		if st := a.stores[s]; st == nil || st.lastAt.Before(cut) || len(st.cookies) == 0 {
			delete(a.stores, s)
			continue
		}
		out = append(out, s)
	}
	a.order = out
}
