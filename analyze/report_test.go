package analyze

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestReportJSONShape(t *testing.T) {
	var b bytes.Buffer
	if err := NewReport(0, nil).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(strings.Fields(b.String()), ""); got != `{"flows":0,"findings":[]}` {
		t.Errorf("empty report %s", got)
	}
	b.Reset()
	NewReport(3, seed1(false).run()).WriteJSON(&b)
	var doc struct {
		Flows    int              `json:"flows"`
		Findings []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Flows != 3 || len(doc.Findings) != 4 {
		t.Fatalf("%s", b.String())
	}
	keys := []string{}
	for k := range doc.Findings[0] {
		keys = append(keys, k)
	}
	want := map[string]bool{"kind": true, "severity": true, "flow": true, "related": true, "title": true, "detail": true, "fix": true}
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
	r := NewReport(5, seed2(true, true, false).run())
	var text, color, md bytes.Buffer
	r.WriteText(&text, TextOptions{Width: 80})
	r.WriteText(&color, TextOptions{Color: true})
	r.WriteMarkdown(&md)
	if strings.Contains(text.String(), "\x1b[") || !strings.Contains(color.String(), "\x1b[") {
		t.Error("colour only when asked")
	}
	for _, line := range strings.Split(text.String(), "\n") {
		if len([]rune(line)) > 80 && !strings.HasPrefix(line, "ERROR") {
			t.Errorf("line longer than 80: %q", line)
		}
	}
	if !strings.HasPrefix(text.String(), "5 flows · 2 errors\n") {
		t.Errorf("summary: %q", strings.SplitN(text.String(), "\n", 2)[0])
	}
	m := md.String()
	if !strings.Contains(m, "| **error** | #5 | `lost-header` | Ocp-Apim-Subscription-Key sent on GET #1–#4 is missing on PATCH |") {
		t.Errorf("markdown table:\n%s", m)
	}
}

func TestMarkdownEscape(t *testing.T) {
	got := mdEscape("send `Cookie: A=<v>` or <b>x_y*")
	if got != "send `Cookie: A=<v>` or \\<b\\>x\\_y\\*" {
		t.Errorf("%q", got)
	}
	if mdCell("a|b") != `a\|b` {
		t.Error("pipes in table cells")
	}
}

func TestFindingLine(t *testing.T) {
	f := Finding{Kind: KindDroppedCookie, Severity: Error, Flow: 3, Title: "JSESSIONID set by #1 was not sent"}
	if got := f.Line(); got != "error   dropped-cookie     #3    JSESSIONID set by #1 was not sent" {
		t.Errorf("%q", got)
	}
}

// The engine releases flows in ID order whatever order they complete in,
// so live analysis equals offline analysis.
func TestEngineOutOfOrderEqualsRun(t *testing.T) {
	c := seed2(true, true, false)
	c.flows = append(c.flows, seed1(false).flows...)
	offline := c.run()
	e := NewEngine()
	var live []Finding
	order := []int{2, 0, 1, 4, 3, 6, 5, 7}
	for _, i := range order {
		live = append(live, e.Add(c.flows[i])...)
	}
	if !reflect.DeepEqual(offline, live) {
		t.Errorf("live\n  %s\noffline\n  %s", lines(live), lines(offline))
	}
}
