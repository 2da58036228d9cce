package har_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/har"

	"github.com/provtap/provtap/capture"
)

// ScanHAR streams exactly what ReadHAR loads: same flows, same numbering,
// same truncation verdict, for out-of-order and cut-off files.
func TestScanHARMatchesReadHAR(t *testing.T) {
	dir := t.TempDir()
	var flows []*capture.Flow
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i, off := range []int{3, 1, 2, 5, 4} { // written in completion order
		flows = append(flows, &capture.Flow{Start: t0.Add(time.Duration(off) * time.Millisecond), Method: "GET",
			URL: fmt.Sprintf("http://x/%d", off), Status: 200, ResponseBody: capture.Body{Bytes: []byte(fmt.Sprint(i)), Size: 1}})
	}
	whole := filepath.Join(dir, "whole.har")
	if err := har.WriteHAR(whole, flows); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(whole)
	cut := filepath.Join(dir, "cut.har")
	os.WriteFile(cut, data[:len(data)-40], 0o600)
	for _, path := range []string{whole, cut} {
		want, err := har.LoadHAR(path)
		if err != nil {
			t.Fatal(err)
		}
		var got []*capture.Flow
		res, err := har.ScanHAR(path, nil, func(f *capture.Flow) { got = append(got, f) })
		if err != nil || res.Flows != len(want.Flows) || res.Truncated != want.Truncated || len(got) != len(want.Flows) {
			t.Fatalf("%s: scan %+v %v, load %d flows truncated %v", path, res, err, len(want.Flows), want.Truncated)
		}
		for i := range got {
			if got[i].ID != want.Flows[i].ID || got[i].URL != want.Flows[i].URL || got[i].ID != i+1 {
				t.Errorf("%s: flow %d is %s, want %s", path, i+1, got[i].URL, want.Flows[i].URL)
			}
		}
		// LoadFlows picks the same flow N alone (what export and diff read).
		for n := 0; n <= len(want.Flows)+1; n++ {
			picked, res, err := har.LoadFlows(path, n)
			if err != nil || res.Flows != len(want.Flows) || res.Truncated != want.Truncated || len(picked) != 1 {
				t.Fatalf("%s: LoadFlows(%d): %+v %v", path, n, res, err)
			}
			f := picked[0]
			switch {
			case n < 1 || n > len(want.Flows):
				if f != nil {
					t.Errorf("%s: LoadFlows(%d) gave %s, want none", path, n, f.URL)
				}
			case f == nil || f.ID != n || f.URL != want.Flows[n-1].URL || string(f.ResponseBody.Bytes) != string(want.Flows[n-1].ResponseBody.Bytes):
				t.Errorf("%s: LoadFlows(%d) = %+v, want %s", path, n, f, want.Flows[n-1].URL)
			}
		}
		if two, _, err := har.LoadFlows(path, 3, 1); err != nil || two[0].URL != want.Flows[2].URL || two[1].URL != want.Flows[0].URL {
			t.Errorf("%s: LoadFlows(3, 1) = %v %v, want %s then %s", path, two, err, want.Flows[2].URL, want.Flows[0].URL)
		}
	}
	if _, err := har.ScanHAR(filepath.Join(dir, "whole.har")+"x", nil, func(*capture.Flow) {}); err == nil {
		t.Error("a missing file must be an error")
	}
}

// Chrome puts _initiator (an object) before startedDateTime; strings may hold
// braces and escaped quotes; other log fields may follow the entries.
func TestScanHARBrowserLayout(t *testing.T) {
	doc := `{"log":{"version":"1.2","entries":[
{"_initiator":{"type":"script","stack":{"callFrames":[]}},"startedDateTime":"2026-11-02T10:00:02.000Z","time":1,"request":{"method":"PUT","url":"https://a/x?q={\"}","headers":[],"postData":{"mimeType":"text/plain","text":"}]\"{["}},"response":{"status":401,"content":{}}},
{"_initiator":{"type":"other"},"request":{"method":"GET","url":"https://a/y","headers":[]},"response":{"status":200,"content":{}},"startedDateTime":"2026-11-02T10:00:01.000Z"}
],"comment":"exported {by} hand"}}`
	path := filepath.Join(t.TempDir(), "chrome.har")
	os.WriteFile(path, []byte(doc), 0o600)
	var got []*capture.Flow
	res, err := har.ScanHAR(path, nil, func(f *capture.Flow) { got = append(got, f) })
	if err != nil || res.Truncated || len(got) != 2 {
		t.Fatalf("scan %+v %v %d", res, err, len(got))
	}
	if got[0].Method != "GET" || got[1].Method != "PUT" || string(got[1].RequestBody.Bytes) != `}]"{[` {
		t.Errorf("order or body wrong: %s %s %q", got[0].Method, got[1].Method, got[1].RequestBody.Bytes)
	}
}

// The index pass skips strings in 64 KiB chunks: an escaped quote or a run
// of backslashes split by a chunk boundary must not end a string early (nor
// an escaped backslash keep it open).
func TestScanHARSplitsEscapesAcrossChunks(t *testing.T) {
	head := `{"log":{"entries":[`
	entry := `{"startedDateTime":"2026-11-02T09:00:00Z","request":{"method":"GET","url":"http://h/a","headers":[{"name":"X","value":"`
	// The pass reads the entries in 64 KiB chunks from just after "[".
	boundary := 64 << 10
	for _, tricky := range []string{`\\\"y`, `\\\\`, `\"q`, `\\\\\"z`} {
		for pad := boundary - len(entry) - len(tricky) - 1; pad <= boundary-len(entry)+1; pad++ {
			val := strings.Repeat("x", pad) + tricky
			doc := head + entry + val + `"}]},"response":{"status":200}},` +
				`{"startedDateTime":"2026-11-02T09:00:01Z","request":{"method":"POST","url":"http://h/b"},"response":{"status":201}}]}}`
			if !json.Valid([]byte(doc)) {
				t.Fatalf("test document for %q is not JSON", tricky)
			}
			path := filepath.Join(t.TempDir(), "c.har")
			if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
				t.Fatal(err)
			}
			var got []string
			res, err := har.ScanHAR(path, nil, func(f *capture.Flow) { got = append(got, f.Method) })
			if err != nil || res.Truncated || strings.Join(got, ",") != "GET,POST" {
				t.Fatalf("pad %d %q: %v truncated=%v flows %v", pad, tricky, err, res.Truncated, got)
			}
		}
	}
}

// ScanLocated hands each flow with where the file holds it: a Store opened
// on the file reads the same flow back, and indexed is told the count
// before the first flow.
func TestScanLocatedReadsBack(t *testing.T) {
	var flows []*capture.Flow
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i, off := range []int{2, 1, 3} {
		flows = append(flows, &capture.Flow{Start: t0.Add(time.Duration(off) * time.Millisecond), Method: "POST",
			URL: fmt.Sprintf("http://x/%d", off), Status: 201, RequestBody: capture.Body{Bytes: []byte(fmt.Sprint("body", i)), Size: 5}})
	}
	path := filepath.Join(t.TempDir(), "c.har")
	if err := har.WriteHAR(path, flows); err != nil {
		t.Fatal(err)
	}
	st := har.OpenStore(path)
	defer st.Close()
	counted, seen := -1, 0
	_, err := har.ScanLocated(path, nil, func(r har.ScanResult) { counted = r.Flows; _ = seen },
		func(*capture.Flow) int { return 0 }, func(f *capture.Flow, loc har.Loc, _ int) {
			if counted != 3 {
				t.Errorf("flow %d before the count (%d)", f.ID, counted)
			}
			seen++
			back, err := st.Load(loc)
			if err != nil || back.URL != f.URL || string(back.RequestBody.Bytes) != string(f.RequestBody.Bytes) {
				t.Errorf("flow %d read back as %+v, %v", f.ID, back, err)
			}
		})
	if err != nil || seen != 3 {
		t.Fatalf("scan: %v, %d flows", err, seen)
	}
}

// A HAR saved by a Windows tool or PowerShell may begin with a UTF-8 byte
// order mark: every reader reads it as the same file without one, and the
// offsets a Store reads back from are the file's own.
func TestByteOrderMark(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	flows := []*capture.Flow{
		{Start: t0.Add(2 * time.Millisecond), Method: "GET", URL: "http://x/2", Status: 200},
		{Start: t0.Add(time.Millisecond), Method: "POST", URL: "http://x/1", Status: 201, RequestBody: capture.Body{Bytes: []byte(`{"a":1}`), Size: 7}},
	}
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.har")
	if err := har.WriteHAR(plain, flows); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(plain)
	path := filepath.Join(dir, "bom.har")
	os.WriteFile(path, append([]byte("\xef\xbb\xbf"), data...), 0o600)

	if c, err := har.LoadHAR(path); err != nil || len(c.Flows) != 2 || c.Flows[0].URL != "http://x/1" {
		t.Fatalf("LoadHAR: %v %+v", err, c)
	}
	if picked, _, err := har.LoadFlows(path, 1); err != nil || picked[0] == nil || picked[0].URL != "http://x/1" {
		t.Fatalf("LoadFlows: %v %v", err, picked)
	}
	st := har.OpenStore(path)
	defer st.Close()
	seen := 0
	_, err := har.ScanLocated(path, nil, nil, func(*capture.Flow) int { return 0 }, func(f *capture.Flow, loc har.Loc, _ int) {
		seen++
		if back, err := st.Load(loc); err != nil || back.URL != f.URL || string(back.RequestBody.Bytes) != string(f.RequestBody.Bytes) {
			t.Errorf("flow %d read back as %+v, %v", f.ID, back, err)
		}
	})
	if err != nil || seen != 2 {
		t.Fatalf("ScanLocated: %v, %d flows", err, seen)
	}
}
