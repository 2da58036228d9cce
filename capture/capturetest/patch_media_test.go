package capturetest_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/analyze/analyzetest"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"
)

// End-to-end tests of scim-patch-dialect and media-type: the SCIM PATCH
// and media-type servers of internal/scenario, driven through the real
// proxy by Go's net/http, the curl binary and the JDK's HttpClient.

var patchMediaKinds = []string{analyze.KindSCIMPatchDialect, analyze.KindMediaType}

// patchCase is one connector run against the PATCH server.
type patchCase struct {
	name  string
	mode  scenario.PatchMode
	steps func(user, group, m1 string) []scenario.Step
	want  []analyzetest.Want
	says  []string // in the finding's detail
	check func(t *testing.T, api *scenario.SCIMPatchAPI, user, group, m1 string)
}

var patchCases = []patchCase{
	{name: "strict server refuses Entra's PATCH", mode: scenario.PatchStrict,
		steps: func(u, _, _ string) []scenario.Step {
			return []scenario.Step{scenario.SCIMPatchGet(scenario.SCIMPatchUser(u)), scenario.SCIMPatchStep(scenario.SCIMPatchUser(u), scenario.EntraDisableUser)}
		},
		want: []analyzetest.Want{want(analyze.KindSCIMPatchDialect, 2, analyze.Error)},
		says: []string{`/Operations/0/op is "op":"Replace"`, `/Operations/0/value is "False" for active`, `scimType "invalidSyntax"`,
			`unsupported op "Replace"`},
		check: func(t *testing.T, api *scenario.SCIMPatchAPI, u, _, _ string) {
			if !api.Active(u) {
				t.Errorf("the refused PATCH disabled the user")
			}
		}},
	{name: "strict server takes the RFC PATCH", mode: scenario.PatchStrict,
		steps: func(u, _, _ string) []scenario.Step {
			return []scenario.Step{scenario.SCIMPatchGet(scenario.SCIMPatchUser(u)), scenario.SCIMPatchStep(scenario.SCIMPatchUser(u), scenario.RFCDisableUser), scenario.SCIMPatchGet(scenario.SCIMPatchUser(u))}
		},
		check: func(t *testing.T, api *scenario.SCIMPatchAPI, u, _, _ string) {
			if api.Active(u) {
				t.Errorf("the RFC PATCH did not disable the user")
			}
		}},
	{name: "lenient server ignores the string boolean", mode: scenario.PatchLenient,
		steps: func(u, _, _ string) []scenario.Step {
			return []scenario.Step{scenario.SCIMPatchStep(scenario.SCIMPatchUser(u), scenario.EntraDisableUser), scenario.SCIMPatchGet(scenario.SCIMPatchUser(u))}
		},
		want: []analyzetest.Want{want(analyze.KindSCIMPatchDialect, 1, analyze.Warning)},
		says: []string{"GET #2 of the same resource shows active: true where the PATCH meant false"}},
	{name: "lenient server ignores a path-less remove", mode: scenario.PatchLenient,
		steps: func(_, g, m1 string) []scenario.Step {
			return []scenario.Step{scenario.SCIMPatchStep(scenario.SCIMPatchGroup(g), scenario.PathlessRemoveMember(m1)), scenario.SCIMPatchGet(scenario.SCIMPatchGroup(g))}
		},
		want: []analyzetest.Want{want(analyze.KindSCIMPatchDialect, 1, analyze.Warning)},
		says: []string{"remove with a value and no path", "members still holding"}},
	{name: "strict server refuses a dotted key", mode: scenario.PatchStrict,
		steps: func(u, _, _ string) []scenario.Step {
			return []scenario.Step{scenario.SCIMPatchStep(scenario.SCIMPatchUser(u), scenario.DottedRename)}
		},
		want: []analyzetest.Want{want(analyze.KindSCIMPatchDialect, 1, analyze.Error)},
		says: []string{`/Operations/0/value/name.givenName is "name.givenName"`, `scimType "invalidValue"`}},
	{name: "lenient server and RFC PATCHes", mode: scenario.PatchLenient,
		steps: func(u, g, m1 string) []scenario.Step {
			return []scenario.Step{scenario.SCIMPatchStep(scenario.SCIMPatchUser(u), scenario.RFCDisableUser), scenario.SCIMPatchGet(scenario.SCIMPatchUser(u)),
				scenario.SCIMPatchStep(scenario.SCIMPatchUser(u), scenario.RFCRename), scenario.SCIMPatchStep(scenario.SCIMPatchGroup(g), scenario.RFCRemoveMember(m1)), scenario.SCIMPatchGet(scenario.SCIMPatchGroup(g))}
		},
		check: func(t *testing.T, api *scenario.SCIMPatchAPI, u, g, m1 string) {
			if api.Active(u) || api.GivenName(u) != "Jon" || len(api.Members(g)) != 1 {
				t.Errorf("the RFC PATCHes were not applied: active=%v %q %v", api.Active(u), api.GivenName(u), api.Members(g))
			}
		}},
}

func stepCount(c patchCase) int { return len(c.steps("u", "g", "m")) }

// TestSCIMPatchDialectThroughProxy: Entra-style PATCHes refused by a
// strict server and silently dropped by a lenient one, and their RFC twins.
func TestSCIMPatchDialectThroughProxy(t *testing.T) {
	t.Parallel()
	capturetest.RequireTool(t, "curl", "java", "keytool")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for _, tls := range []bool{false, true} {
		for ci := 0; ci < 3; ci++ {
			for _, c := range patchCases {
				rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
				caller := capturetest.Callers(rp)[ci]
				t.Run(fmt.Sprintf("%s/%s/%s", schemeOf(tls), caller.Name(), c.name), func(t *testing.T) {
					api := scenario.NewSCIMPatchAPI(c.mode)
					u, m1, m2 := api.AddUser("jdoe@example.com"), api.AddUser("alice"), api.AddUser("bob")
					g := api.AddGroup("Sales", m1, m2)
					srv := scenario.Serve(api, tls)
					defer srv.Close()
					if _, err := caller.Call(ctx, srv.URL, c.steps(u, g, m1)); err != nil {
						t.Fatal(err)
					}
					flows := rp.Flows(stepCount(c), 30*time.Second)
					got := expectPatchMedia(t, flows, c.want...)
					if c.check != nil {
						c.check(t, api, u, g, m1)
					}
					if len(c.want) == 0 {
						return
					}
					fd := analyzetest.FindingOf(t, got, c.want[0].Kind, c.want[0].Flow)
					for _, s := range c.says {
						if !strings.Contains(fd.Detail, s) {
							t.Errorf("detail lacks %q:\n%s", s, fd.Detail)
						}
					}
					if c.want[0].Sev == analyze.Warning && fmt.Sprint(fd.Related) != "[2]" {
						t.Errorf("related %v, want the GET", fd.Related)
					}
					if !strings.Contains(fd.Fix, "aadOptscim062020") || strings.Contains(fd.Title+fd.Detail+fd.Fix, scenario.SCIMPatchToken) {
						t.Errorf("fix %q (or the token in the text)", fd.Fix)
					}
					// A HAR from another tool has no client addresses: the
					// account still ties the GET to the PATCH.
					for _, f := range flows {
						f.ClientAddr, f.ConnID = "", 0
					}
					expectPatchMedia(t, flows, c.want...)
				})
			}
		}
	}
}

// TestSCIMPatchDialectThreads: four threads of one account disable their
// own users at once through a lenient server with RFC PATCHes, each
// reading back its own user: nothing to say, whatever the interleaving.
func TestSCIMPatchDialectThreads(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
	api := scenario.NewSCIMPatchAPI(scenario.PatchLenient)
	srv := scenario.Serve(api, true)
	defer srv.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		u := api.AddUser(fmt.Sprintf("user%d", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			caller := scenario.GoCaller{Client: rp.Client()}
			_, err := caller.Call(ctx, srv.URL, []scenario.Step{scenario.SCIMPatchGet(scenario.SCIMPatchUser(u)), scenario.SCIMPatchStep(scenario.SCIMPatchUser(u), scenario.RFCDisableUser),
				scenario.SCIMPatchGet(scenario.SCIMPatchUser(u))})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := expectPatchMedia(t, rp.Flows(12, 30*time.Second))
	analyzetest.ExpectNone(t, got, patchMediaKinds...)
}

// expectPatchMedia: the findings of this file's kinds are exactly wants;
// with none, nothing of any kind reaches warning.
func expectPatchMedia(t *testing.T, flows []*capture.Flow, wants ...analyzetest.Want) []analyze.Finding {
	t.Helper()
	got := analyze.Run(flows)
	kinds := patchMediaKinds
	if len(wants) == 0 {
		kinds = nil
	}
	if !analyzetest.ExpectAmong(t, got, kinds, wants...) {
		var lines []string
		for _, f := range flows {
			lines = append(lines, fmt.Sprintf("#%d %s %s → %d ct=%q accept=%q body=%.120s", f.ID, f.Method, f.URL, f.Status,
				f.RequestHeader("Content-Type"), f.RequestHeader("Accept"), f.ResponseBody.Bytes))
		}
		t.Logf("flows:\n  %s", strings.Join(lines, "\n  "))
	}
	return got
}

// mediaCase is one connector run against the media-type server.
type mediaCase struct {
	name  string
	mode  scenario.MediaMode
	steps []scenario.Step
	want  []analyzetest.Want
	says  []string // in the finding's title or detail
}

var mediaCases = []mediaCase{
	{name: "application/json to a SCIM-strict server", mode: scenario.MediaStrict,
		steps: []scenario.Step{scenario.MediaGet(scenario.SCIMType), scenario.MediaPost("application/json")},
		want:  []analyzetest.Want{want(analyze.KindMediaType, 2, analyze.Error)},
		says: []string{"POST /scim/v2/Users refused 415: Content-Type application/json, the server wants application/scim+json",
			"Accept-Post: application/scim+json", "RFC 7644 §8.1", "“Content-Type must be application/scim+json”"}},
	{name: "a charset the server rejects", mode: scenario.MediaStrict,
		steps: []scenario.Step{scenario.MediaPost(scenario.SCIMType + "; charset=ISO-8859-1")},
		want:  []analyzetest.Want{want(analyze.KindMediaType, 1, analyze.Error)},
		says:  []string{"charset=ISO-8859-1 rejected", "RFC 7644 §3.8", "Unsupported charset ISO-8859-1"}},
	{name: "Accept without the SCIM type", mode: scenario.MediaStrict,
		steps: []scenario.Step{scenario.MediaPost(scenario.SCIMType), scenario.MediaGet("application/json")},
		want:  []analyzetest.Want{want(analyze.KindMediaType, 2, analyze.Error)},
		says:  []string{"refused 406: Accept application/json, the server answers application/scim+json", "POST #1 with Content-Type: application/scim+json"}},
	{name: "the right media types", mode: scenario.MediaStrict,
		steps: []scenario.Step{scenario.MediaGet(scenario.SCIMType), scenario.MediaPost(scenario.SCIMType), scenario.MediaPost(scenario.SCIMType + "; charset=utf-8")}},
	{name: "a server that takes both", mode: scenario.MediaLenient,
		steps: []scenario.Step{scenario.MediaGet("application/json"), scenario.MediaPost("application/json")}},
}

// TestMediaTypeThroughProxy: a SCIM-strict media-type server refusing a
// connector's Content-Type, charset or Accept, and the correct twins.
func TestMediaTypeThroughProxy(t *testing.T) {
	t.Parallel()
	capturetest.RequireTool(t, "curl", "java", "keytool")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for _, tls := range []bool{false, true} {
		for ci := 0; ci < 3; ci++ {
			for _, c := range mediaCases {
				rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
				caller := capturetest.Callers(rp)[ci]
				t.Run(fmt.Sprintf("%s/%s/%s", schemeOf(tls), caller.Name(), c.name), func(t *testing.T) {
					api := scenario.NewMediaTypeAPI(c.mode)
					srv := scenario.Serve(api, tls)
					defer srv.Close()
					if _, err := caller.Call(ctx, srv.URL, c.steps); err != nil {
						t.Fatal(err)
					}
					got := expectPatchMedia(t, rp.Flows(len(c.steps), 30*time.Second), c.want...)
					if len(c.want) == 0 {
						return
					}
					fd := analyzetest.FindingOf(t, got, c.want[0].Kind, c.want[0].Flow)
					for _, s := range c.says {
						if !strings.Contains(fd.Title+"\n"+fd.Detail, s) {
							t.Errorf("finding lacks %q:\n%s\n%s", s, fd.Title, fd.Detail)
						}
					}
					if strings.Contains(fd.Title+fd.Detail+fd.Fix, scenario.MediaToken) {
						t.Errorf("the token is in the text")
					}
				})
			}
		}
	}
}

// TestMediaTypeMissingThroughProxy: a body sent without a Content-Type
// (Go and the JDK send none unless told; curl --data-binary sends
// application/x-www-form-urlencoded): refused 415, and said so.
func TestMediaTypeMissingThroughProxy(t *testing.T) {
	capturetest.RequireTool(t, "curl", "java", "keytool")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for ci := 0; ci < 3; ci++ {
		rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
		caller := capturetest.Callers(rp)[ci]
		t.Run(caller.Name(), func(t *testing.T) {
			srv := scenario.Serve(scenario.NewMediaTypeAPI(scenario.MediaStrict), true)
			defer srv.Close()
			if _, err := caller.Call(ctx, srv.URL, []scenario.Step{scenario.MediaPost("")}); err != nil {
				t.Fatal(err)
			}
			flows := rp.Flows(1, 30*time.Second)
			got := expectPatchMedia(t, flows, want(analyze.KindMediaType, 1, analyze.Error))
			fd := analyzetest.FindingOf(t, got, analyze.KindMediaType, 1)
			sent := flows[0].RequestHeader("Content-Type")
			if sent == "" && !strings.Contains(fd.Title, "without Content-Type") ||
				sent != "" && !strings.Contains(fd.Title, "Content-Type "+sent+", the server wants application/scim+json") {
				t.Errorf("sent %q: %s", sent, fd.Title)
			}
		})
	}
}
