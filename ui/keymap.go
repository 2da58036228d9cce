package ui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key the UI answers to. Keys follow mitmproxy and less,
// and a key means one thing in every pane: r replays the request of what is
// selected (the flow, or the finding's flow), v steps through the evidence,
// e edits a request and sends it, everywhere.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Enter, Back, Tab                        key.Binding
	Filter, Findings, Evidence, NextMark    key.Binding
	PrevMark, Mark, Diff, Replay, ReplayFix key.Binding
	Edit, Copy, CopyAs, Save, Sort, Clear   key.Binding
	Unclear                                 key.Binding
	Expand, Collapse, Help, Quit            key.Binding
}

func defaultKeyMap() keyMap {
	return keyMap{
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:    key.NewBinding(key.WithKeys("pgup", "b", "ctrl+u"), key.WithHelp("pgup/b", "page up")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown", " ", "ctrl+d"), key.WithHelp("pgdn/space", "page down")),
		Top:       key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "first flow")),
		Bottom:    key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "last flow, follow new")),
		Enter:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open flow / go to its flow")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back, clear filter")),
		Tab:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "request ⇄ response ⇄ cookies")),
		Filter:    key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter flows")),
		Findings:  key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "findings, worst first")),
		Evidence:  key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "evidence: next related flow")),
		NextMark:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next flow with finding")),
		PrevMark:  key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous flow with finding")),
		Mark:      key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mark flow to compare (◆)")),
		Diff:      key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "diff marked ⇄ selected")),
		Replay:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "replay (asks first)")),
		ReplayFix: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "replay with the fix")),
		Edit:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit the request, send it")),
		Copy:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy request as curl")),
		CopyAs:    key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "copy as… (menu)")),
		Save:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save the capture (HAR)")),
		Sort:      key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "sort: time status dur size host")),
		Clear:     key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "clear the view (file kept)")),
		Unclear:   key.NewBinding(key.WithKeys("Z"), key.WithHelp("Z", "show cleared flows again")),
		Expand:    key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "open a problem")),
		Collapse:  key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "close a problem")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit (asks while proxying)")),
	}
}

// FullHelp is every binding, grouped; `?` shows it.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Enter, k.Back, k.Tab},
		{k.Filter, k.Sort, k.Clear, k.Unclear, k.Findings, k.Expand, k.Collapse, k.Evidence, k.NextMark, k.PrevMark},
		{k.Copy, k.CopyAs, k.Replay, k.ReplayFix, k.Edit, k.Mark, k.Diff, k.Save, k.Help, k.Quit},
	}
}

// mouseHelp documents the mouse in the help screen (not a key binding).
const mouseHelp = "mouse: wheel scrolls the pane under it, click selects; shift+drag selects text"
