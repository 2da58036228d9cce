package analyze

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Report is what `provtap analyze` prints: how many flows, the problems
// (root causes) worst first, and every finding. Its JSON is the stable
// contract.
type Report struct {
	Flows    int        `json:"flows"`
	Problems []*Problem `json:"problems"`
	Findings []Finding  `json:"findings"` // nil in a report of problems only

	findings int // how many there were
}

// NewReport sorts a copy of the findings by flow (as provtap analyze writes
// them),
// groups them into problems and never holds nil slices, so JSON shows []
// rather than null. The same findings always give the same report.
func NewReport(flows int, findings []Finding) Report {
	fs := make([]Finding, len(findings))
	copy(fs, findings)
	for i := range fs {
		if fs[i].Related == nil {
			fs[i].Related = []int{}
		}
	}
	sortByFlow(fs)
	ps := Problems(fs)
	if ps == nil {
		ps = []*Problem{}
	}
	return Report{Flows: flows, Problems: ps, Findings: fs, findings: len(fs)}
}

// ProblemReport is a report of problems only (text and markdown show no
// more): its memory follows the number of root causes, not of findings.
func ProblemReport(flows int, set *ProblemSet) Report {
	ps, _ := set.Sorted()
	return Report{Flows: flows, Problems: ps, findings: set.Findings()}
}

// Worst is the highest severity among the findings (None when there are none).
func (r Report) Worst() Severity {
	worst := None
	for _, p := range r.Problems {
		if p.Severity > worst {
			worst = p.Severity
		}
	}
	return worst
}

// WriteJSON writes {"flows": N, "problems": [...], "findings": [...]}.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// summary is "12 flows · 2 problems: 1 error, 1 warning · 5 findings".
func (r Report) summary() string {
	counts := map[Severity]int{}
	for _, p := range r.Problems {
		counts[p.Severity]++
	}
	flows := plural(r.Flows, "flow")
	if r.findings == 0 {
		return flows + " · no findings"
	}
	var parts []string
	for _, s := range []Severity{Error, Warning, Info} {
		if counts[s] > 0 {
			parts = append(parts, plural(counts[s], s.String()))
		}
	}
	return fmt.Sprintf("%s · %s: %s · %s", flows, plural(len(r.Problems), "problem"), strings.Join(parts, ", "),
		plural(r.findings, "finding"))
}

func plural(n int, word string) string {
	if n == 1 || word == "info" {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// TextOptions shape the terminal report.
type TextOptions struct {
	Color bool // ANSI colour (the caller checks NO_COLOR and whether w is a terminal)
	Width int  // wrap width; 0 means 100
}

// WriteText writes the report for a terminal.
func (r Report) WriteText(w io.Writer, opt TextOptions) error {
	width := opt.Width
	if width <= 0 {
		width = 100
	}
	ren := lipgloss.NewRenderer(w)
	ren.SetColorProfile(termenv.Ascii)
	if opt.Color {
		ren.SetColorProfile(termenv.ANSI256)
	}
	badge := map[Severity]lipgloss.Style{
		Error:   ren.NewStyle().Bold(true).Foreground(lipgloss.Color("9")),
		Warning: ren.NewStyle().Bold(true).Foreground(lipgloss.Color("11")),
		Info:    ren.NewStyle().Foreground(lipgloss.Color("12")),
	}
	bold := ren.NewStyle().Bold(true)
	dim := ren.NewStyle().Faint(true)
	fixLabel := ren.NewStyle().Bold(true).Foreground(lipgloss.Color("10"))

	var b strings.Builder
	b.WriteString(bold.Render(r.summary()) + "\n")
	for _, p := range r.Problems {
		f := p.First()
		b.WriteString("\n")
		fmt.Fprintf(&b, "%s %s %s\n", badge[p.Severity].Render(fmt.Sprintf("%-7s", strings.ToUpper(p.Severity.String()))),
			dim.Render(fmt.Sprintf("#%d %s", f.Flow, p.Kind)), bold.Render(p.Title))
		indent := "        "
		if p.Count > 1 {
			b.WriteString(indent + dim.Render(affected(p)) + "\n")
		}
		for _, line := range wrap(f.Detail, width-len(indent)) {
			b.WriteString(indent + line + "\n")
		}
		for i, line := range wrap("Fix: "+f.Fix, width-len(indent)) {
			if i == 0 {
				line = fixLabel.Render("Fix:") + strings.TrimPrefix(line, "Fix:")
			}
			b.WriteString(indent + line + "\n")
		}
		if len(f.Related) > 0 {
			b.WriteString(indent + dim.Render("Evidence: "+formatIDs(f.Related)) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// affectedShown is how many affected requests a report lists by number.
const affectedShown = 12

// affected is "13,088 requests: #3, #9, … — first #3, last #99,812".
func affected(p *Problem) string {
	ids := p.Flows
	list := formatIDs(ids)
	if len(ids) > affectedShown {
		list = formatIDs(ids[:affectedShown]) + ", …"
	}
	return fmt.Sprintf("%s affected: %s (first #%d, last #%d)", plural(p.Count, "request"), list, ids[0], ids[len(ids)-1])
}

// wrap breaks text into lines of at most width runes, at spaces.
func wrap(text string, width int) []string {
	if width < 20 {
		width = 20
	}
	var lines []string
	var cur strings.Builder
	n := 0
	for _, word := range strings.Fields(text) {
		wl := len([]rune(word))
		if n > 0 && n+1+wl > width {
			lines = append(lines, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(word)
		n += wl
	}
	if n > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// WriteMarkdown writes the report for a forum post or a ticket: a table of
// problems, then each one with its explanation, fix and affected requests.
func (r Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### provtap analysis: %s\n\n", r.summary())
	if r.findings == 0 {
		b.WriteString("No problems found in this capture.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("| Severity | Requests | Kind | Problem |\n|---|---|---|---|\n")
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "| **%s** | %s | `%s` | %s |\n", p.Severity, mdCell(countCell(p)), p.Kind, mdCell(p.Title))
	}
	for _, p := range r.Problems {
		f := p.First()
		fmt.Fprintf(&b, "\n#### %d. %s · %s · #%d\n\n**%s**\n\n", p.ID, p.Kind, p.Severity, f.Flow, mdEscape(p.Title))
		if p.Count > 1 {
			fmt.Fprintf(&b, "%s\n\n", mdEscape(affected(p)))
		}
		fmt.Fprintf(&b, "%s\n\n**Fix:** %s\n", mdEscape(f.Detail), mdEscape(f.Fix))
		if len(f.Related) > 0 {
			fmt.Fprintf(&b, "\nEvidence: %s\n", formatIDs(f.Related))
		}
	}
	b.WriteString("\n<sub>Generated by provtap analyze.</sub>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// countCell is "#3" or "#3 and 1,204 more".
func countCell(p *Problem) string {
	if p.Count == 1 {
		return fmt.Sprintf("#%d", p.Flows[0])
	}
	return fmt.Sprintf("#%d and %d more", p.Flows[0], p.Count-1)
}

// mdEscape keeps text literal in Markdown: angle brackets would read as HTML
// and vanish, stars and underscores as emphasis. Code spans stay as they are.
func mdEscape(s string) string {
	var b strings.Builder
	inCode := false
	for _, r := range s {
		if r == '`' {
			inCode = !inCode
		}
		if !inCode && strings.ContainsRune(`<>*_[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func mdCell(s string) string { return strings.ReplaceAll(mdEscape(s), "|", `\|`) }

// sortByFlow orders findings by flow, then kind and title: the order the
// engine hands them on in, and the JSON report's.
func sortByFlow(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		switch {
		case a.Flow != b.Flow:
			return a.Flow < b.Flow
		case a.Kind != b.Kind:
			return a.Kind < b.Kind
		}
		return a.Title < b.Title
	})
}
