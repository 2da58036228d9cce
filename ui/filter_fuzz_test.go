package ui

import (
	"strings"
	"testing"
)

// FuzzFilter: any text either parses or says in one line what is wrong;
// a parsed filter matches every flow without failing; "-" before a single
// term matches exactly the flows the term does not, and "t OR t" exactly
// those t does.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{"PATCH scim", "status:4xx -host:gw", "header:Authorization=Basic", `body:"a b"`,
		"a OR b c", "-", `"unclosed`, "kind:dropped-cookie has:finding", "127.0.0.1:9000", `"\"q\""`} {
		f.Add(s)
	}
	fd := NewFeed()
	flows := filterFlows()
	fd.AddAll(flows, nil)
	m := NewModel(Options{Renderer: plainRenderer()}, fd)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseFilter(s)
		if err != nil {
			if msg := err.Error(); msg == "" || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("%q: error %q must be one non-empty line", s, msg)
			}
			return
		}
		hits := map[int]bool{}
		for _, r := range m.store.all {
			sub := m.subjectFor(q, r)
			hits[r.id] = q.match(&sub)
		}
		if len(q.and) != 1 || len(q.and[0]) != 1 || q.and[0][0].neg || strings.HasPrefix(q.text, "-") {
			return
		}
		neg, err := parseFilter("-" + q.text)
		if err != nil {
			t.Fatalf("%q parses but -%q does not: %v", q.text, q.text, err)
		}
		or, err := parseFilter(q.text + " OR " + q.text)
		if err != nil {
			t.Fatalf("%q parses but %q OR itself does not: %v", q.text, q.text, err)
		}
		for _, r := range m.store.all {
			a, b := m.subjectFor(neg, r), m.subjectFor(or, r)
			if neg.match(&a) == hits[r.id] || or.match(&b) != hits[r.id] {
				t.Fatalf("%q on #%d: %v, negated %v, OR itself %v", q.text, r.id, hits[r.id], neg.match(&a), or.match(&b))
			}
		}
	})
}
