// Package ui is provtap's terminal UI: a live list of flows, the selected
// flow's request and response with the analyzers' findings drawn in place,
// the findings pane, copy as curl and save. One model per pane; the top
// model (Model) routes messages and lays the panes out.
package ui

import (
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/export"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/capture/proxy"
)

// Options configure the UI.
type Options struct {
	// Mode is the status line's first word: "forward proxy 127.0.0.1:8080",
	// "reverse 127.0.0.1:8080 → https://x", "file: cap.har".
	Mode string
	// CapturePath is the capture file being recorded (live) or shown (open).
	// The save prompt's default goes beside it.
	CapturePath string
	// Live says CapturePath is being written: saving over it is refused.
	Live bool
	// Note is shown on the status line (e.g. "cut off: 12 whole flows").
	Note string
	// Follow starts with the newest flow selected and following the tail.
	Follow bool
	// ShowFindings opens on the findings pane.
	ShowFindings bool
	// Select is the flow selected at start (0: the first, or the newest
	// when following).
	Select int
	// Copy puts the curl command on a clipboard (nil: NewClipboard on stdout).
	Copy CopyFunc
	// Save writes flows as a HAR file (nil: har.WriteHAR).
	Save func(path string, flows []*capture.Flow) error
	// Renderer makes the styles (nil: lipgloss's default, which honours
	// NO_COLOR and detects the background).
	Renderer *lipgloss.Renderer
	// Curl renders a flow as the curl command `c` copies (nil: export.Curl).
	Curl func(*capture.Flow) string
	// Store reads back flows fed with a location (Feed.AddStored): the
	// capture file being recorded.
	Store *har.Store
	// Replayer sends a request again for r and R (nil: replay is not
	// available). Live, the proxy; for a saved capture, proxy.NewReplayer.
	Replayer proxy.Replayer
	// Zone is the time zone flow times are shown in (nil: local time).
	Zone *time.Location
}

type focus int

const (
	focusList focus = iota
	focusDetail
	focusFindings
)

// Model is the top model.
type Model struct {
	opts   Options
	feed   *Feed
	keys   keyMap
	st     *styles
	width  int
	height int

	all      rowsByID // every flow, in ID order
	filter   filter
	findings []analyze.Finding // in arrival (flow) order
	byFlow   map[int][]int     // flow ID → findings on it
	byRel    map[int][]int     // flow ID → findings it is evidence for
	counts   [4]int            // findings by severity
	recErr   error
	note     string
	closed   bool

	list     listPane
	detail   detailPane
	fpane    findingsPane
	prompt   promptPane
	helpPane helpPane
	diff     diffPane
	confirm  confirmPane
	pending  *pendingReplay
	// awaitReplay is a live replay's flow, selected when the feed brings it.
	awaitReplay int
	hints       help.Model
	focus       focus
	showHelp    bool

	msg    string // the bottom line's message, until the next key
	msgErr bool
}

// NewModel makes the UI's model, with whatever feed already holds.
func NewModel(opts Options, feed *Feed) *Model {
	if feed == nil {
		feed = NewFeed()
	}
	r := opts.Renderer
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	if opts.Save == nil {
		opts.Save = har.WriteHAR
	}
	if opts.Curl == nil {
		opts.Curl = export.Curl
	}
	m := &Model{opts: opts, feed: feed, keys: defaultKeyMap(), st: newStyles(r), note: opts.Note,
		byFlow: map[int][]int{}, byRel: map[int][]int{}}
	m.list = listPane{keys: &m.keys, st: m.st, follow: opts.Follow, zone: opts.Zone}
	m.detail = newDetailPane(&m.keys, m.st)
	m.detail.zone = opts.Zone
	m.detail.lookup = m.flowByID
	m.detail.load = m.fullOrSame
	m.fpane = newFindingsPane(&m.keys, m.st, m.describe)
	m.prompt = newPromptPane(m.st)
	m.helpPane = newHelpPane(&m.keys, m.st)
	m.diff = newDiffPane(&m.keys, m.st)
	m.confirm = newConfirmPane(&m.keys, m.st, opts.Curl)
	m.hints = help.New()
	m.hints.Styles = m.st.help
	m.hints.ShortSeparator = " · "
	if opts.ShowFindings {
		m.focus = focusFindings
	}
	m.apply(feed.take())
	if opts.Select > 0 {
		m.list.selectID(opts.Select)
		m.syncDetail()
	}
	return m
}

// Init starts listening to the feed.
func (m *Model) Init() tea.Cmd {
	if m.closed {
		return nil
	}
	return m.feed.wait()
}

type (
	copiedMsg struct {
		id  int
		how string
		err error
	}
	savedMsg struct {
		path string
		n    int
		err  error
	}
)

// Update routes a message to the pane it concerns.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
	case feedMsg:
		m.apply(m.feed.take())
		if !m.closed {
			return m, m.feed.wait()
		}
	case copiedMsg:
		if msg.err != nil {
			return m, m.flash(true, "#%d as curl: %v", msg.id, msg.err)
		}
		return m, m.flash(false, "#%d as curl: %s", msg.id, msg.how)
	case savedMsg:
		if msg.err != nil {
			return m, m.flash(true, "not saved: %v", msg.err)
		}
		return m, m.flash(false, "saved %d flows to %s", msg.n, msg.path)
	case replayDoneMsg:
		return m, m.replayDone(msg)
	case tea.KeyMsg:
		return m, m.key(msg)
	case tea.MouseMsg:
		m.mouse(msg)
	default:
		if m.prompt.active() {
			return m, m.prompt.Update(msg)
		}
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := &m.keys
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	if m.prompt.active() {
		return m.promptKey(msg)
	}
	if m.msg != "" {
		m.msg = "" // any key dismisses the last message
	}
	if m.showHelp {
		switch {
		case key.Matches(msg, k.Quit):
			return tea.Quit
		case key.Matches(msg, k.Help), key.Matches(msg, k.Back):
			m.showHelp = false
		}
		return nil
	}
	if m.confirm.active() {
		return m.confirmKey(msg)
	}
	if m.diff.active() {
		return m.diffKey(msg)
	}
	if m.pending != nil && key.Matches(msg, k.Back) {
		return m.cancelReplay()
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case m.focus == focusFindings && key.Matches(msg, k.Replay):
		return m.related() // r: the related flows, as before, in the findings pane
	case key.Matches(msg, k.Replay):
		return m.startReplay(false)
	case key.Matches(msg, k.ReplayFix):
		return m.startReplay(true)
	case key.Matches(msg, k.Mark):
		return m.markSelected()
	case key.Matches(msg, k.Diff):
		return m.openDiff()
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Filter):
		return m.prompt.open(promptFilter, "/", m.filter.text)
	case key.Matches(msg, k.Save):
		return m.openSave()
	case key.Matches(msg, k.Copy):
		return m.copySelected()
	case key.Matches(msg, k.Findings):
		if m.focus == focusFindings {
			m.focus = focusList
		} else {
			m.focus = focusFindings
		}
		m.layout()
	case key.Matches(msg, k.Related):
		return m.related()
	case key.Matches(msg, k.NextMark):
		m.nextMarked(1)
	case key.Matches(msg, k.PrevMark):
		m.nextMarked(-1)
	case key.Matches(msg, k.Tab):
		m.detail.switchTab()
	case key.Matches(msg, k.Enter):
		switch m.focus {
		case focusList:
			m.focus = focusDetail
			m.layout()
		case focusFindings:
			if fd, ok := m.fpane.selected(); ok {
				return m.jumpTo(fd.Flow, "")
			}
		}
	case key.Matches(msg, k.Back):
		switch {
		case m.focus != focusList:
			m.focus = focusList
			m.layout()
		case m.filter.active():
			m.setFilter("")
		}
	default:
		switch m.focus {
		case focusList:
			m.list.Update(msg)
			m.syncDetail()
		case focusDetail:
			m.detail.Update(msg)
		case focusFindings:
			m.fpane.Update(msg)
		}
	}
	return nil
}

func (m *Model) promptKey(msg tea.KeyMsg) tea.Cmd {
	kind := m.prompt.kind
	switch msg.Type {
	case tea.KeyEnter:
		m.prompt.close()
		if kind == promptSave {
			return m.save(m.prompt.value())
		}
		return nil
	case tea.KeyEsc:
		m.prompt.close()
		if kind == promptFilter {
			m.setFilter("")
		}
		return nil
	}
	cmd := m.prompt.Update(msg)
	if kind == promptFilter {
		m.setFilter(m.prompt.value())
	}
	return cmd
}

// mouse sends wheel and clicks to the pane under the pointer.
func (m *Model) mouse(msg tea.MouseMsg) {
	if m.showHelp || msg.Y < 1 {
		return
	}
	y := msg.Y - 1 // below the status line
	switch {
	case m.confirm.active():
		m.confirm.vp, _ = m.confirm.vp.Update(msg)
		return
	case m.diff.active():
		m.diff.Update(msg)
		return
	}
	if m.focus == focusFindings {
		msg.Y = y
		m.fpane.Update(msg)
		return
	}
	if y < m.list.height {
		msg.Y = y
		m.list.Update(msg)
		m.syncDetail()
		return
	}
	msg.Y = y - m.list.height
	m.detail.Update(msg)
}

// flash shows a message on the bottom line until the next key.
func (m *Model) flash(isErr bool, format string, a ...any) tea.Cmd {
	m.msg, m.msgErr = sprintf(format, a...), isErr
	return nil
}
