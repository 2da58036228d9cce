package analyze_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
)

func TestReportJSONShape(t *testing.T) {
	var b bytes.Buffer
	if err := analyze.NewReport(0, nil).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(strings.Fields(b.String()), ""); got != `{"flows":0,"problems":[],"findings":[]}` {
		t.Errorf("empty report %s", got)
	}
	b.Reset()
	analyze.NewReport(3, seed1(false).run()).WriteJSON(&b)
	var doc struct {
		Flows    int              `json:"flows"`
		Problems []map[string]any `json:"problems"`
		Findings []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Flows != 3 || len(doc.Findings) != 4 || len(doc.Problems) != 2 {
		t.Fatalf("%s", b.String())
	}
	// Seed 1: each of two causes (the dropped cookie, the refused second
	// session) on the PATCH and the GET.
	for i, p := range doc.Problems {
		if p["id"] != float64(i+1) || p["severity"] != "error" || p["count"] != 2.0 || fmt.Sprint(p["flows"]) != "[2 3]" ||
			len(p) != 6 || p["title"] == "" || p["kind"] == "" {
			t.Errorf("problem %d: %v", i+1, p)
		}
	}
	for _, fd := range doc.Findings {
		if p, ok := fd["problem"].(float64); !ok || p < 1 || p > 2 || doc.Problems[int(p)-1]["kind"] != fd["kind"] {
			t.Errorf("finding %v belongs to no problem of its kind", fd)
		}
	}
	keys := []string{}
	for k := range doc.Findings[0] {
		keys = append(keys, k)
	}
	want := map[string]bool{"kind": true, "severity": true, "flow": true, "related": true, "problem": true, "title": true, "detail": true, "fix": true}
	if len(keys) != len(want) {
		t.Errorf("finding keys %v", keys)
	}
	for _, k := range keys {
		if !want[k] {
			t.Errorf("unexpected key %q", k)
		}
	}
	if doc.Findings[0]["severity"] != "error" || doc.Findings[0]["flow"] != 2.0 {
		t.Errorf("first finding %v", doc.Findings[0])
	}
}

func TestReportTextAndMarkdown(t *testing.T) {
	r := analyze.NewReport(5, seed2(true, true, false).run())
	var text, color, md bytes.Buffer
	r.WriteText(&text, analyze.TextOptions{Width: 80})
	r.WriteText(&color, analyze.TextOptions{Color: true})
	r.WriteMarkdown(&md)
	if strings.Contains(text.String(), "\x1b[") || !strings.Contains(color.String(), "\x1b[") {
		t.Error("colour only when asked")
	}
	for _, line := range strings.Split(text.String(), "\n") {
		if len([]rune(line)) > 80 && !strings.HasPrefix(line, "ERROR") {
			t.Errorf("line longer than 80: %q", line)
		}
	}
	if !strings.HasPrefix(text.String(), "5 flows · 2 problems: 2 errors · 2 findings\n") {
		t.Errorf("summary: %q", strings.SplitN(text.String(), "\n", 2)[0])
	}
	m := md.String()
	if !strings.Contains(m, "| **error** | #5 | `lost-header` | Ocp-Apim-Subscription-Key sent on GET #1–#4 is missing on PATCH |") {
		t.Errorf("markdown table:\n%s", m)
	}
}

func TestFindingLine(t *testing.T) {
	f := analyze.Finding{Kind: analyze.KindDroppedCookie, Severity: analyze.Error, Flow: 3, Title: "JSESSIONID set by #1 was not sent"}
	if got := f.Line(); got != "error   dropped-cookie         #3    JSESSIONID set by #1 was not sent" {
		t.Errorf("%q", got)
	}
}

// The engine releases flows in ID order whatever order they complete in,
// so live analysis equals offline analysis.
func TestEngineOutOfOrderEqualsRun(t *testing.T) {
	c := seed2(true, true, false)
	c.Flows = append(c.Flows, seed1(false).Flows...)
	offline := c.run()
	e := analyze.NewEngine()
	var live []analyze.Finding
	order := []int{2, 0, 1, 4, 3, 6, 5, 7}
	for _, i := range order {
		live = append(live, e.Add(c.Flows[i])...)
	}
	if !reflect.DeepEqual(offline, live) {
		t.Errorf("live\n  %s\noffline\n  %s", lines(live), lines(offline))
	}
}

// The streaming writer (bounded memory, `provtap analyze --format json`)
// writes what Report.WriteJSON writes for the same findings in the same order.
func TestJSONWriterEqualsReport(t *testing.T) {
	for _, fs := range [][]analyze.Finding{nil, seed1(false).run(), append(seed2(true, true, false).run(), seed1(false).run()...)} {
		r := analyze.NewReport(9, fs)
		var want, got bytes.Buffer
		r.WriteJSON(&want)
		w, err := analyze.NewJSONWriter(&got, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range r.Findings {
			if err := w.Add(fd); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(9); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("streamed\n%s\nwant\n%s", got.String(), want.String())
		}
	}
}

// Every kind fits the kind column of a finding's line.
func TestKindsFitTheirColumn(t *testing.T) {
	for _, a := range analyze.All() {
		if len(a.Name()) > analyze.KindWidth {
			t.Errorf("kind %s is %d characters, wider than KindWidth %d", a.Name(), len(a.Name()), analyze.KindWidth)
		}
	}
}
