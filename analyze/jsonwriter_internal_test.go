package analyze

import (
	"bytes"
	"path/filepath"
	"strconv"
	"testing"
)

// A report whose findings outgrow memory moves them to a temporary file
// mid-way, writes the same JSON as one kept in memory, and leaves no file.
func TestJSONWriterSpills(t *testing.T) {
	var fs []Finding
	for i := 1; i <= 40; i++ {
		fs = append(fs, Finding{Kind: KindLostHeader, Severity: Severity(1 + i%3), Flow: i, Related: []int{i + 1},
			Title: "X-Key sent on GET #" + strconv.Itoa(i%4) + " is missing", Detail: "detail \"quoted\" ✓", Fix: "fix",
			group: "g" + strconv.Itoa(i%5)})
	}
	var want bytes.Buffer
	if err := NewReport(99, fs).WriteJSON(&want); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{spillAt, 1000, 0} {
		dir := t.TempDir()
		w, _ := NewJSONWriter(nil, dir)
		var got bytes.Buffer
		w.out, w.spillAt = &got, limit
		for _, fd := range fs {
			if err := w.Add(fd); err != nil {
				t.Fatal(err)
			}
		}
		if spilled := w.spill != nil; spilled != (limit < spillAt) {
			t.Errorf("limit %d: spilled %v", limit, spilled)
		}
		if err := w.Close(99); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("limit %d: streamed\n%s\nwant\n%s", limit, got.String(), want.String())
		}
		if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) > 0 {
			t.Errorf("limit %d: left %v", limit, left)
		}
	}
}
