// Package analyze explains failed provisioning calls: analyzers observe
// completed flows in order and emit findings. The same code runs live, in
// `provtap open` and in `provtap analyze`.
package analyze

import (
	"fmt"
	"sort"
)

// Severity of a finding. Ordered: Info < Warning < Error.
type Severity int

const (
	None Severity = iota
	Info
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "none"
}

// MarshalText makes Severity a JSON string ("error").
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses "info", "warning", "error" (and "none").
func (s *Severity) UnmarshalText(b []byte) error {
	v, ok := ParseSeverity(string(b))
	if !ok {
		return &unknownSeverity{string(b)}
	}
	*s = v
	return nil
}

type unknownSeverity struct{ s string }

func (e *unknownSeverity) Error() string {
	return "unknown severity " + e.s + " (want none, info, warning or error)"
}

// ParseSeverity parses a severity name.
func ParseSeverity(s string) (Severity, bool) {
	switch s {
	case "none":
		return None, true
	case "info":
		return Info, true
	case "warning":
		return Warning, true
	case "error":
		return Error, true
	}
	return None, false
}

// Missing is something a finding says the flow's request lacked, so the UI can
// draw it in place as a missing line.
type Missing struct {
	Where string // "header", "cookie" or "query"
	Name  string // e.g. Ocp-Apim-Subscription-Key, JSESSIONID
	Value string // the value a correct client would have sent
	Seen  string // where it was seen, e.g. "sent on GET #4", "set by #1"
}

// Finding is one diagnosis. The JSON shape is the stable contract of
// `provtap analyze --format json`.
type Finding struct {
	Kind     string    `json:"kind"`
	Severity Severity  `json:"severity"`
	Flow     int       `json:"flow"`
	Related  []int     `json:"related"`
	Problem  int       `json:"problem"` // the Problem it belongs to (set by a Report)
	Title    string    `json:"title"`
	Detail   string    `json:"detail"`
	Fix      string    `json:"fix"`
	Missing  []Missing `json:"-"`

	// group is the root cause: findings with the same group are one
	// Problem (one kind, one logical client, one cookie/header/parameter,
	// one API). Analyzers set it; by default it is the kind and title.
	group string
}

// Group is the root cause the finding belongs to (its Problem's key).
func (f Finding) Group() string { return f.group }

// Analyzer observes completed flows in flow order, with the facts the
// engine computed for them, and reports findings through emit.
// Implementations keep whatever per-client state they need (bounded: a
// night's capture has millions of flows); they must not retain the flow's
// body slices beyond the call unless they copy.
type Analyzer interface {
	Name() string
	Observe(fx *Facts, emit func(Finding))
}

// SortFindings orders findings worst first, then by flow, kind and title:
// the same findings always come out in the same order.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		switch {
		case a.Severity != b.Severity:
			return a.Severity > b.Severity
		case a.Flow != b.Flow:
			return a.Flow < b.Flow
		case a.Kind != b.Kind:
			return a.Kind < b.Kind
		}
		return a.Title < b.Title
	})
}

// KindWidth is the longest kind's length (client-rejected-cookie,
// lookup-create-conflict): the kind column of a finding's line.
const KindWidth = 22

// Line is the finding on one terminal line: severity, kind, flow, title.
func (f Finding) Line() string {
	return fmt.Sprintf("%-7s %-*s #%-4d %s", f.Severity, KindWidth, f.Kind, f.Flow, f.Title)
}
