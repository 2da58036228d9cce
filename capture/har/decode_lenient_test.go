package har_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/provtap/provtap/capture/har"
)

// A HAR whose writer got a type wrong still reads: each value becomes the
// type of the field it fills, or is dropped; the other entries are not
// lost, and every reader gives the same flows.
func TestEntriesWithWrongTypes(t *testing.T) {
	const entries = `{"log":{"version":"1.2","entries":[
{"startedDateTime":"2026-01-01T00:00:01Z","time":"12.5","request":{"method":"GET","url":"http://x/a","headers":{"Host":"x","Accept":"*/*"},"bodySize":"0"},
 "response":{"status":"200","statusText":"OK","bodySize":33.0,"content":{"size":33.0,"text":12345},"cookies":[{"name":"s","value":"v","httpOnly":"true"}]},"connection":443},
{"startedDateTime":"2026-01-01T00:00:02Z","time":1e400,"request":{"method":"POST","url":"http://x/b","headers":[]},
 "response":{"status":401.0,"headers":[{"name":"WWW-Authenticate","value":"Basic"}]}},
{"startedDateTime":"2026-01-01T00:00:03Z","request":{"method":"GET","url":"http://x/c"},"response":{"status":204}}
]}}`
	path := filepath.Join(t.TempDir(), "hand-written.har")
	os.WriteFile(path, []byte(entries), 0o600)
	c, err := har.LoadHAR(path)
	if err != nil || len(c.Flows) != 3 {
		t.Fatalf("LoadHAR: %v, %+v", err, c)
	}
	a, b := c.Flows[0], c.Flows[1]
	if a.Status != 200 || a.RequestHeader("Accept") != "*/*" || a.RequestHeader("Host") != "x" || string(a.ResponseBody.Bytes) != "12345" {
		t.Errorf("flow 1: status %d headers %v body %q", a.Status, a.RequestHeaders, a.ResponseBody.Bytes)
	}
	if b.Status != 401 || b.ResponseHeader("WWW-Authenticate") != "Basic" {
		t.Errorf("flow 2: status %d headers %v", b.Status, b.ResponseHeaders)
	}
	if c.Flows[2].Status != 204 {
		t.Errorf("flow 3: status %d", c.Flows[2].Status)
	}
	picked, _, err := har.LoadFlows(path, 2)
	if err != nil || picked[0] == nil || picked[0].Status != 401 {
		t.Errorf("LoadFlows(2): %v %+v", err, picked)
	}
}
