package analyze_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture/har"
)

// browserEntry is a Chrome/Playwright-style HAR entry: no client address,
// HTTP/2 pseudo-headers, cookies in the cookies arrays (and, when given, in
// a Set-Cookie header that joins several with newlines).
func browserEntry(start, method, url string, status int, reqCookies, respCookies, setCookieHeader string) string {
	headers := `{"name":":method","value":"` + method + `"},{"name":"sec-fetch-site","value":"same-origin"},{"name":"sec-fetch-mode","value":"cors"},{"name":"sec-fetch-dest","value":"empty"},{"name":"user-agent","value":"Mozilla/5.0 Chrome/122"}`
	respHeaders := `{"name":"content-type","value":"application/json"}`
	if setCookieHeader != "" {
		respHeaders += `,{"name":"set-cookie","value":` + fmt.Sprintf("%q", setCookieHeader) + `}`
	}
	body := `{"ok":true}`
	if status == 401 {
		body = `{"message":"Unauthorized"}`
	}
	return `{"startedDateTime":"` + start + `","time":35.2,
	 "request":{"method":"` + method + `","url":"` + url + `","httpVersion":"h2","headers":[` + headers + `],
	   "cookies":[` + reqCookies + `],"queryString":[],"headersSize":-1,"bodySize":0},
	 "response":{"status":` + fmt.Sprint(status) + `,"statusText":"","httpVersion":"h2","headers":[` + respHeaders + `],
	   "cookies":[` + respCookies + `],"content":{"size":11,"mimeType":"application/json","text":` + fmt.Sprintf("%q", body) + `},
	   "redirectURL":"","headersSize":-1,"bodySize":-1},
	 "cache":{},"timings":{"send":0.1,"wait":30,"receive":5.1}}`
}

func browserHAR(entries ...string) string {
	return `{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[],"entries":[` +
		strings.Join(entries, ",") + `]}}`
}

func analyzeHAR(t *testing.T, harFile string) []analyze.Finding {
	t.Helper()
	c, err := har.ReadHAR(strings.NewReader(harFile))
	if err != nil {
		t.Fatal(err)
	}
	return analyze.Run(c.Flows)
}

const sessionCookieJSON = `{"name":"SESSION","value":"b64==","path":"/","domain":"portal.example.com","expires":"1969-12-31T23:59:59.000Z","httpOnly":true,"secure":true}`

func TestBrowserHARCookiesArraysOnly(t *testing.T) {
	// Chrome writes session cookies with "expires" 1969-12-31T23:59:59Z.
	setBy := sessionCookieJSON
	good := browserHAR(
		browserEntry("2025-03-04T10:00:00.000Z", "POST", "https://portal.example.com/api/login", 200, "", setBy, ""),
		browserEntry("2025-03-04T10:00:01.000Z", "GET", "https://portal.example.com/api/users", 200, `{"name":"SESSION","value":"b64=="}`, "", ""),
	)
	expectExactly(t, analyzeHAR(t, good))

	bad := browserHAR(
		browserEntry("2025-03-04T10:00:00.000Z", "POST", "https://portal.example.com/api/login", 200, "", setBy, ""),
		browserEntry("2025-03-04T10:00:01.000Z", "GET", "https://portal.example.com/api/users", 401, "", "", ""),
	)
	got := analyzeHAR(t, bad)
	expectExactly(t, got, want{analyze.KindDroppedCookie, 2, analyze.Error})
}

func TestBrowserHARJoinedSetCookieHeader(t *testing.T) {
	// Set-Cookie header with two cookies joined by a newline, and the same
	// cookies in the array: the header wins, both are understood.
	harFile := browserHAR(
		browserEntry("2025-03-04T10:00:00.000Z", "POST", "https://portal.example.com/api/login", 200, "", "",
			"SESSION=s1; Path=/; Secure; HttpOnly\nXSRF-TOKEN=x1; Path=/"),
		browserEntry("2025-03-04T10:00:01.000Z", "GET", "https://portal.example.com/api/users", 200,
			`{"name":"SESSION","value":"s1"},{"name":"XSRF-TOKEN","value":"x1"}`, "", ""),
		browserEntry("2025-03-04T10:00:02.000Z", "GET", "https://portal.example.com/api/groups", 401,
			`{"name":"XSRF-TOKEN","value":"x1"}`, "", ""),
		// A cross-site request carries no cookies by design.
		browserEntry("2025-03-04T10:00:03.000Z", "GET", "https://portal.example.com/api/ping", 200, "", "", ""),
	)
	harFile = strings.Replace(harFile, `"2025-03-04T10:00:03.000Z","time":35.2,
	 "request":{"method":"GET","url":"https://portal.example.com/api/ping","httpVersion":"h2","headers":[{"name":":method","value":"GET"},{"name":"sec-fetch-site","value":"same-origin"}`,
		`"2025-03-04T10:00:03.000Z","time":35.2,
	 "request":{"method":"GET","url":"https://portal.example.com/api/ping","httpVersion":"h2","headers":[{"name":":method","value":"GET"},{"name":"sec-fetch-site","value":"cross-site"}`, 1)
	got := analyzeHAR(t, harFile)
	expectExactly(t, got, want{analyze.KindDroppedCookie, 3, analyze.Error})
	if f := got[0]; f.Missing[0].Name != "SESSION" {
		t.Errorf("missing %+v", f.Missing)
	}
}
