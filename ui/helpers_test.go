package ui

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

var epoch = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

const (
	basic    = "Basic c3ZjLXByb3Zpc2lvbmluZzpQcjB2LVMzc3MxMG4h"
	subKey   = "5f2c0d8e9a7b4c3d8e1f0a2b3c4d5e6f"
	apim401  = `{"statusCode":401,"message":"Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."}`
	admin401 = `{"code":401,"description":"The request requires user authentication","reasonPhrase":"Unauthorized"}`
	groupID  = "7f3c9a2e-4b1d-4e8a-9c6f-2d5b8e1a3c70"
)

// mkFlow is one flow; headers alternate name, value.
func mkFlow(id int, method, rawURL string, status int, reqHdrs []string, respHdrs []string, respBody string) *capture.Flow {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = map[string]int{"http": 80, "https": 443}[u.Scheme]
	}
	f := &capture.Flow{
		ID: id, ConnID: int64(id), Method: method, URL: rawURL, Scheme: u.Scheme, Host: u.Hostname(), Port: port,
		Target: u.RequestURI(), Proto: "HTTP/1.1", Status: status, StatusText: httpText(status), ResponseProto: "HTTP/1.1",
		ClientAddr: "10.1.2.3:50000",
		Start:      epoch.Add(time.Duration(id) * 100 * time.Millisecond),
	}
	f.End = f.Start.Add(42 * time.Millisecond)
	f.RequestHeaders = []capture.Header{{Name: "Host", Value: u.Host}, {Name: "User-Agent", Value: "Java-http-client/17.0.9"}}
	for i := 0; i+1 < len(reqHdrs); i += 2 {
		f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: reqHdrs[i], Value: reqHdrs[i+1]})
	}
	for i := 0; i+1 < len(respHdrs); i += 2 {
		f.ResponseHeaders = append(f.ResponseHeaders, capture.Header{Name: respHdrs[i], Value: respHdrs[i+1]})
	}
	if respBody != "" {
		f.ResponseBody = capture.Body{Bytes: []byte(respBody), Size: int64(len(respBody)), Decoded: true}
	}
	return f
}

func httpText(code int) string {
	return map[int]string{200: "OK", 201: "Created", 401: "Unauthorized", 404: "Not Found"}[code]
}

func withBody(f *capture.Flow, ct, body string) *capture.Flow {
	f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: "Content-Type", Value: ct})
	f.RequestBody = capture.Body{Bytes: []byte(body), Size: int64(len(body)), Decoded: true}
	return f
}

// seedFlows is both seed scenarios: the SCIM gateway (#1–#4, the PATCH loses
// the subscription key) and the session API (#5–#6, the PATCH drops the
// session cookie while the POST's session is live).
func seedFlows() []*capture.Flow {
	gw := "https://gw.example.test/scim/v2"
	scim := []string{"Authorization", basic, "Ocp-Apim-Subscription-Key", subKey, "Accept", "application/scim+json"}
	ok := []string{"Content-Type", "application/scim+json"}
	flows := []*capture.Flow{
		mkFlow(1, "GET", gw+"/Users?subscription-key="+subKey, 200, scim, ok, `{"totalResults":1,"Resources":[{"id":"u1","userName":"alice"}]}`),
		mkFlow(2, "GET", gw+"/Groups?subscription-key="+subKey, 200, scim, ok, `{"totalResults":1,"Resources":[{"id":"g1"}]}`),
		mkFlow(3, "GET", gw+"/Groups/g1?subscription-key="+subKey, 200, scim, ok, `{"id":"g1","displayName":"Staff"}`),
		withBody(mkFlow(4, "PATCH", gw+"/Groups/g1", 401, []string{"Authorization", basic, "Accept", "application/scim+json"},
			[]string{"Content-Type", "application/json", "WWW-Authenticate", `AzureApiManagementKey realm="https://gw.example.test",name="Ocp-Apim-Subscription-Key",type="header"`}, apim401),
			"application/scim+json", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"u1"}]}]}`),
		withBody(mkFlow(5, "POST", "http://127.0.0.1:9000/admin/users", 201, []string{"Authorization", basic},
			[]string{"Set-Cookie", "JSESSIONID=8F3A1C0D9E; Path=/; HttpOnly", "Content-Type", "application/json", "Location", "/admin/users/jdoe"},
			`{"uuid":"0b6c","name":"jdoe"}`), "application/json", `{"name":"jdoe","email":"jdoe@example.test"}`),
		withBody(mkFlow(6, "PATCH", "http://127.0.0.1:9000/admin/usergroups/"+groupID, 401, []string{"Authorization", basic},
			[]string{"WWW-Authenticate", `Token Basic realm="IdentityAdmin"`, "Content-Type", "application/json"}, admin401),
			"application/json", `{"addUsers":["0b6c"]}`),
	}
	return flows
}

// manyFlows is n ordinary flows.
func manyFlows(n int) []*capture.Flow {
	out := make([]*capture.Flow, n)
	for i := range out {
		st := 200
		if i%7 == 3 {
			st = 404
		}
		out[i] = mkFlow(i+1, []string{"GET", "POST", "PATCH"}[i%3], "https://api.example.test/scim/v2/Users/"+strconv.Itoa(i), st, nil, nil, `{"ok":true}`)
	}
	return out
}

func seedFeed() (*Feed, []*capture.Flow, []analyze.Finding) {
	flows := seedFlows()
	findings := analyze.Run(flows)
	fd := NewFeed()
	fd.AddAll(flows, findings)
	return fd, flows, findings
}

// screen renders m at w×h and strips the escape codes.
func screen(m *Model, w, h int) string {
	m.Update(sizeMsg(w, h))
	return ansi.Strip(m.View())
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

func sizeMsg(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

// press is the key message for a key name ("enter", "esc", "tab", "ctrl+u") or runes.
func press(k string) tea.KeyMsg {
	if t, ok := namedKeys[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

var namedKeys = map[string]tea.KeyType{"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "ctrl+u": tea.KeyCtrlU,
	"pgdown": tea.KeyPgDown, "down": tea.KeyDown, "up": tea.KeyUp, "right": tea.KeyRight, "left": tea.KeyLeft}

// startTUI runs m in teatest at w×h.
func startTUI(t *testing.T, m *Model, w, h int) *teatest.TestModel {
	t.Helper()
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
}

// waitOutput waits until the program has drawn every one of subs.
func waitOutput(t *testing.T, tm *teatest.TestModel, subs ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		s := ansi.Strip(string(b))
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(waitLimit), teatest.WithCheckInterval(20*time.Millisecond))
}

// waitLimit bounds a wait for the screen; generous, since these 2-core
// machines also run the end-to-end tests' JVMs (a wait that succeeds ends
// at once).
const waitLimit = 20 * time.Second

// finish quits the program and returns its final model.
func finish(t *testing.T, tm *teatest.TestModel) *Model {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	return tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
}

func typeKeys(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		tm.Send(press(k))
	}
}

// flowOfFile is the flow a copy's file name is for (provtap-flow-6.curl.sh: 6).
func flowOfFile(name string) int {
	name = strings.TrimPrefix(name, "provtap-flow-")
	n, _ := strconv.Atoi(name[:strings.IndexAny(name+".", ".-")])
	return n
}
