package scenario

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"
)

func newJarClient(t *testing.T, base *http.Client) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *base
	c.Jar = jar
	return &c
}

func TestSessionAPI(t *testing.T) {
	api := NewSessionAPI()
	now := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	api.Now = func() time.Time { return now }
	srv := Serve(api, false)
	defer srv.Close()

	get := func(cookie string, auth bool) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/admin/users/nobody", nil)
		if auth {
			req.SetBasicAuth(SessionAPIUser, SessionAPIPassword)
		}
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: SessionCookie, Value: cookie})
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	first := get("", true)
	var session string
	for _, c := range first.Cookies() {
		if c.Name == SessionCookie && c.Path == "/" && c.HttpOnly && c.MaxAge == 0 {
			session = c.Value
		}
	}
	if first.StatusCode != 404 || session == "" {
		t.Fatalf("first call: %d, cookies %v", first.StatusCode, first.Header["Set-Cookie"])
	}
	second := get("", true)
	if second.StatusCode != 401 || second.Header.Get("WWW-Authenticate") != `Token Basic realm="IdentityAdmin"` || len(second.Cookies()) != 0 {
		t.Errorf("second session: %d %v", second.StatusCode, second.Header)
	}
	if r := get(session, true); r.StatusCode != 404 {
		t.Errorf("with the cookie: %d", r.StatusCode)
	}
	if r := get("", false); r.StatusCode != 401 {
		t.Errorf("no credentials: %d", r.StatusCode)
	}
	// Sessions time out 15 minutes after their last use.
	now = now.Add(14 * time.Minute)
	if r := get("", true); r.StatusCode != 401 {
		t.Errorf("14 min later without cookie: %d", r.StatusCode)
	}
	now = now.Add(SessionTTL)
	if r := get("", true); r.StatusCode != 404 || len(r.Cookies()) != 1 {
		t.Errorf("after the timeout a new session opens: %d", r.StatusCode)
	}
	if api.LiveSessions(SessionAPIUser) != 1 {
		t.Errorf("live sessions: %d", api.LiveSessions(SessionAPIUser))
	}
}

func TestGateway(t *testing.T) {
	srv := Serve(NewGateway(), true)
	defer srv.Close()
	call := func(path, key, user string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if key != "" {
			req.Header.Set(KeyHeader, key)
		}
		req.SetBasicAuth(user, GatewayPassword)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if s, b := call("/Users", "", GatewayUser); s != 401 || !strings.Contains(b, "missing subscription key") {
		t.Errorf("no key: %d %s", s, b)
	}
	if s, b := call("/Users", "wrong", GatewayUser); s != 401 || !strings.Contains(b, "invalid subscription key") {
		t.Errorf("wrong key: %d %s", s, b)
	}
	if s, _ := call("/Users", GatewayKey, "intruder"); s != 401 {
		t.Errorf("bad Basic auth: %d", s)
	}
	if s, b := call("/Users?"+KeyParam+"="+GatewayKey, "", GatewayUser); s != 200 || !strings.Contains(b, "bjensen") {
		t.Errorf("key in query: %d %s", s, b)
	}
	for _, p := range []string{"/Groups", "/Groups/" + GatewayGroup, "/ServiceProviderConfig"} {
		if s, _ := call(p, GatewayKey, GatewayUser); s != 200 {
			t.Errorf("%s: %d", p, s)
		}
	}
	if s, _ := call("/Groups/nope", GatewayKey, GatewayUser); s != 404 {
		t.Errorf("unknown group: %d", s)
	}
}

func TestGoConnectorsDirect(t *testing.T) {
	for _, tls := range []bool{false, true} {
		api := NewSessionAPI()
		srv := Serve(api, tls)
		err := RunSeed1(srv.Client(), srv.URL)
		var step *StepError
		if !errors.As(err, &step) || step.Status != 401 || !strings.HasPrefix(step.Step, "PATCH /admin/usergroups/") {
			t.Errorf("tls=%v without a jar: want the PATCH refused, got %v", tls, err)
		}
		api2 := NewSessionAPI()
		srv2 := Serve(api2, tls)
		if err := RunSeed1(newJarClient(t, srv2.Client()), srv2.URL); err != nil {
			t.Errorf("tls=%v with a jar: %v", tls, err)
		}
		gw := NewGateway()
		srv3 := Serve(gw, tls)
		err = RunSeed2(srv3.Client(), srv3.URL, Seed2ReadsOnly)
		if !errors.As(err, &step) || step.Status != 401 || step.Step != "PATCH /Groups/"+GatewayGroup {
			t.Errorf("tls=%v seed 2 reads only: %v", tls, err)
		}
		if err := RunSeed2(srv3.Client(), srv3.URL, Seed2Correct); err != nil || !gw.IsMember(GatewayNewMember) {
			t.Errorf("tls=%v seed 2 correct: %v", tls, err)
		}
		srv.Close()
		srv2.Close()
		srv3.Close()
	}
}
