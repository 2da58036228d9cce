package capturetest

import (
	"encoding/base64"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/internal/scenario"
)

// A night's provisioning run through one proxy, as a HAR from another tool
// brings it: many service accounts interleaved, no client addresses, no
// connection ids. Most connectors are correct — cookie jars, threads with
// their own stores, clients that wait for the challenge, clients without a
// jar against servers that do not mind, load balancers' affinity cookies —
// and a few fail as the seeds do, at flows the corpus knows.

// Role is what a corpus flow is, from the server's side.
type Role int

const (
	Succeeded    Role = iota // the server did what was asked
	Challenge                // the unanswered half of an answered challenge
	Seed1                    // refused: the session the connector did not keep (seed 1)
	Seed2                    // refused: the subscription key only reads carried (seed 2)
	Seed2Query               // Seed2, where the key also travelled in the query string
	RefusedOther             // refused, and no analyzer's business: a key this account never sent
)

// Corpus is a generated capture and what each of its flows is.
type Corpus struct {
	Flows []*capture.Flow // numbered in start order
	Roles []Role          // Roles[i] is Flows[i]'s
}

// Refused reports whether flow id was refused by the server (a challenge
// half is the protocol, not a refusal).
func (c *Corpus) Refused(id int) bool { r := c.Roles[id-1]; return r != Succeeded && r != Challenge }

// WriteHAR saves the corpus as a HAR file, as another tool would have.
func (c *Corpus) WriteHAR(path string) error { return har.WriteHAR(path, c.Flows) }

// corpusGen builds the flows; every choice comes from its seeded source.
type corpusGen struct {
	rnd   *rand.Rand
	flows []*capture.Flow
	roles []Role
}

// connector kinds in the corpus.
const (
	jarSeed1        = iota // seed-1 server, keeps cookies
	noJarSeed1             // seed-1 server, keeps none: refused while its session lives
	threadsJar             // four threads with their own stores, a server with a session per client
	noJarPermissive        // a server that opens a session per call and never refuses
	challenged             // waits for the Basic challenge, keeps cookies
	scimCorrect            // SCIM behind the gateway, key on every call
	scimReadsOnly          // SCIM behind the gateway, key on reads only
	scimHeaderOnly         // the same, key in the header only
	osmcOther              // another API on the gateway, another account, its own key on every call
	osmcNoKey              // another API on the gateway, an account that never had a key: refused
)

// GenerateCorpus makes a capture of about n flows over a night (one flow
// every few hundred milliseconds on average, all connectors interleaved).
// The same seed gives the same corpus.
func GenerateCorpus(n int, seed int64) *Corpus {
	g := &corpusGen{rnd: rand.New(rand.NewSource(seed))}
	kinds := []int{jarSeed1, jarSeed1, jarSeed1, noJarSeed1, threadsJar, threadsJar, noJarPermissive, challenged,
		challenged, scimCorrect, scimCorrect, scimCorrect, scimReadsOnly, scimHeaderOnly, osmcOther, jarSeed1,
		threadsJar, scimCorrect, challenged, noJarSeed1, osmcNoKey}
	start := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	per := n / len(kinds)
	for i, k := range kinds {
		acct := fmt.Sprintf("svc-conn-%02d", i)
		g.connector(k, acct, start.Add(time.Duration(g.rnd.Intn(60000))*time.Millisecond), per)
	}
	order := make([]int, len(g.flows))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return g.flows[order[a]].Start.Before(g.flows[order[b]].Start) })
	c := &Corpus{}
	for i, j := range order {
		f := g.flows[j]
		f.ID = i + 1
		c.Flows = append(c.Flows, f)
		c.Roles = append(c.Roles, g.roles[j])
	}
	return c
}

// connector emits about budget flows of one account's run from t.
func (g *corpusGen) connector(kind int, acct string, t time.Time, budget int) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(acct+":"+"pw-"+acct))
	key := fmt.Sprintf("%032x", g.rnd.Uint64())[:32]
	var stores []string // session per thread ("" none yet)
	var live time.Time  // seed-1 server: the account's session lives until live
	threads := 1
	if kind == threadsJar {
		threads = 4
	}
	stores = make([]string, threads)
	for made := 0; made < budget; {
		th := g.rnd.Intn(threads)
		op := fmt.Sprintf("u%06d", g.rnd.Intn(1_000_000))
		switch kind {
		case jarSeed1, noJarSeed1, threadsJar, noJarPermissive, challenged:
			host := "idm.example.com"
			if kind != jarSeed1 && kind != noJarSeed1 {
				host = "idm2.example.com"
			}
			made += g.seed1Op(kind, host, acct, basic, op, &stores[th], &live, &t)
		default:
			made += g.scimOp(kind, acct, basic, key, op, &t)
		}
		t = t.Add(time.Duration(200+g.rnd.Intn(6000)) * time.Millisecond)
	}
}

// seed1Op is one provisioning operation against an admin API: create the
// account, add it to the group, read it back.
func (g *corpusGen) seed1Op(kind int, host, acct, basic, user string, store *string, live *time.Time, t *time.Time) int {
	base := "https://" + host
	ua := map[int]string{jarSeed1: "Java-http-client/17.0.9", noJarSeed1: "Java-http-client/17.0.9", threadsJar: "IdentityIQ/8.4",
		noJarPermissive: "python-requests/2.28.1", challenged: "Apache-HttpClient/4.5.14 (Java/17.0.9)"}[kind]
	keeps := kind != noJarSeed1 && kind != noJarPermissive
	steps := []struct{ method, path, body string }{
		{"POST", "/admin/users", `{"name":"` + user + `"}`},
		{"PATCH", "/admin/usergroups/" + scenario.TargetGroup, `{"addUsers":["` + user + `"]}`},
		{"GET", "/admin/users/" + user, ""},
	}
	made := 0
	for _, st := range steps {
		cookie := ""
		if keeps {
			cookie = *store
		}
		if kind == challenged && cookie == "" {
			// Without a session, the request goes out without credentials
			// first and the 401 challenge is answered at once.
			g.emit(Challenge, *t, st.method, base+st.path, ua, "", "", st.body, 401,
				[]capture.Header{{Name: "WWW-Authenticate", Value: `Basic realm="provisioning"`}, {Name: "Content-Type", Value: "application/json"}},
				`{"code":401,"description":"Authentication required"}`)
			*t = t.Add(3 * time.Millisecond)
			made++
		}
		auth := basic
		status, set, role := 200, "", Succeeded
		switch {
		case cookie != "":
			if kind == jarSeed1 {
				*live = t.Add(scenario.SessionTTL)
			}
		case kind == jarSeed1 || kind == noJarSeed1:
			if t.Before(*live) {
				status, role = 401, Seed1 // one session per user, and it is live
			} else {
				set = newSessionID(g.rnd)
				*live = t.Add(scenario.SessionTTL)
			}
		default:
			set = newSessionID(g.rnd)
		}
		if status == 200 {
			switch st.method {
			case "POST":
				status = 201
			case "PATCH":
				status = 204
			}
		}
		var resp []capture.Header
		body := `{"name":"` + user + `"}`
		if set != "" {
			resp = append(resp, capture.Header{Name: "Set-Cookie", Value: scenario.SessionCookie + "=" + set + "; Path=/; HttpOnly"})
			if keeps {
				*store = set
			}
		}
		if status == 401 {
			resp = append(resp, capture.Header{Name: "WWW-Authenticate", Value: `Token Basic realm="` + scenario.SessionAPIRealm + `"`})
			body = `{"code":401,"description":"The request requires user authentication","reasonPhrase":"Unauthorized"}`
		}
		resp = append(resp, capture.Header{Name: "Content-Type", Value: "application/json"})
		if status == 204 {
			body = ""
		}
		g.emit(role, *t, st.method, base+st.path, ua, auth, cookieHeader(cookie), st.body, status, resp, body)
		*t = t.Add(time.Duration(20+g.rnd.Intn(200)) * time.Millisecond)
		made++
		if status == 401 && kind == noJarSeed1 && g.rnd.Intn(3) == 0 {
			break // the engine gives up on this identity
		}
	}
	return made
}

// scimOp is a synchronization and a membership change through the API
// gateway: three reads, one write.
func (g *corpusGen) scimOp(kind int, acct, basic, key, group string, t *time.Time) int {
	api := "https://gw.example.com/scim/v2"
	if kind == osmcOther || kind == osmcNoKey {
		api = "https://gw.example.com/osmc/v1"
	}
	ua := "SCIM-Connector/2.1 (.NET 8.0)"
	steps := []struct{ method, path, body string }{
		{"GET", "/Users?filter=userName%20eq%20%22" + acct + "%22", ""},
		{"GET", "/Groups", ""},
		{"GET", "/Groups/" + group, ""},
		{"PUT", "/Groups/" + group, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"` + group + `","displayName":"g"}`},
	}
	for _, st := range steps {
		read := st.method == "GET"
		keyed := (read || kind == scimCorrect || kind == osmcOther) && kind != osmcNoKey
		url := api + st.path
		var hs []capture.Header
		if keyed {
			hs = append(hs, capture.Header{Name: "Ocp-Apim-Subscription-Key", Value: key})
			if kind != scimHeaderOnly {
				url += sep(url) + "subscription-key=" + key
			}
		}
		status, role, body := 200, Succeeded, `{"totalResults":1,"Resources":[]}`
		resp := []capture.Header{{Name: "Set-Cookie", Value: "ARRAffinity=" + fmt.Sprintf("%016x", g.rnd.Uint64()) + "; Path=/; HttpOnly; Domain=gw.example.com"},
			{Name: "Content-Type", Value: "application/scim+json"}}
		if !keyed {
			status, role = 401, Seed2
			switch kind {
			case scimReadsOnly:
				role = Seed2Query
			case osmcNoKey:
				role = RefusedOther
			}
			body = `{"statusCode":401,"message":"Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."}`
			resp = append(resp, capture.Header{Name: "WWW-Authenticate",
				Value: `AzureApiManagementKey realm="https://gw.example.com/scim",name="Ocp-Apim-Subscription-Key",type="header"`})
		}
		g.emitWith(role, *t, st.method, url, ua, basic, "", st.body, status, resp, body, hs)
		*t = t.Add(time.Duration(15+g.rnd.Intn(120)) * time.Millisecond)
	}
	return len(steps)
}

func sep(url string) string {
	for i := 0; i < len(url); i++ {
		if url[i] == '?' {
			return "&"
		}
	}
	return "?"
}

func cookieHeader(session string) string {
	if session == "" {
		return ""
	}
	return scenario.SessionCookie + "=" + session
}

func newSessionID(r *rand.Rand) string { return fmt.Sprintf("%016X%016X", r.Uint64(), r.Uint64()) }

func (g *corpusGen) emit(role Role, t time.Time, method, url, ua, auth, cookie, reqBody string, status int, resp []capture.Header, body string) {
	g.emitWith(role, t, method, url, ua, auth, cookie, reqBody, status, resp, body, nil)
}

func (g *corpusGen) emitWith(role Role, t time.Time, method, url, ua, auth, cookie, reqBody string, status int,
	resp []capture.Header, body string, extra []capture.Header) {
	opts := []FlowOpt{FromClient(""), Lasting(time.Duration(8+g.rnd.Intn(90)) * time.Millisecond), UserAgent(ua),
		Hdr("Accept", "application/json")}
	if auth != "" {
		opts = append(opts, Hdr("Authorization", auth))
	}
	for _, h := range extra {
		opts = append(opts, Hdr(h.Name, h.Value))
	}
	if cookie != "" {
		opts = append(opts, Cookie(cookie))
	}
	if reqBody != "" {
		opts = append(opts, Hdr("Content-Type", "application/json"), Hdr("Content-Length", strconv.Itoa(len(reqBody))), ReqBody(reqBody))
	}
	opts = append(opts, RespHeaders(resp...), RespBody(body))
	f := NewFlow(method, url, status, append([]FlowOpt{func(f *capture.Flow) { f.Start = t }}, opts...)...)
	f.StatusText = map[int]string{200: "OK", 201: "Created", 204: "No Content", 401: "Unauthorized"}[status]
	g.flows = append(g.flows, f)
	g.roles = append(g.roles, role)
}
