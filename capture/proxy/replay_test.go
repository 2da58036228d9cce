package proxy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
)

// Seed 1 proves its diagnosis by replay: the refused PATCH, replayed with the
// session cookie the POST got, succeeds.
func TestReplaySeed1PatchWithSessionCookieSucceeds(t *testing.T) {
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
		switch {
		case f.Method == "POST" && post == nil:
			post = f
		case f.Method == "PATCH":
			patch = f
		}
	}
	if post == nil || patch == nil || patch.Status != 401 {
		t.Fatalf("flows %v", flows)
	}
	// A plain replay reproduces the refusal.
	again, err := rp.Replay(context.Background(), patch)
	if err != nil || again.Status != 401 || again.ReplayOf != patch.ID {
		t.Fatalf("plain replay: %v status %d replayOf %d", err, again.Status, again.ReplayOf)
	}
	cookie := strings.SplitN(post.ResponseHeader("Set-Cookie"), ";", 2)[0]
	fixed := *patch
	fixed.RequestHeaders = append(append([]capture.Header(nil), patch.RequestHeaders...), capture.Header{Name: "Cookie", Value: cookie})
	res, err := rp.Replay(context.Background(), &fixed)
	if err != nil || res.Status/100 != 2 {
		t.Fatalf("replay with %s: %v status %d %s", cookie, err, res.Status, res.ResponseBody.Bytes)
	}
	if got := rp.Flows(len(flows)+2, 5*time.Second); got[len(got)-1].ReplayOf != patch.ID {
		t.Errorf("the replayed flow must be recorded, linked to #%d", patch.ID)
	}
}
