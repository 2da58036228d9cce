package ui

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"

	"github.com/charmbracelet/x/ansi"
	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
)

// fakeReplayer records what it was asked to send and answers 200, as a new
// flow numbered after the capture's.
type fakeReplayer struct {
	mu     sync.Mutex
	sent   []*capture.Flow
	nextID int
	block  bool // wait for the context to end (a slow upstream)
}

func (r *fakeReplayer) Replay(ctx context.Context, f *capture.Flow) (*capture.Flow, error) {
	if r.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	cp := *f
	cp.RequestHeaders = append([]capture.Header(nil), f.RequestHeaders...)
	r.sent = append(r.sent, &cp)
	r.nextID++
	out := cp
	out.ID, out.ReplayOf, out.Status, out.StatusText = r.nextID, f.ID, 200, "OK"
	out.Start = time.Now()
	out.End = out.Start.Add(time.Millisecond)
	out.ResponseBody = capture.Body{Bytes: []byte(`{"ok":true}`), Size: 11, Decoded: true}
	return &out, nil
}

func (r *fakeReplayer) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent)
}

// R on the PATCH that dropped the session cookie: the confirmation shows
// the exact request with the cookie added and the side-effect warning; n
// sends nothing; y sends exactly the original plus the cookie, and the
// answer is a new flow, selected, linked to the original.
func TestReplayWithFixConfirmsAndSends(t *testing.T) {
	feed, flows, _ := seedFeed()
	rp := &fakeReplayer{nextID: len(flows)}
	m := NewModel(Options{Renderer: plainRenderer(), Replayer: rp}, feed)
	tm := startTUI(t, m, 120, 50)
	typeKeys(tm, "j", "j", "j", "j", "j", "R") // #6
	waitOutput(t, tm, "[Replay #6 with the fix]", "side effects", "+ Cookie: JSESSIONID=8F3A1C0D9E", "y or enter: send it")
	typeKeys(tm, "n")
	waitOutput(t, tm, "not sent: the replay of #6 was cancelled")
	if n := rp.count(); n != 0 {
		t.Fatalf("n sent %d requests", n)
	}
	typeKeys(tm, "R", "y")
	waitOutput(t, tm, "#7, replay of #6: 200 OK (the original got 401)", "replay of #6 ", "↻#6")
	got := finish(t, tm)
	if rp.count() != 1 {
		t.Fatalf("sent %d requests, want 1", rp.count())
	}
	sent, orig := rp.sent[0], flows[5]
	want := append(append([]capture.Header(nil), orig.RequestHeaders...), capture.Header{Name: "Cookie", Value: "JSESSIONID=8F3A1C0D9E"})
	if !sameHeaders(sent.RequestHeaders, want) || sent.Method != orig.Method || sent.URL != orig.URL || sent.Target != orig.Target ||
		string(sent.RequestBody.Bytes) != string(orig.RequestBody.Bytes) || sent.ID != orig.ID {
		t.Errorf("sent %s %s %v %q; want the original plus the cookie %v", sent.Method, sent.Target, sent.RequestHeaders, sent.RequestBody.Bytes, want)
	}
	if orig.HasRequestHeader("Cookie") {
		t.Errorf("the captured flow was changed: %v", orig.RequestHeaders)
	}
	if got.list.selectedID() != 7 || got.flowByID(7).ReplayOf != 6 {
		t.Errorf("selected #%d; want the replay #7, linked to #6", got.list.selectedID())
	}
	s := ansi.Strip(got.View())
	if !strings.Contains(lineWith(s, "[Request]"), "#7 PATCH 200 · replay of #6") || !strings.Contains(lineWith(s, "▶"), "↻#6") {
		t.Errorf("the replay's link is not visible:\n%s", s)
	}
}

// r replays the request as it was, with the same confirmation; in the
// findings pane too r replays (the finding's flow), and v goes to the
// related flows.
func TestReplayPlain(t *testing.T) {
	feed, flows, _ := seedFeed()
	rp := &fakeReplayer{nextID: len(flows)}
	m := NewModel(Options{Renderer: plainRenderer(), Replayer: rp}, feed)
	m.Update(sizeMsg(100, 40))
	m.list.selectID(4)
	m.syncDetail()
	m.Update(press("r"))
	s := screen(m, 100, 40)
	for _, want := range []string{"[Replay #4]", "side effects", "Sent as it was captured", "curl ", "send this request?"} {
		if !strings.Contains(s, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, s)
		}
	}
	_, cmd := m.Update(press("enter"))
	if cmd == nil || m.pending == nil || !strings.Contains(screen(m, 100, 40), "replaying #4") {
		t.Fatal("enter must send, off the UI goroutine, and say so")
	}
	m.Update(cmd())
	if rp.count() != 1 || !sameHeaders(rp.sent[0].RequestHeaders, flows[3].RequestHeaders) || rp.sent[0].Target != flows[3].Target {
		t.Fatalf("plain replay sent %v", rp.sent)
	}
	if m.list.selectedID() != 7 || m.pending != nil {
		t.Errorf("selected #%d after the replay", m.list.selectedID())
	}
	m.Update(press("f"))
	m.Update(press("v"))
	if rp.count() != 1 || m.confirm.active() || !strings.Contains(m.msg, "evidence for") {
		t.Errorf("v in the findings pane: %q, confirm %v", m.msg, m.confirm.active())
	}
	m.Update(press("f"))
	m.Update(press("r"))
	fd, _ := m.fpane.selected()
	if !m.confirm.active() || m.confirm.plan.orig.ID != fd.Flow || rp.count() != 1 {
		t.Errorf("r in the findings pane must ask to replay the finding's flow #%d", fd.Flow)
	}
}

// R on the PATCH that lost the key adds it as the header and as the query
// parameter, keeping the rest of the request-target's bytes.
func TestReplayFixHeaderAndQuery(t *testing.T) {
	f := seedFlows()[3]
	f.Target = "/scim/v2/Groups/g1?attributes=members%2Cid"
	f.URL = "https://gw.example.test" + f.Target
	p, err := planReplay(f, true, []string{"lost-header", "lost-query-param"}, []analyze.Missing{
		{Where: "header", Name: "Ocp-Apim-Subscription-Key", Value: subKey},
		{Where: "query", Name: "subscription-key", Value: subKey},
		{Where: "header", Name: "Authorization", Value: "Bearer new"},
		{Where: "cookie", Name: "JSESSIONID", Value: ""},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := p.req
	if r.Target != "/scim/v2/Groups/g1?attributes=members%2Cid&subscription-key="+subKey || r.URL != "https://gw.example.test"+r.Target {
		t.Errorf("target %q url %q", r.Target, r.URL)
	}
	if r.RequestHeader("Ocp-Apim-Subscription-Key") != subKey || r.RequestHeader("Authorization") != "Bearer new" ||
		len(r.RequestHeaderValues("Authorization")) != 1 || len(r.RequestHeaders) != len(f.RequestHeaders)+1 {
		t.Errorf("headers %v", r.RequestHeaders)
	}
	if f.RequestHeader("Authorization") != basic || f.RequestHeader("Ocp-Apim-Subscription-Key") != "" {
		t.Error("the captured flow was changed")
	}
	if len(p.unknown) != 1 || len(p.changes) != 3 {
		t.Errorf("changes %q unknown %q", p.changes, p.unknown)
	}
	// Cookies merge into the Cookie header; a present one is replaced.
	g := mkFlow(1, "GET", "http://x.test/a", 200, []string{"Cookie", "a=1; JSESSIONID=old"}, nil, "")
	p, _ = planReplay(g, true, nil, []analyze.Missing{{Where: "cookie", Name: "JSESSIONID", Value: "new"}, {Where: "cookie", Name: "b", Value: "2"}})
	if v := p.req.RequestHeaderValues("Cookie"); len(v) != 1 || v[0] != "a=1; JSESSIONID=new; b=2" {
		t.Errorf("Cookie %q", v)
	}
	if got, _ := withParam("/p?", "k", "v w"); got != "/p?k=v+w" {
		t.Errorf("withParam: %q", got)
	}
	if got, _ := withParam("/p?k=old&z=1", "k", "new"); got != "/p?k=new&z=1" {
		t.Errorf("withParam replace: %q", got)
	}
}

// Without a replayer, or without a fix to apply, the keys say why.
func TestReplayRefusals(t *testing.T) {
	feed, flows, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	m.Update(sizeMsg(100, 30))
	m.Update(press("r"))
	if m.msg != "replay not available here" {
		t.Errorf("no replayer: %q", m.msg)
	}
	fd := NewFeed()
	fd.AddAll(flows, []analyze.Finding{{Kind: "lost-header", Severity: analyze.Error, Flow: 4,
		Missing: []analyze.Missing{{Where: "header", Name: "X-Api-Key", Seen: "sent on #1"}}}})
	m = NewModel(Options{Renderer: plainRenderer(), Replayer: &fakeReplayer{}}, fd)
	m.Update(sizeMsg(100, 30))
	m.Update(press("R")) // #1: no finding
	if !strings.Contains(m.msg, "#1 has no finding") {
		t.Errorf("R without a finding: %q", m.msg)
	}
	m.list.selectID(4)
	m.Update(press("R"))
	if !strings.Contains(m.msg, "X-Api-Key") || !strings.Contains(m.msg, "unknown") || m.confirm.active() {
		t.Errorf("R with an unknown value: %q", m.msg)
	}
}

// Esc while a replay is on its way cancels it.
func TestReplayCancelWhileSending(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer(), Replayer: &fakeReplayer{block: true}}, feed)
	m.Update(sizeMsg(100, 30))
	m.Update(press("r"))
	_, cmd := m.Update(press("y"))
	done := make(chan any)
	go func() { done <- cmd() }()
	m.Update(press("esc"))
	select {
	case msg := <-done:
		m.Update(msg)
	case <-time.After(5 * time.Second):
		t.Fatal("esc did not cancel the replay")
	}
	if m.pending != nil || !strings.Contains(m.msg, "failed: cancelled") {
		t.Errorf("after cancel: %q", m.msg)
	}
}

// Seed 1 proves its diagnosis: the PATCH refused for the dropped session
// cookie, replayed with R through the proxy, succeeds.
func TestReplaySeed1ProvesDiagnosis(t *testing.T) {
	api := scenario.NewSessionAPI()
	up := scenario.Serve(api, true)
	defer up.Close()
	rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
	if err := scenario.RunSeed1(rp.Client(), up.URL); err == nil {
		t.Fatal("seed 1 without a cookie jar must be refused")
	}
	flows := rp.Flows(2, 10*time.Second)
	var post, patch *capture.Flow
	for _, f := range flows {
		switch f.Method {
		case "POST":
			post = f
		case "PATCH":
			patch = f
		}
	}
	var account struct{ Name string }
	if post != nil {
		json.Unmarshal(post.RequestBody.Bytes, &account)
	}
	if patch == nil || patch.Status != 401 {
		t.Fatalf("no refused PATCH in %v", flows)
	}
	fd := NewFeed()
	fd.AddAll(flows, analyze.Run(flows))
	m := NewModel(Options{Renderer: plainRenderer(), Replayer: rp.Proxy, Select: patch.ID}, fd)
	tm := startTUI(t, m, 120, 50)
	typeKeys(tm, "R")
	waitOutput(t, tm, "with the fix]", "+ Cookie: JSESSIONID=")
	typeKeys(tm, "y")
	waitOutput(t, tm, "replay of #"+strconv.Itoa(patch.ID)+": 20")
	got := finish(t, tm)
	r := got.flowByID(got.list.selectedID())
	if r == nil || r.ReplayOf != patch.ID || r.Status/100 != 2 || !strings.HasPrefix(r.RequestHeader("Cookie"), "JSESSIONID=") {
		t.Fatalf("replay: %+v", r)
	}
	if !api.IsMember(scenario.SessionAPIGroup, account.Name) || api.LiveSessions(scenario.SessionAPIUser) != 1 {
		t.Errorf("after the replay %q is member: %v; live sessions %d (want the one the POST opened)", account.Name,
			api.IsMember(scenario.SessionAPIGroup, account.Name), api.LiveSessions(scenario.SessionAPIUser))
	}
}

// liveReplayer is the proxy's way: the new flow also comes through the feed.
type liveReplayer struct {
	fakeReplayer
	feed  *Feed
	delay time.Duration
}

func (r *liveReplayer) Replay(ctx context.Context, f *capture.Flow) (*capture.Flow, error) {
	out, err := r.fakeReplayer.Replay(ctx, f)
	go func() {
		time.Sleep(r.delay)
		r.feed.Add(out, nil)
	}()
	return out, err
}

// Live, the replay arrives through the feed (recorded, analyzed) and is
// selected then, once, wherever the selection was.
func TestReplayLiveArrivesThroughFeed(t *testing.T) {
	for _, delay := range []time.Duration{0, 200 * time.Millisecond} {
		feed, flows, _ := seedFeed()
		rp := &liveReplayer{fakeReplayer: fakeReplayer{nextID: len(flows)}, feed: feed, delay: delay}
		m := NewModel(Options{Renderer: plainRenderer(), Replayer: rp, Live: true, Select: 6}, feed)
		tm := startTUI(t, m, 120, 40)
		typeKeys(tm, "R", "y")
		waitOutput(t, tm, "#7 PATCH 200 · replay of #6")
		got := finish(t, tm)
		if got.list.selectedID() != 7 || len(got.store.all) != 7 || got.awaitReplay != 0 {
			t.Errorf("delay %v: selected #%d of %d flows", delay, got.list.selectedID(), len(got.store.all))
		}
	}
}
