package ui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/provtap/provtap/analyze"
)

// Colours are adaptive: the first of each pair is for light backgrounds. With
// NO_COLOR (or a terminal without colour) lipgloss drops every attribute, so
// nothing the user must see depends on colour alone: the selected row has a
// ▶ and findings have a mark of their own.
var (
	cRed    = lipgloss.AdaptiveColor{Light: "#B00020", Dark: "#FF6B6B"}
	cYellow = lipgloss.AdaptiveColor{Light: "#8A5A00", Dark: "#F2C94C"}
	cGreen  = lipgloss.AdaptiveColor{Light: "#1B7F3B", Dark: "#6FCF97"}
	cBlue   = lipgloss.AdaptiveColor{Light: "#1F5FBF", Dark: "#6FA8FF"}
	cCyan   = lipgloss.AdaptiveColor{Light: "#007A87", Dark: "#56D4E0"}
	cPurple = lipgloss.AdaptiveColor{Light: "#7B3FB5", Dark: "#C49BFF"}
	cDim    = lipgloss.AdaptiveColor{Light: "#6B6B6B", Dark: "#8C8C8C"}
	cBarBg  = lipgloss.AdaptiveColor{Light: "#DADADA", Dark: "#303030"}
	cBarFg  = lipgloss.AdaptiveColor{Light: "#1A1A1A", Dark: "#E6E6E6"}
	cSelBg  = lipgloss.AdaptiveColor{Light: "#C8DCF8", Dark: "#2F4A6E"}
	cSelFg  = lipgloss.AdaptiveColor{Light: "#000000", Dark: "#FFFFFF"}
)

// styles is every lipgloss style the panes use, made by one renderer so a
// test can pick the colour profile.
type styles struct {
	plain, dim, bold lipgloss.Style

	header, selected lipgloss.Style
	method           map[string]lipgloss.Style
	methodOther      lipgloss.Style
	status           [6]lipgloss.Style // by class: 0 failed, 1xx … 5xx
	severity         [4]lipgloss.Style // by analyze.Severity

	bar, barKey lipgloss.Style // status line
	tabOn       lipgloss.Style
	tabOff      lipgloss.Style
	hdrName     lipgloss.Style
	missing     lipgloss.Style
	warn        lipgloss.Style
	msgOK       lipgloss.Style
	msgErr      lipgloss.Style
	help        help.Styles
}

func newStyles(r *lipgloss.Renderer) *styles {
	ns := r.NewStyle
	s := &styles{
		plain: ns(), dim: ns().Foreground(cDim), bold: ns().Bold(true),

		header:      ns().Bold(true).Foreground(cDim),
		selected:    ns().Background(cSelBg).Foreground(cSelFg).Bold(true),
		methodOther: ns().Foreground(cPurple),
		bar:         ns().Background(cBarBg).Foreground(cBarFg),
		barKey:      ns().Background(cBarBg).Foreground(cBarFg).Bold(true),
		tabOn:       ns().Bold(true).Underline(true),
		tabOff:      ns().Foreground(cDim),
		hdrName:     ns().Foreground(cCyan),
		missing:     ns().Foreground(cRed).Bold(true),
		warn:        ns().Foreground(cYellow),
		msgOK:       ns().Foreground(cGreen),
		msgErr:      ns().Foreground(cRed).Bold(true),
	}
	s.method = map[string]lipgloss.Style{
		"GET": ns().Foreground(cBlue), "HEAD": ns().Foreground(cBlue), "OPTIONS": ns().Foreground(cDim),
		"POST": ns().Foreground(cGreen), "PUT": ns().Foreground(cYellow), "PATCH": ns().Foreground(cYellow),
		"DELETE": ns().Foreground(cRed),
	}
	s.status = [6]lipgloss.Style{
		ns().Foreground(cRed).Bold(true), ns().Foreground(cDim), ns().Foreground(cGreen),
		ns().Foreground(cCyan), ns().Foreground(cRed).Bold(true), ns().Foreground(cPurple).Bold(true),
	}
	s.severity = [4]lipgloss.Style{ns(), ns().Foreground(cBlue), ns().Foreground(cYellow).Bold(true), ns().Foreground(cRed).Bold(true)}
	s.help = help.Styles{
		Ellipsis:       ns().Foreground(cDim),
		ShortKey:       ns().Bold(true),
		ShortDesc:      ns().Foreground(cDim),
		ShortSeparator: ns().Foreground(cDim),
		FullKey:        ns().Bold(true),
		FullDesc:       ns().Foreground(cDim),
		FullSeparator:  ns().Foreground(cDim),
	}
	return s
}

// plainRenderer is a renderer without colour, for tests and NO_COLOR.
func plainRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	return r
}

func (s *styles) methodStyle(m string) lipgloss.Style {
	if st, ok := s.method[m]; ok {
		return st
	}
	return s.methodOther
}

func (s *styles) statusStyle(code int) lipgloss.Style {
	c := code / 100
	if c < 1 || c > 5 {
		c = 0
	}
	return s.status[c]
}

// severityMark is one cell that says how bad a flow's worst finding is.
func severityMark(sev analyze.Severity) string {
	switch sev {
	case analyze.Error:
		return "✖"
	case analyze.Warning:
		return "!"
	case analyze.Info:
		return "i"
	}
	return " "
}

func (s *styles) severityStyle(sev analyze.Severity) lipgloss.Style {
	if sev < 0 || int(sev) >= len(s.severity) {
		return s.plain
	}
	return s.severity[sev]
}
