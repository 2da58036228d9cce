package analyze

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func TestFormatRefs(t *testing.T) {
	for _, c := range []struct {
		refs []flowRef
		want string
	}{
		{nil, ""},
		{[]flowRef{{4, "GET"}}, "GET #4"},
		{[]flowRef{{2, "GET"}, {1, "GET"}, {3, "GET"}, {4, "GET"}, {7, "GET"}}, "GET #1–#4, #7"},
		{[]flowRef{{1, "GET"}, {2, "POST"}, {3, "GET"}, {4, "GET"}}, "GET #1, #3, #4 and POST #2"},
		{[]flowRef{{1, "GET"}, {2, "POST"}, {5, "PATCH"}, {3, "POST"}}, "GET #1, POST #2, #3 and PATCH #5"},
		{[]flowRef{{9, "GET"}, {9, "GET"}}, "GET #9, #9"},
	} {
		if got := formatRefs(c.refs); got != c.want {
			t.Errorf("formatRefs(%v) = %q, want %q", c.refs, got, c.want)
		}
	}
}

// TestFormatRefsIsReference holds formatRefs to the text it gave when it
// built it from a map and joined strings (formatRefsReference).
func TestFormatRefsIsReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	methods := []string{"GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"}
	for range 20000 {
		refs := make([]flowRef, rng.IntN(2*refsKept+3))
		for i := range refs {
			refs[i] = flowRef{ID: 1 + rng.IntN(30), Method: methods[rng.IntN(1+rng.IntN(len(methods)))]}
		}
		if got, want := formatRefs(refs), formatRefsReference(refs); got != want {
			t.Fatalf("formatRefs(%v) = %q, want %q", refs, got, want)
		}
		ids := make([]int, len(refs))
		for i, r := range refs {
			ids[i] = r.ID
		}
		before := append([]int(nil), ids...)
		if got, want := formatIDs(ids), formatIDsReference(ids); got != want {
			t.Fatalf("formatIDs(%v) = %q, want %q", ids, got, want)
		}
		if !slices.Equal(ids, before) {
			t.Fatalf("formatIDs changed its argument: %v, was %v", ids, before)
		}
	}
}

func formatRefsReference(refs []flowRef) string {
	var methods []string
	byMethod := map[string][]int{}
	for _, r := range refs {
		if _, ok := byMethod[r.Method]; !ok {
			methods = append(methods, r.Method)
		}
		byMethod[r.Method] = append(byMethod[r.Method], r.ID)
	}
	parts := make([]string, 0, len(methods))
	for _, m := range methods {
		parts = append(parts, m+" "+formatIDsReference(byMethod[m]))
	}
	return joinAnd(parts)
}

func formatIDsReference(ids []int) string {
	ids = append([]int{}, ids...)
	sort.Ints(ids)
	var parts []string
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		switch {
		case j == i:
			parts = append(parts, "#"+strconv.Itoa(ids[i]))
		case j == i+1:
			parts = append(parts, "#"+strconv.Itoa(ids[i]), "#"+strconv.Itoa(ids[j]))
		default:
			parts = append(parts, "#"+strconv.Itoa(ids[i])+"–#"+strconv.Itoa(ids[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// TestRefListKeepsFirstAndLast: after any number of adds, the first
// refsKept and the last refsKept references, oldest first, and the last one.
func TestRefListKeepsFirstAndLast(t *testing.T) {
	for n := 1; n <= 3*refsKept+3; n++ {
		var l refList
		var all []flowRef
		for i := 1; i <= n; i++ {
			r := flowRef{i, []string{"GET", "PATCH"}[i%2]}
			l.add(r)
			all = append(all, r)
		}
		want := all
		if n > 2*refsKept {
			want = append(append([]flowRef{}, all[:refsKept]...), all[n-refsKept:]...)
		}
		if got := l.refs(); !slices.Equal(got, want) {
			t.Fatalf("%d adds: refs %v, want %v", n, got, want)
		}
		if got := l.lastRef(); got != all[n-1] {
			t.Fatalf("%d adds: lastRef %v, want %v", n, got, all[n-1])
		}
		if l.total != n {
			t.Fatalf("%d adds: total %d", n, l.total)
		}
	}
}
