package analyze

import (
	"hash/maphash"
	"strconv"
	"time"
)

// Logical clients. A connector is rarely one tidy client: an engine runs
// threads with their own cookie stores and the same account, one JVM holds
// two connectors with two accounts, a HAR from another tool has no client
// address. The engine infers, from the traffic alone, which requests share
// one cookie store (a Store) and one set of credentials (a Client):
//
//   - a request that presents a cookie value a response set belongs to the
//     store that received it (lineage: the strongest evidence);
//   - else the store last used on its connection, if the account agrees;
//   - else the most recent store of its account (or, without credentials,
//     of its program: IP and User-Agent) — a guess, and findings say so;
//   - a request tied only by a guess whose response opens a new session
//     starts a store of its own: it may be another thread, and whether it
//     keeps that session shows later.

// Tie is how sure the engine is that a request belongs to its store.
type Tie int

const (
	TieNone    Tie = iota // a new store: nothing tied it to an earlier one
	TieAgent              // same program (IP and User-Agent), no credentials
	TieAccount            // same credentials
	TieConn               // same client connection
	TieCookie             // presented a cookie value that store received
)

// Sure reports whether the tie shows the request came from the store's
// client (a connection or a cookie), rather than only resembling it.
func (t Tie) Sure() bool { return t >= TieConn }

// Client is one logical client: a set of credentials, or for requests
// without any, one program.
type Client struct {
	Key   string // account key, or "agent:"+agent
	Label string // "Basic provisioner", or the User-Agent
}

// Store is one cookie store: the cookies its client received, as an RFC
// 6265 user agent keeps them.
type Store struct {
	ID      int
	Account string // account key of the first request with credentials that used it
	Agent   string
	jar     *cookieJar
	lastAt  time.Time
	sets    int // responses that set cookies in it
	// touchedAt is how many sweeps had run when lastAt was set; diedAt is
	// the latest sweep before that which found the store idle (see expire).
	touchedAt, diedAt int
}

// cookieValue keys a cookie's value: a 64-bit hash of its name and value.
// The owner map holds every value set in the last hour of a night's run
// (~5·10⁵ at 10⁶ flows); keyed by the strings it cost ~100 bytes and two
// objects for the collector to mark per value, and the strings had to be
// copied out of the flow's buffer. Two values of a run share a hash with
// odds of about 10⁻⁸: the price would be one request tied by lineage to
// the wrong store.
type cookieValue uint64

// cookieSeed seeds cookieValue's hash (per process, as maps are).
var cookieSeed = maphash.MakeSeed()

func cookieValueOf(name, value string) cookieValue {
	return cookieValue(maphash.Comparable(cookieSeed, [2]string{name, value}))
}

// acctAgent keys stores by account and program without building a string.
type acctAgent struct{ account, agent string }

// clientTracker assigns logical clients and stores, in flow order.
type clientTracker struct {
	nextStore int
	seen      int                      // flows resolved, to age out stores now and then
	owner     map[cookieValue]storeRef // the store a response set it in; nil: ambiguous
	byConn    map[int64]storeRef       // last store used on each client connection
	byAccount map[acctAgent]storeRef   // most recent store per account and program ("" account: any)
	expiry                             // the sweeps that age out those three maps' entries
	clients   map[string]*Client       // by account key
	// agentClients are the clients without credentials, by program.
	agentClients map[string]*Client
	// agentAccounts is which accounts each program used (up to two).
	agentAccounts map[string]map[string]bool
}

func newClientTracker() *clientTracker {
	return &clientTracker{owner: map[cookieValue]storeRef{}, byConn: map[int64]storeRef{},
		byAccount: map[acctAgent]storeRef{}, clients: map[string]*Client{}, agentClients: map[string]*Client{}, agentAccounts: map[string]map[string]bool{}}
}

// resolve sets fx's Client, Store and Tie (before the analyzers observe it).
func (t *clientTracker) resolve(fx *Facts) {
	f := fx.Flow
	var s *Store
	tie := TieNone
	// Lineage: the cookie values it presented. The store owning most of
	// them wins; equal counts go to the most recent store.
	var ownersBuf [4]*Store
	var countsBuf [4]int
	owners, counts := ownersBuf[:0], countsBuf[:0]
	for _, p := range fx.Cookies {
		o := t.storeOf(t.owner[cookieValueOf(p.Name, p.Value)])
		if o == nil {
			continue
		}
		i := 0
		for i < len(owners) && owners[i] != o {
			i++
		}
		if i == len(owners) {
			owners, counts = append(owners, o), append(counts, 0)
		}
		counts[i]++
	}
	best := 0
	for i, o := range owners {
		if s == nil || counts[i] > best || counts[i] == best && o.ID > s.ID {
			s, best = o, counts[i]
		}
	}
	if s != nil {
		tie = TieCookie
	}
	acct := fx.Account.Key
	if acct != "" {
		seen := t.agentAccounts[fx.Agent]
		if seen == nil {
			seen = map[string]bool{}
			t.agentAccounts[fx.Agent] = seen
		}
		if len(seen) < 2 {
			seen[acct] = true
		}
	}
	compatible := func(c *Store) bool { return c != nil && (acct == "" || c.Account == "" || c.Account == acct) }
	if s == nil && f.ConnID != 0 {
		if c := t.storeOf(t.byConn[f.ConnID]); compatible(c) {
			s, tie = c, TieConn
		}
	}
	if s == nil && acct != "" {
		if c := t.storeOf(t.byAccount[acctAgent{acct, fx.Agent}]); c != nil {
			s, tie = c, TieAccount
		}
	}
	if s == nil && acct == "" && len(t.agentAccounts[fx.Agent]) <= 1 {
		// Without credentials, the program's most recent store — only while
		// the program has used one account: with two (two connectors in one
		// JVM, or one User-Agent of every account in a HAR without client
		// addresses) nothing tells whose the request is.
		if c := t.storeOf(t.byAccount[acctAgent{"", fx.Agent}]); c != nil {
			s, tie = c, TieAgent
		}
	}
	if s == nil {
		s = t.newStore(acct, fx.Agent)
	}
	if s.Account == "" && acct != "" {
		s.Account = acct
	}
	fx.Store, fx.Next, fx.Tie = s, s, tie
	// A request that presented none of its store's cookies, whose response
	// sets a new value of a cookie the store holds, starts a store of its
	// own: the server opened another session, perhaps for another thread
	// (threads may share a connection pool and still keep their own stores).
	if tie != TieCookie && tie != TieNone && opensAnotherSession(fx, s) {
		fx.Next = t.newStore(s.Account, fx.Agent)
	}

	if s.Account == "" {
		// By program: keyed apart from accounts (an agent holds a NUL, a
		// digest never does), so no "agent:" key is built per flow.
		c := t.agentClients[fx.Agent]
		if c == nil {
			c = &Client{Key: "agent:" + fx.Agent, Label: fx.reqHeader(hUserAgent)}
			t.agentClients[fx.Agent] = c
		}
		fx.Client = c
		return
	}
	c := t.clients[s.Account]
	if c == nil {
		c = &Client{Key: s.Account, Label: fx.Account.Label}
		t.clients[s.Account] = c
	}
	fx.Client = c
}

func (t *clientTracker) newStore(account, agent string) *Store {
	t.nextStore++
	return &Store{ID: t.nextStore, Account: account, Agent: agent, jar: newCookieJar(), touchedAt: t.sweeps}
}

// record stores what fx's response set in fx.Next (after the analyzers
// observed it).
func (t *clientTracker) record(fx *Facts) {
	f := fx.Flow
	s := fx.Next
	t.touch(s, f.Start)
	if len(fx.SetCookies) > 0 {
		s.jar.store(fx)
		s.sets++
		for _, sc := range fx.SetCookies {
			if sc.Value == "" {
				continue
			}
			k := cookieValueOf(sc.Name, sc.Value)
			r, seen := t.owner[k]
			if seen = seen && t.alive(r); seen && r.s != s {
				t.owner[k] = t.ref(nil) // the same value in two stores ties nothing
			} else if !seen {
				t.owner[k] = t.ref(s)
			}
		}
	}
	r := t.ref(s)
	if f.ConnID != 0 {
		t.byConn[f.ConnID] = r
	}
	t.byAccount[acctAgent{s.Account, fx.Agent}] = r
	t.byAccount[acctAgent{"", fx.Agent}] = r
	if fx.Account.Key != "" && fx.Account.Key != s.Account {
		t.byAccount[acctAgent{fx.Account.Key, fx.Agent}] = r
	}
}

// opensAnotherSession: the response set a new value of a session cookie
// the store already holds (in any version: threads that start together
// have not seen each other's answers yet). A load balancer's new affinity
// value is no session.
func opensAnotherSession(fx *Facts, s *Store) bool {
	for _, sc := range fx.SetCookies {
		if sc.Value != "" && isSessionCookie(sc) && !sc.IsDeletion(fx.Flow.End) && s.jar.holdsOther(sc.Name, sc.Value) {
			return true
		}
	}
	return false
}

// storeName is "store 3" for texts.
func storeName(s *Store) string { return "cookie store " + strconv.Itoa(s.ID) }
