package har

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// indexed is what one index pass found in a document.
type indexed struct {
	Spans    []entrySpan
	CloseAt  int64
	Err      error
	Depth    int
	InString bool
	Escaped  bool
}

// indexIn scans the entries of the document in path (from just after
// the '[' at base) in n parts.
func indexIn(t testing.TB, path string, base int64, n int) indexed {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	sc := newSpanScanner(f)
	if err := scanInParts(sc, base, st.Size(), n, nil); err != nil {
		t.Fatal(err)
	}
	return indexed{sc.spans, sc.closeAt, sc.err, sc.depth, sc.inString, sc.escaped}
}

// checkParts: scanning in 2..5 parts finds exactly what one pass finds.
func checkParts(t testing.TB, doc []byte) {
	head := `{"log":{"entries":[`
	path := filepath.Join(t.TempDir(), "c.har")
	if err := os.WriteFile(path, append([]byte(head), doc...), 0o600); err != nil {
		t.Fatal(err)
	}
	want := indexIn(t, path, int64(len(head)), 1)
	for n := 2; n <= 5; n++ {
		if got := indexIn(t, path, int64(len(head)), n); !reflect.DeepEqual(got, want) {
			t.Fatalf("%d parts: %+v\none pass: %+v", n, got, want)
		}
	}
}

// The parts start at a startedDateTime key wherever it is: in an entry,
// in a nested object, in a string, escaped, in pages after the entries,
// in an entry spanning several parts, and in a file cut off.
func TestIndexInPartsIsOnePass(t *testing.T) {
	entry := func(i int, extra string) string {
		return fmt.Sprintf(`{"startedDateTime":"2026-11-02T09:00:%02d.000Z","request":{"url":"http://h/%d","headers":[{"name":"startedDateTime","value":"\"startedDateTime\" : x\\"}]},"response":{"content":{"text":"%s"}},"cache":{"startedDateTime":"x"}}`, 59-i%60, i, extra)
	}
	var b strings.Builder
	for i := 0; i < 200; i++ {
		extra := ""
		if i%37 == 5 {
			extra = strings.Repeat(`\"startedDateTime\": {[`, 300) // one entry over several parts
		}
		if i%2 == 1 {
			b.WriteString(",\n ")
		}
		b.WriteString(entry(i, extra))
		if i%2 == 0 {
			b.WriteString(",")
		}
	}
	whole := b.String() + `],"pages":[{"startedDateTime":"2026-11-02T09:00:00Z"},{"startedDateTime" :"y"}]}}`
	checkParts(t, []byte(whole))
	for _, cut := range []int{len(whole) / 3, len(whole) / 2, len(whole) - 90, len(whole) - 3} {
		checkParts(t, []byte(whole[:cut]))
	}
	checkParts(t, []byte(`{"startedDateTime":"x"}, [1], {"startedDateTime":"y"}]}}`))
	checkParts(t, []byte(strings.Repeat(`{"a":"\\\\\"startedDateTime\":"}, {"startedDateTime" :"y"},`, 50)+`]}}`))
}

// FuzzIndexInParts: for any bytes, the parts find what one pass finds.
func FuzzIndexInParts(f *testing.F) {
	f.Add([]byte(`{"startedDateTime":"x","a":{"startedDateTime":"y"}},{"b":"\"startedDateTime\":"}, {"startedDateTime" : "z"}]}}`))
	f.Add([]byte(`{"x":"\\"}, {"startedDateTime":1}, {"startedDateTime":[{"startedDateTime":2}]}],"pages":[{"startedDateTime":3}]}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkParts(t, doc)
	})
}

// BenchmarkSpanScanner is the index pass's scanner alone, over the sample
// capture's entries repeated to 16 MiB (what a chunk loop hands it): the
// block scanner (block: AVX2 where the CPU has it; block-swar) and the
// per-byte one it replaced (reference).
func BenchmarkSpanScanner(b *testing.B) {
	var doc []byte
	for len(doc) < 16<<20 {
		for _, e := range sampleEntries(b) {
			doc = append(append(doc, e...), ",\n"...)
		}
	}
	for _, scanner := range []struct {
		name string
		simd bool
		scan func(s *spanScanner, chunk []byte, pos int64) int
	}{{"block", hasAVX2, (*spanScanner).scan}, {"block-swar", false, (*spanScanner).scan}, {"reference", false, (*spanScanner).scanReference}} {
		b.Run(scanner.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			withAVX2(scanner.simd, func() int {
				for b.Loop() {
					sc := newSpanScanner(nil)
					sc.spans = make([]entrySpan, 0, 1<<16)
					for off := 0; off < len(doc); off += 1 << 20 {
						scanner.scan(sc, doc[off:min(off+1<<20, len(doc))], int64(off))
					}
				}
				return 0
			})
		})
	}
}
