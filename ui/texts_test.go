package ui

import (
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
)

// A row holds no pointer, so the collector has nothing to scan in the
// slabs that hold a night's rows.
func TestRowHoldsNoPointer(t *testing.T) {
	var walk func(reflect.Type) bool
	walk = func(ty reflect.Type) bool {
		switch ty.Kind() {
		case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
			return true
		case reflect.Struct:
			for i := range ty.NumField() {
				if walk(ty.Field(i).Type) {
					t.Errorf("row.%s (%s) holds a pointer", ty.Field(i).Name, ty.Field(i).Type)
				}
			}
		case reflect.Array:
			return walk(ty.Elem())
		}
		return false
	}
	walk(reflect.TypeOf(row{}))
}

// Texts keep their bytes across chunks, a text never spans two, hosts are
// stored once, and flows kept whole come back from their slot.
func TestRowTexts(t *testing.T) {
	tx := newRowTexts()
	var refs []textRef
	var want []string
	for i := 0; len(want) < 40_000; i++ {
		s := strings.Repeat(string(rune('a'+i%26)), 1+i%160) // 3.2 MB: a dozen chunks
		refs, want = append(refs, tx.add(s)), append(want, s)
	}
	for i, ref := range refs {
		if got := tx.text(ref); got != want[i] {
			t.Fatalf("text %d: %q, want %q", i, got, want[i])
		}
		if int(ref.at%textChunkBytes)+int(ref.n) > textChunkBytes {
			t.Fatalf("text %d spans two chunks: %+v", i, ref)
		}
	}
	if tx.text(textRef{}) != "" || tx.add("") != (textRef{}) {
		t.Error("the empty text is not the zero textRef")
	}
	a, b := tx.host("gw.corp:443"), tx.host(strings.Clone("gw.corp:443"))
	if a != b || tx.text(a) != "gw.corp:443" || tx.host("idp:443") == a {
		t.Errorf("hosts: %+v %+v", a, b)
	}
	f := &capture.Flow{ID: 7}
	if i := tx.keep(f); i == 0 || tx.full(i) != f || tx.full(0) != nil {
		t.Errorf("kept flow: slot %d, %v", i, tx.full(i))
	}
}

// A background filter scan reads rows' texts while the UI goroutine adds
// rows: the race detector (CI runs this package under it) holds it to
// that.
func TestRowTextsReadWhileAdding(t *testing.T) {
	s := newStore(nil)
	flows := manyFlows(3000)
	for _, f := range flows[:1000] {
		s.addFlow(f, har.Loc{})
	}
	handed := append(rowsByID(nil), s.all...)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, r := range handed {
			sub := subject{r: r, texts: s.texts}
			if sub.path() == "" || sub.texts.text(r.host) == "" || r.meta(s.texts).ID != r.id {
				t.Errorf("#%d: no path or host", r.id)
			}
		}
	}()
	for _, f := range flows[1000:] {
		s.addFlow(f, har.Loc{})
	}
	wg.Wait()
}
