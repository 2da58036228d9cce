package ui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key the UI answers to. Keys follow mitmproxy and less.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Enter, Back, Tab                        key.Binding
	Filter, Findings, Related, NextMark     key.Binding
	PrevMark, Mark, Diff, Replay, ReplayFix key.Binding
	Copy, Save, Help, Quit                  key.Binding
}

func defaultKeyMap() keyMap {
	return keyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "b", "ctrl+u"), key.WithHelp("pgup/b", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", " ", "ctrl+d"), key.WithHelp("pgdn/space", "page down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "first flow")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "last flow, follow new")),
		Enter:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open flow / go to its flow")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back, clear filter")),
		Tab:      key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "request ⇄ response")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter flows")),
		Findings: key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "findings, worst first")),
		// r is related in the findings pane, replay elsewhere; e is related everywhere.
		Related:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "related flow (findings: r)")),
		Mark:      key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mark flow to compare (◆)")),
		Diff:      key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "diff marked ⇄ selected")),
		Replay:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "replay (asks first)")),
		ReplayFix: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "replay with the fix")),
		NextMark:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next flow with finding")),
		PrevMark:  key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous flow with finding")),
		Copy:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy request as curl")),
		Save:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save the capture (HAR)")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp is the one-line hint bar.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{
		withHelp(k.Down, "↑↓", "move"), withHelp(k.Enter, "enter", "open"), withHelp(k.Filter, "/", "filter"), withHelp(k.Findings, "f", "findings"), withHelp(k.Copy, "c", "curl"),
		withHelp(k.Mark, "m/d", "mark/diff"), withHelp(k.Replay, "r/R", "replay/fix"), withHelp(k.Save, "s", "save"), k.Help, k.Quit,
	}
}

// compactHelp is the hint bar when ShortHelp does not fit (80 columns):
// what enter and s do is in the help.
func (k keyMap) compactHelp() []key.Binding {
	return []key.Binding{
		withHelp(k.Down, "↑↓", "move"), withHelp(k.Filter, "/", "filter"), withHelp(k.Findings, "f", "findings"), withHelp(k.Copy, "c", "curl"),
		withHelp(k.Diff, "m/d", "diff"), withHelp(k.Replay, "r", "replay"), k.Help, k.Quit,
	}
}

// FullHelp is every binding, grouped; `?` shows it.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Enter, k.Back, k.Tab, k.Filter, k.Findings, k.Related},
		{k.NextMark, k.PrevMark, k.Mark, k.Diff, k.Replay, k.ReplayFix},
		{k.Copy, k.Save, k.Help, k.Quit},
	}
}

// withHelp is b with a shorter label, for the hint bar.
func withHelp(b key.Binding, keys, desc string) key.Binding {
	b.SetHelp(keys, desc)
	return b
}

// mouseHelp documents the mouse in the help screen (not a key binding).
const mouseHelp = "mouse: wheel scrolls the pane under it, click selects; shift+drag selects text"
