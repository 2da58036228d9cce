package ui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
)

// termString is a parsed filter written out, for comparing parses.
func (q filter) String() string {
	var gs []string
	for _, g := range q.and {
		var ts []string
		for _, t := range g {
			s := t.field + ":" + t.value
			if t.field == "header" {
				s = "header:" + t.name
				if t.hasEq {
					s += "=" + t.value
				}
			}
			if t.neg {
				s = "-" + s
			}
			ts = append(ts, s)
		}
		gs = append(gs, strings.Join(ts, "|"))
	}
	return strings.Join(gs, " & ")
}

func TestFilterParse(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"PATCH scim", ":patch & :scim"},
		{"  status:401   ", "status:401"},
		{"status:4XX status:40x status:err", "status:4xx & status:40x & status:err"},
		{"status:401 OR status:403 host:gw", "status:401|status:403 & host:gw"},
		{"a OR b OR c", ":a|:b|:c"},
		{"-method:GET", "-method:get"},
		{"header:Cookie", "header:cookie"},
		{"header:Authorization=Basic", "header:authorization=basic"},
		{"header:X-A=", "header:x-a="},
		{"header:X-A=b=c", "header:x-a=b=c"},
		{`body:"user name"`, "body:user name"},
		{`"urn:ietf:params"`, ":urn:ietf:params"},
		{`"OR" or`, ":or & :or"},
		{`-"two words"`, "-:two words"},
		{`"say \"hi\""`, `:say "hi"`},
		{"127.0.0.1:9000 https://gw", ":127.0.0.1:9000 & :https://gw"},
		{"host:127.0.0.1:9000", "host:127.0.0.1:9000"},
		{"path:/Groups has:finding kind:dropped-cookie has:replay", "path:/groups & has:finding & kind:dropped-cookie & has:replay"},
		{"Method:patch", "method:patch"},
		{"", ""},
	} {
		q, err := parseFilter(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := q.String(); got != c.want {
			t.Errorf("%q parsed as %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFilterParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"status:abc", "status:abc is not a status: use a code (401), a class (4xx, 40x) or err"},
		{"status:600", "is not a status"},
		{"status:", "status: needs a value, e.g. status:401"},
		{"header:", "header: needs a value"},
		{"header:=x", "header: needs a header name"},
		{"stauts:401", `there is no field "stauts:"`},
		{"urn:ietf", `quote it: "urn:ietf"`},
		{"has:cookies", "has:cookies is not known; has: takes finding or replay"},
		{"kind:nonsense", "kind:nonsense is no kind of finding; the kinds: concurrent-session, dropped-cookie, lost-header"},
		{"-", "- needs a term right after it"},
		{"OR a", "OR needs a term on each side"},
		{"a OR", "OR needs a term on each side"},
		{"a OR OR b", "OR needs a term on each side"},
		{`body:"open`, "a quote is not closed"},
	} {
		_, err := parseFilter(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("%q: the error must fit the prompt line: %q", c.in, err)
		}
		if CheckFilter(c.in) == nil {
			t.Errorf("CheckFilter(%q) = nil", c.in)
		}
	}
}

// matchIDs is the IDs of flows matching expr.
func matchIDs(t *testing.T, m *Model, expr string) []int {
	t.Helper()
	q, err := parseFilter(expr)
	if err != nil {
		t.Fatalf("%q: %v", expr, err)
	}
	var out []int
	for _, r := range m.store.all {
		s := m.subjectFor(q, r)
		if q.match(&s) {
			out = append(out, r.id)
		}
	}
	return out
}

// filterFlows is both seeds and two flows of a user called usertest: a
// GET presenting the session cookie, and a SCIM create.
func filterFlows() []*capture.Flow {
	flows := seedFlows()
	get := mkFlow(7, "GET", "http://127.0.0.1:9000/admin/users/usertest", 200, []string{"Cookie", "JSESSIONID=8F3A1C0D9E", "Authorization", basic},
		[]string{"Content-Type", "application/json"}, `{"name":"usertest","groups":[]}`)
	create := withBody(mkFlow(8, "POST", "https://gw.example.test/scim/v2/Users", 201, []string{"Ocp-Apim-Subscription-Key", subKey},
		[]string{"Content-Type", "application/scim+json", "Content-Encoding", "identity"}, `{"id":"u9"}`),
		"application/scim+json", `{"userName":"UserTest01","active":true}`)
	return append(flows, get, create)
}

func TestFilterMatches(t *testing.T) {
	fd := NewFeed()
	flows := filterFlows()
	fd.AddAll(flows, analyze.Run(flows))
	m := NewModel(Options{Renderer: plainRenderer()}, fd)
	for _, c := range []struct {
		expr string
		want []int
	}{
		{"-method:GET", []int{4, 5, 6, 8}},
		{"header:Cookie", []int{7}},
		{"header:cookie=jsessionid", []int{7}},
		{"header:Set-Cookie", []int{5}},
		{"header:Content-Type=scim", []int{1, 2, 3, 4, 8}},
		{"body:usert", []int{7, 8}},
		{"body:PatchOp", []int{4}},
		{"jsessionid", []int{5, 7}},        // a header value
		{"usertest", []int{7, 8}},          // a path and a body
		{"ocp-apim", []int{1, 2, 3, 4, 8}}, // a header name (and #4's challenge)
		{"status:401 OR status:201", []int{4, 5, 6, 8}},
		{"status:4xx -host:gw", []int{6}},
		{"status:20x method:post", []int{5, 8}},
		{"status:err", nil},
		{"host:127.0.0.1:9000", []int{5, 6, 7}},
		{"path:/groups -path:g1", []int{2}},
		{"path:subscription-key", nil},             // path: is the path, not the query
		{"subscription-key", []int{1, 2, 3, 4, 8}}, // the query of the GETs, header names
		{"has:finding", []int{4, 6}},               // #8 is another client: it authenticates by its key, not the GETs' Basic
		{"-has:finding", []int{1, 2, 3, 5, 7, 8}},
		{"kind:dropped-cookie", []int{6}},
		{"kind:lost-header OR kind:concurrent-session", []int{4, 6}},
		{"has:replay", nil},
		{"4xx", []int{4, 6}},
	} {
		if got := matchIDs(t, m, c.expr); !equalInts(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.expr, got, c.want)
		}
	}
}

// A term the row answers (status:, method:, host:, has:) is tried before one
// that reads the flow back from the capture file, wherever it was typed:
// body:usert status:201 reads only the flows that answered 201, and with OR
// a flow that answered 201 is not read at all. What matches is the same as
// each term's own matches combined.
func TestFilterReadsOnlyFlowsTheRowCannotDecide(t *testing.T) {
	m := liveModel(t, filterFlows(), Options{})
	body, created := matchIDs(t, m, "body:usert"), matchIDs(t, m, "status:201")
	if len(created) == 0 || len(created) == len(m.store.all) || len(body) == 0 {
		t.Fatalf("the flows do not tell the cases apart: body:usert %v, status:201 %v", body, created)
	}
	is201 := func(r *row) bool { return r.status == 201 }
	for _, c := range []struct {
		expr  string
		reads func(*row) bool
		want  []int
	}{
		{"body:usert status:201", is201, intersect(body, created)},
		{"status:201 body:usert", is201, intersect(body, created)},
		{"body:usert OR status:201", func(r *row) bool { return !is201(r) }, union(body, created)},
		{"-method:PATCH body:usert method:post", func(r *row) bool { return r.methodName() == "POST" }, intersect(body, matchIDs(t, m, "method:post"))},
	} {
		q, err := parseFilter(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		var got, read, wantRead []int
		for _, r := range m.store.all {
			s := m.subjectFor(q, r)
			load := s.load
			s.load = func(r *row) *capture.Flow { read = append(read, r.id); return load(r) }
			if q.match(&s) {
				got = append(got, r.id)
			}
			if c.reads(r) {
				wantRead = append(wantRead, r.id)
			}
		}
		if !equalInts(got, c.want) {
			t.Errorf("%s: matched %v, want %v", c.expr, got, c.want)
		}
		if !equalInts(read, wantRead) {
			t.Errorf("%s: read flows %v back from the capture, want only %v", c.expr, read, wantRead)
		}
	}
}

func intersect(a, b []int) []int {
	var out []int
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func union(a, b []int) []int {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// liveModel is a model whose rows hold no bodies, as in a live session, or
// (compact) not even headers: they are read back from a capture file.
func liveModel(t *testing.T, flows []*capture.Flow, opts Options) *Model {
	return storedModel(t, flows, opts, true)
}

func storedModel(t testing.TB, flows []*capture.Flow, opts Options, compact bool) *Model {
	t.Helper()
	rec, err := har.NewRecorder(filepath.Join(t.TempDir(), "live.har"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	locs, err := rec.WriteBatch(flows)
	if err != nil {
		t.Fatal(err)
	}
	fd := NewFeed()
	findings := analyze.Run(flows)
	for i, f := range flows {
		lean := har.WithoutBodies(f)
		if compact {
			lean.RequestHeaders, lean.ResponseHeaders = nil, nil // what a compact row may hold
		}
		var own []analyze.Finding
		for _, x := range findings {
			if x.Flow == f.ID {
				own = append(own, x)
			}
		}
		fd.AddStored(lean, locs[i], own)
	}
	opts.Store, opts.Renderer, opts.CapturePath = rec.Store(), plainRenderer(), rec.Path()
	return NewModel(opts, fd)
}

// In the TUI: -method:GET, header:Cookie and body:usert find their flows
// (reading headers and bodies back from the capture file), the status line
// counts the matches, and an expression that matches nothing says so and
// esc brings every flow back.
func TestFilterInTUI(t *testing.T) {
	m := liveModel(t, filterFlows(), Options{})
	tm := startTUI(t, m, 120, 30)
	typeKeys(tm, "/")
	tm.Type("-method:GET")
	waitOutput(t, tm, "4 of 8 flows match /-method:GET")
	typeKeys(tm, "ctrl+u")
	tm.Type("header:Cookie")
	waitOutput(t, tm, "1 of 8 flows match /header:Cookie", "/admin/users/usertest")
	typeKeys(tm, "ctrl+u")
	tm.Type("body:usert")
	waitOutput(t, tm, "2 of 8 flows match /body:usert")
	typeKeys(tm, "ctrl+u")
	tm.Type("status:abc")
	waitOutput(t, tm, "✖ status:abc is not a status")
	typeKeys(tm, "enter") // a bad expression stays in the prompt
	typeKeys(tm, "ctrl+u")
	tm.Type("body:nosuchuser")
	typeKeys(tm, "enter")
	waitOutput(t, tm, "0 of 8 flows match /body:nosuchuser", "no flow matches body:nosuchuser — esc clears")
	typeKeys(tm, "esc")
	waitOutput(t, tm, "│ 8 flows │")
	got := finish(t, tm)
	if got.filter.active() || len(got.list.rows) != 8 {
		t.Errorf("esc left the filter %q with %d rows", got.filter.text, len(got.list.rows))
	}
	s := screen(got, 120, 30)
	if strings.Contains(s, "no flow matches") {
		t.Errorf("the empty state stayed:\n%s", s)
	}
}

// The filter of `provtap open --filter` applies from the first frame.
func TestFilterOption(t *testing.T) {
	m := liveModel(t, filterFlows(), Options{Filter: "header:Cookie OR body:usert"})
	s := screen(m, 120, 30)
	if !strings.Contains(s, "2 of 8 flows match /header:Cookie OR body:usert") || m.list.selectedID() != 7 {
		t.Errorf("selected #%d:\n%s", m.list.selectedID(), s)
	}
}

// A filter that reads flows back runs in chunks: the first at once, the
// rest in the background, the status line saying how far it got; flows
// that arrive meanwhile are judged once; a new filter drops the old scan.
func TestFilterChunkedWithProgress(t *testing.T) {
	const n = 5_000
	flows := manyFlows(n)
	for i := 9; i < n; i += 10 {
		flows[i].ResponseBody = capture.Body{Bytes: []byte(`{"needle":1}`), Size: 12}
	}
	fd := NewFeed()
	fd.AddAll(flows[:n-2], nil)
	m := NewModel(Options{Renderer: plainRenderer()}, fd)
	m.Update(sizeMsg(140, 30))
	cmd := m.setFilter("body:needle")
	if cmd == nil || !m.scanning() {
		t.Fatal("a filter over 4998 flows that reads bodies must go on in the background")
	}
	if s := screen(m, 140, 30); !strings.Contains(s, fmt.Sprintf("filtering /body:needle: 200 match in %d of %d flows read…", chunkRead, n-2)) {
		t.Errorf("progress:\n%s", strings.SplitN(s, "\n", 2)[0])
	}
	stale := cmd // the scan a new filter will replace
	m.setFilter("body:nothing")
	cmd = m.setFilter("body:needle")
	m.Update(stale()) // answers for a filter no longer wanted: ignored
	// Two flows arrive while the scan runs.
	fd.AddAll(flows[n-2:], nil)
	m.Update(feedMsg{})
	for cmd != nil {
		_, cmd = m.Update(cmd())
	}
	want := matchIDs(t, m, "body:needle")
	if got := ids(m.list.rows); len(want) != n/10 || !equalInts(got, want) {
		t.Fatalf("after the scan: %d rows, want %d", len(got), len(want))
	}
	if s := screen(m, 140, 30); !strings.Contains(s, fmt.Sprintf("%d of %d flows match /body:needle", n/10, n)) {
		t.Errorf("status line after the scan:\n%s", strings.SplitN(s, "\n", 2)[0])
	}
}

// Findings that come after their flow (an analyzer settles a few flows
// later) show or hide it under has: and kind: without reading the list
// again.
func TestLateFindingsRejudgeTheFilter(t *testing.T) {
	feed := NewFeed()
	feed.AddAll(seedFlows(), nil)
	m := NewModel(Options{Renderer: plainRenderer(), Filter: "has:finding"}, feed)
	m.Update(sizeMsg(100, 30))
	if len(m.list.rows) != 0 {
		t.Fatalf("no finding yet, rows %v", ids(m.list.rows))
	}
	feed.Add(nil, []analyze.Finding{{Kind: "lost-header", Severity: analyze.Error, Flow: 4, Title: "x"}})
	m.Update(feedMsg{})
	if got := ids(m.list.rows); !equalInts(got, []int{4}) || !strings.Contains(screen(m, 100, 30), "1 of 6 flows match /has:finding") {
		t.Errorf("after the finding on #4: rows %v", got)
	}
	m.setFilter("-has:finding")
	m.list.selectID(3)
	feed.Add(nil, []analyze.Finding{{Kind: "dropped-cookie", Severity: analyze.Warning, Flow: 2, Title: "y"}})
	m.Update(feedMsg{})
	if got := ids(m.list.rows); !equalInts(got, []int{1, 3, 5, 6}) || m.list.selectedID() != 3 {
		t.Errorf("after the finding on #2: rows %v, selected #%d", got, m.list.selectedID())
	}
}
