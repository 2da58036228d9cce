package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
)

// What an RFC 6265 client does with each Set-Cookie, and why not, in
// DevTools' terms.
func TestJudgeSetCookie(t *testing.T) {
	get := func(url string) *capture.Flow { return mkFlow(1, "GET", url, 200, nil, nil, "") }
	past := epoch.Add(-time.Hour).UTC().Format(time.RFC1123)
	future := epoch.Add(24 * time.Hour).UTC().Format(time.RFC1123)
	for _, c := range []struct {
		url, line, want string
	}{
		{"https://idp.example.test/login/form", "sid=1; Path=/; HttpOnly", "✔stored: sent back to idp.example.test only, under /, until the client exits"},
		{"https://idp.example.test/login/form", "sid=1", "✔stored: sent back to idp.example.test only, under /login (the default path)"},
		{"https://a.idp.example.test/", "sid=1; Domain=.Example.test; Max-Age=600", "✔stored: sent back to example.test and its subdomains, under / (the default path), for 10m0s"},
		{"https://idp.example.test/", "sid=1; Expires=" + future, "✔stored: sent back to idp.example.test only, under / (the default path), until 2025-03-05"},
		{"http://idp.example.test/", "sid=1; Secure", "✖blocked: it has Secure but came over http"},
		{"https://idp.example.test/", "sid=1; Domain=other.test", "✖blocked: Domain=other.test does not match the host idp.example.test"},
		{"https://shop.example.co.uk/", "sid=1; Domain=co.uk", "✖blocked: Domain=co.uk is a public suffix"},
		{"http://127.0.0.1:9000/", "sid=1; Domain=example.test", "✖blocked: Domain=example.test on a response from the IP address 127.0.0.1"},
		{"https://idp.example.test/", "__Secure-sid=1", "✖blocked: invalid prefix: a __Secure- cookie needs Secure"},
		{"https://idp.example.test/", "__Host-sid=1; Secure; Path=/; Domain=idp.example.test", "✖blocked: invalid prefix: a __Host- cookie needs Secure, no Domain and Path=/"},
		{"https://idp.example.test/", "__Host-sid=1; Secure; Path=/", "✔stored"},
		{"https://idp.example.test/", "sid=; Max-Age=0", "−deletes the cookie: Max-Age=0"},
		{"https://idp.example.test/", "sid=x; Expires=" + past, "−deletes the cookie: it expired"},
		{"https://idp.example.test/", "sid=x; Max-Age=60; Expires=" + past, "✔stored"}, // Max-Age wins
	} {
		sc, err := parseSetCookie(c.line)
		if err != nil {
			t.Errorf("%s: %v", c.line, err)
			continue
		}
		v := judge(sc, get(c.url))
		mark := map[bool]string{true: "✔"}[v.stored]
		if v.deletes {
			mark = "−"
		} else if !v.stored {
			mark = "✖"
		}
		if got := mark + v.why; !strings.HasPrefix(got, c.want) {
			t.Errorf("%s on %s:\n got %s\nwant %s…", c.line, c.url, got, c.want)
		}
	}
	sc, _ := parseSetCookie("tr=1; SameSite=None")
	if v := judge(sc, get("https://idp.example.test/")); !v.stored || !strings.Contains(v.browser, "SameSite=None without Secure") {
		t.Errorf("SameSite=None without Secure: %+v", v)
	}
	if _, err := parseSetCookie("no equals sign"); err == nil {
		t.Error("a line without = is not a cookie")
	}
}

// Where each request cookie came from.
func TestCookieOrigin(t *testing.T) {
	login := mkFlow(1, "POST", "https://app.example.test/admin/login", 200, nil, []string{"Set-Cookie", "sid=A; Path=/admin", "Set-Cookie", "lang=en"}, "")
	rotate := mkFlow(2, "GET", "https://app.example.test/admin/x", 200, nil, []string{"Set-Cookie", "sid=B; Path=/admin"}, "")
	logout := mkFlow(3, "GET", "https://app.example.test/admin/logout", 200, nil, []string{"Set-Cookie", "sid=; Path=/admin; Max-Age=0"}, "")
	req := func(path string) *capture.Flow {
		return mkFlow(9, "GET", "https://app.example.test"+path, 200, nil, nil, "")
	}
	for _, c := range []struct {
		path, name, value string
		setters           []*capture.Flow
		want              string
	}{
		{"/admin/users", "sid", "B", []*capture.Flow{rotate, login}, "set by #2 (GET /admin/x → 200)"},
		{"/admin/users", "sid", "A", []*capture.Flow{rotate, login}, "set by #1 (POST /admin/login → 200); #2 set another value later"},
		{"/admin/users", "sid", "Z", []*capture.Flow{rotate, login}, "set by hand: the latest response that set it, #2, set another value"},
		{"/admin/users", "sid", "B", []*capture.Flow{logout, rotate, login}, "set by hand: #3 deleted it before this request"},
		{"/scim/Users", "sid", "B", []*capture.Flow{rotate, login}, "set by hand: no earlier response in this capture set it"}, // Path=/admin
		{"/admin", "lang", "en", []*capture.Flow{login}, "set by #1"},                                                          // default path /admin
		{"/other", "lang", "en", []*capture.Flow{login}, "set by hand"},
		{"/", "x", "1", nil, "set by hand: no earlier response in this capture set it"},
	} {
		if got := cookieOrigin(req(c.path), c.name, c.value, c.setters); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s=%s on %s: %q, want %q", c.name, c.value, c.path, got, c.want)
		}
	}
}

// The cookies tab: the GET presents the session cookie the POST set; the
// PATCH that dropped it shows it missing; the POST's Set-Cookie is stored.
func TestCookiesTab(t *testing.T) {
	m := storedModel(t, filterFlows(), Options{}, false) // live: no bodies in memory
	tm := startTUI(t, m, 120, 40)
	typeKeys(tm, "G", "k", "tab", "tab") // #7
	waitOutput(t, tm, "[Cookies]", "Cookies the request sent (1)", "JSESSIONID=8F3A1C0D9E", "set by #5 (POST /admin/users → 201)")
	typeKeys(tm, "k") // #6
	waitOutput(t, tm, "− Cookie JSESSIONID — set by #5")
	typeKeys(tm, "k") // #5
	waitOutput(t, tm, "Cookies the response set (1)", "Path=/ · HttpOnly", "✔ stored: sent back to 127.0.0.1 only, under /, until the client exits")
	got := finish(t, tm)
	if got.list.selectedID() != 5 || got.detail.tab != tabCookies {
		t.Errorf("selected #%d, tab %d", got.list.selectedID(), got.detail.tab)
	}
}
