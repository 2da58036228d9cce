// Package ui is provtap's terminal UI: a live list of flows, the selected
// flow's request and response with the analyzers' findings drawn in place,
// the findings pane, copy as curl and save.
//
// The flows and findings are a plain store (store.go). Each pane is its own
// model; what is open over the panes (help, diff, a confirmation, the
// prompt) is a stack of modes, and modes.go alone decides from it where a
// key or the mouse goes and what the screen and the bottom line show. Panes
// talk back to the top model (Model) with messages. Keys are in keymap.go,
// colours in styles.go.
package ui

import (
	"fmt"
	"iter"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
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
	// ProxyURL is where clients point (http://127.0.0.1:8080), for the first
	// screen; Reverse says clients call it instead of the target.
	ProxyURL string
	Reverse  bool
	// CAPath is the CA certificate clients must trust (live, forward mode).
	CAPath string
	// Note is shown on the status line (e.g. "cut off: 12 whole flows").
	Note string
	// Follow starts with the newest flow selected and following the tail.
	Follow bool
	// SelectWorst selects the worst problem's first flow once the feed is
	// closed (every flow of a file is in), unless a key was pressed.
	SelectWorst bool
	// ShowFindings opens on the findings pane.
	ShowFindings bool
	// Select is the flow selected at start (0: the first, or the newest
	// when following).
	Select int
	// Filter is the filter applied at start (`provtap open --filter`);
	// CheckFilter says whether it is valid.
	Filter string
	// Copy puts the curl command on a clipboard (nil: NewClipboard on stdout).
	Copy CopyFunc
	// Save writes flows as a HAR file (nil: har.WriteHARFrom); it reads
	// them one at a time, off the UI goroutine.
	Save func(path string, flows iter.Seq[*capture.Flow]) error
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
	// Sender sends the bytes of an edited request for e (nil: edit and
	// resend is not available).
	Sender RawSender
}

type focus int

const (
	focusList focus = iota
	focusDetail
	focusFindings
)

// Model is the top model: it holds the store of flows and findings, the
// panes, and the stack of modes open over them (modes.go), and routes
// messages.
type Model struct {
	opts   Options
	feed   *Feed
	keys   keyMap
	st     *styles
	width  int
	height int

	store    *store
	filter   filter
	scan     scanState // the filter's scan of the store, while it runs
	clearSeq int       // z: flows the store got before this one are not shown
	recErr   error
	note     string
	closed   bool

	modes    []mode // bottom first: the panes, then what is open over them
	panes    paneMode
	list     listPane
	detail   detailPane
	fpane    findingsPane
	prompt   promptPane
	helpPane helpPane
	diff     diffPane
	confirm  confirmPane
	quitAsk  quitAsk
	editor   editorPane
	copyMenu copyMenu
	pending  *pendingReplay
	// awaitReplay is a live replay's flow, selected when the feed brings it.
	awaitReplay int
	hints       help.Model
	focus       focus

	touched bool   // a key was pressed
	msg     string // the bottom line's message, until the next key
	msgErr  bool
	initCmd tea.Cmd // what Init starts besides the feed (a filter's scan)
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
		opts.Save = har.WriteHARFrom
	}
	if opts.Curl == nil {
		opts.Curl = export.Curl
	}
	m := &Model{opts: opts, feed: feed, keys: defaultKeyMap(), st: newStyles(r), note: opts.Note, store: newStore(opts.Store)}
	m.panes = paneMode{m}
	m.modes = []mode{&m.panes}
	m.list = listPane{keys: &m.keys, st: m.st, follow: opts.Follow, zone: opts.Zone, texts: m.store.texts}
	m.detail = newDetailPane(&m.keys, m.st)
	m.detail.zone = opts.Zone
	m.detail.lookup = m.fullByID
	m.detail.load = m.fullOrSame
	m.detail.setters = m.store.setters
	m.fpane = newFindingsPane(&m.keys, m.st, &m.store.fnd, m.describe)
	m.fpane.finding = m.findingOf
	m.fpane.resolve = m.withCAPath
	m.prompt = newPromptPane(m.st)
	m.helpPane = newHelpPane(&m.keys, m.st, m.helpNotes)
	m.diff = newDiffPane(&m.keys, m.st)
	m.confirm = newConfirmPane(&m.keys, m.st, opts.Curl)
	m.quitAsk = quitAsk{st: m.st}
	m.editor = newEditorPane(m.st)
	m.copyMenu = copyMenu{keys: &m.keys, st: m.st}
	m.hints = help.New()
	m.hints.Styles = m.st.help
	m.hints.ShortSeparator = " · "
	if opts.ShowFindings {
		m.focus = focusFindings
	}
	m.apply(feed.take())
	if opts.Filter != "" {
		m.initCmd = m.setFilter(opts.Filter)
	}
	if opts.Select > 0 {
		m.list.selectID(opts.Select)
		m.syncDetail()
	}
	return m
}

// Init starts listening to the feed.
func (m *Model) Init() tea.Cmd {
	if m.closed {
		return m.initCmd
	}
	return tea.Batch(m.initCmd, m.feed.wait())
}

type (
	copiedMsg struct {
		id   int
		what string // "as curl", "as raw HTTP", …
		how  string
		err  error
	}
	savedMsg struct {
		path string
		n    int
		err  error
	}
)

// Update handles a message: keys and the mouse go to the modes (modes.go),
// what the modes say back and what commands bring is handled here.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
	case tea.KeyMsg:
		return m, m.key(msg)
	case tea.MouseMsg:
		return m, m.mouse(msg)
	case feedMsg:
		b := m.feed.take()
		cmd := m.apply(b)
		m.feed.recycle(b.flows)
		if !m.closed {
			return m, tea.Batch(cmd, m.feed.wait())
		}
		return m, cmd
	case scanMsg:
		return m, m.scanned(msg)
	case copiedMsg:
		if msg.err != nil {
			return m, m.flash(true, "#%d %s: %v", msg.id, msg.what, msg.err)
		}
		return m, m.flash(false, "#%d %s: %s", msg.id, msg.what, msg.how)
	case savedMsg:
		if msg.err != nil {
			return m, m.flash(true, "not saved: %v", msg.err)
		}
		return m, m.flash(false, "saved %d flows to %s", msg.n, msg.path)
	case replayDoneMsg:
		return m, m.replayDone(msg)

	// What the modes say back.
	case closeMsg:
		m.drop(msg.m)
		m.layout()
	case copyChosenMsg:
		m.drop(msg.m)
		return m, m.copyAs(msg.format)
	case helpMsg:
		m.push(&m.helpPane)
	case quitMsg:
		if m.opts.Live && !m.closed {
			m.push(&m.quitAsk) // the proxy is serving: ask first
			return m, nil
		}
		return m, tea.Quit
	case jumpMsg:
		return m, m.jumpTo(msg.id, "")
	case selectMsg:
		m.syncDetail()
	case promptDoneMsg:
		m.drop(&m.prompt)
		if msg.kind == promptSave {
			return m, m.save(msg.value)
		}
	case promptEditMsg:
		if msg.kind == promptFilter {
			return m, m.setFilter(msg.value)
		}
	case promptCancelMsg:
		m.drop(&m.prompt)
		if msg.kind == promptFilter {
			return m, m.setFilter("")
		}
	case sendMsg:
		if msg.plan.raw != nil {
			return m, m.sendRaw(msg.plan)
		}
		return m, m.sendReplay(msg.plan)
	case editedMsg:
		m.drop(&m.editor)
		m.layout()
		return m, m.edited(msg)
	case notSentMsg:
		m.drop(&m.confirm)
		m.drop(&m.editor)
		m.layout()
		return m, m.flash(false, "not sent: %s", msg.what)
	case cancelReplayMsg:
		return m, m.cancelReplay()
	default:
		if m.prompt.active() {
			return m, m.prompt.Update(msg) // the cursor's blink
		}
	}
	return m, nil
}

// flash shows a message on the bottom line until the next key.
func (m *Model) flash(isErr bool, format string, a ...any) tea.Cmd {
	m.msg, m.msgErr = fmt.Sprintf(format, a...), isErr
	return nil
}

// msgLine is the message, styled as good or bad news.
func (m *Model) msgLine() string {
	st := m.st.msgOK
	if m.msgErr {
		st = m.st.msgErr
	}
	return st.Render(ansi.Truncate(" "+oneLine(m.msg), m.width, "…"))
}
