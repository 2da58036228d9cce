package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

// sideEffects is the warning every replay confirmation shows.
const sideEffects = "⚠ This sends the request to the real server again. Provisioning calls have side effects: " +
	"it will really create, change or delete accounts, group memberships and entitlements."

// confirmPane shows the exact request a replay would send and waits for y
// or n.
type confirmPane struct {
	vp     viewport.Model
	plan   *replayPlan
	width  int
	height int
	curl   func(*capture.Flow) string
	st     *styles
	keys   *keyMap
}

func newConfirmPane(keys *keyMap, st *styles, curl func(*capture.Flow) string) confirmPane {
	vp := viewport.New(0, 0)
	vp.MouseWheelDelta = 3
	return confirmPane{vp: vp, keys: keys, st: st, curl: curl}
}

func (p *confirmPane) active() bool { return p.plan != nil }

func (p *confirmPane) open(plan *replayPlan) {
	p.plan = plan
	p.rebuild()
	p.vp.GotoTop()
}

func (p *confirmPane) close() { p.plan = nil }

func (p *confirmPane) setSize(w, h int) {
	p.width, p.height = w, h
	p.vp.Width, p.vp.Height = w, max(h-1, 0)
	p.rebuild()
}

func (p *confirmPane) rebuild() {
	if p.plan == nil || p.width <= 0 {
		return
	}
	pl, f := p.plan, p.plan.req
	l := &lines{width: max(p.width, 20)}
	if pl.raw != nil {
		p.rawContent(l)
		p.vp.SetContent(strings.Join(l.out, "\n"))
		return
	}
	l.add(p.st.bold, oneLine(fmt.Sprintf("%s %s", methodText(f), f.URL)))
	l.add(p.st.dim, oneLine(fmt.Sprintf("#%d was answered %s %s", pl.orig.ID, statusText(pl.orig), pl.orig.StatusText)))
	l.out = append(l.out, "")
	l.prose(p.st.msgErr, sideEffects, "  ")
	l.out = append(l.out, "")
	if pl.fix {
		l.add(p.st.bold, "The fix, from "+strings.Join(pl.kinds, ", ")+":")
		for _, c := range pl.changes {
			l.add(p.st.msgOK, "  "+oneLine(c))
		}
		for _, u := range pl.unknown {
			l.add(p.st.warn, "  not added, its value is unknown: "+oneLine(u))
		}
	} else {
		l.add(p.st.bold, "Sent as it was captured (R replays with a finding's fix).")
	}
	l.out = append(l.out, "")
	l.add(p.st.bold, "The exact request, as curl:")
	l.add(p.st.plain, sanitize(p.curl(f)))
	l.out = append(l.out, "", p.st.bold.Render("y or enter: send it · n or esc: cancel"))
	p.vp.SetContent(strings.Join(l.out, "\n"))
}

func (p *confirmPane) View() string {
	if p.height <= 0 || p.plan == nil {
		return ""
	}
	what := fmt.Sprintf("[Replay #%d]", p.plan.orig.ID)
	switch {
	case p.plan.raw != nil:
		what = fmt.Sprintf("[Send #%d as edited]", p.plan.orig.ID)
	case p.plan.fix:
		what = fmt.Sprintf("[Replay #%d with the fix]", p.plan.orig.ID)
	}
	left := " " + p.st.tabOn.Render(what) + " "
	right := "send? y/n "
	gap := p.width - ansi.StringWidth(left) - len(right) - 1
	title := ansi.Truncate(left, p.width, "")
	if gap >= 1 {
		title = left + p.st.dim.Render(strings.Repeat("─", gap)+" "+right)
	}
	return title + "\n" + p.vp.View()
}

// rawContent is the confirmation of an edited request: what changed, what
// may surprise, and the exact bytes.
func (p *confirmPane) rawContent(l *lines) {
	pl, f := p.plan, p.plan.orig
	l.add(p.st.bold, oneLine(fmt.Sprintf("Edited %s %s, to %s://%s", methodText(f), pathText(f), f.Scheme, hostPort(f))))
	l.add(p.st.dim, oneLine(fmt.Sprintf("#%d was answered %s %s; the answer to this one becomes a new flow", f.ID, statusText(f), f.StatusText)))
	l.out = append(l.out, "")
	l.prose(p.st.msgErr, sideEffects, "  ")
	l.out = append(l.out, "")
	l.add(p.st.bold, "What you changed:")
	for _, c := range pl.changes {
		st := p.st.msgOK
		if strings.HasPrefix(c, "-") {
			st = p.st.missing
		}
		l.add(st, "  "+oneLine(c))
	}
	for _, w := range pl.unknown {
		l.prose(p.st.warn, "  ! "+w, "    ")
	}
	l.out = append(l.out, "")
	l.add(p.st.bold, fmt.Sprintf("The exact bytes (%d), sent as they are:", len(pl.raw)))
	l.add(p.st.plain, sanitize(string(pl.raw)))
	l.out = append(l.out, "", p.st.bold.Render("y or enter: send it · n or esc: cancel"))
}

// handle: y or enter sends, n, esc or q cancels; other keys and the mouse
// scroll.
func (p *confirmPane) handle(msg tea.Msg) out {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		var cmd tea.Cmd
		p.vp, cmd = p.vp.Update(msg)
		return run(cmd)
	}
	switch s := k.String(); {
	case s == "y" || s == "Y" || key.Matches(k, p.keys.Enter):
		plan := p.plan
		p.close()
		return tell(sendMsg{plan})
	case s == "n" || s == "N" || key.Matches(k, p.keys.Back) || key.Matches(k, p.keys.Quit):
		what := fmt.Sprintf("the replay of #%d was cancelled", p.plan.orig.ID)
		if p.plan.raw != nil {
			what = fmt.Sprintf("the edited request of #%d was cancelled", p.plan.orig.ID)
		}
		p.close()
		return tell(notSentMsg{what})
	}
	var cmd tea.Cmd
	p.vp, cmd = p.vp.Update(k)
	return run(cmd)
}

func (p *confirmPane) body(w, h int) (string, bool) { return block(p.View(), w, h), true }

func (p *confirmPane) bottom(w int) (string, bool) {
	return p.st.warn.Render(ansi.Truncate(" send this request? it has side effects · y/enter: send · n/esc: cancel · ↑↓ scroll", w, "…")), true
}

// handle: esc cancels the replay; everything else is for the modes below.
func (p *pendingReplay) handle(msg tea.Msg) out {
	if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, p.keys.Back) {
		return tell(cancelReplayMsg{})
	}
	return passed
}

func (p *pendingReplay) body(int, int) (string, bool) { return "", false }

func (p *pendingReplay) bottom(w int) (string, bool) {
	what := p.what
	if what == "" {
		what = "replaying"
	}
	return p.st.warn.Render(ansi.Truncate(fmt.Sprintf(" %s #%d… (esc cancels)", what, p.orig), w, "…")), true
}

// fixFor is what R would add to f: the Missing of the selected finding
// (in the findings pane) or of f's own findings, and their kinds.
func (m *Model) fixFor(f *capture.Flow) (fds []analyze.Finding, kinds []string, missing []analyze.Missing) {
	var shown []shownFinding
	if fd, ok := m.fpane.selected(); m.focus == focusFindings && ok {
		shown = []shownFinding{fd}
	} else {
		shown, _ = m.findingsOn(f.ID)
	}
	for _, fd := range shown {
		fds = append(fds, fd.Finding)
		if len(fd.Missing) > 0 {
			kinds = append(kinds, fd.Kind)
			missing = append(missing, fd.Missing...)
		}
	}
	return fds, kinds, missing
}

// canReplay: r has something to do on f.
func (m *Model) canReplay(f *capture.Flow) bool {
	return m.opts.Replayer != nil && f != nil && unsendable(f) == nil
}

// canFix: R has a fix to apply to f (a finding names a value it lacked).
func (m *Model) canFix(f *capture.Flow) bool {
	if !m.canReplay(f) {
		return false
	}
	_, _, missing := m.fixFor(f)
	for _, ms := range missing {
		if ms.Value != "" {
			return true
		}
	}
	return false
}

// startReplay opens the confirmation for the target flow: as captured, or
// (fix) with what its findings say it lacked.
func (m *Model) startReplay(fix bool) tea.Cmd {
	if m.opts.Replayer == nil {
		return m.flash(true, "replay not available here")
	}
	if m.pending != nil {
		return m.flash(true, "the replay of #%d is still on its way (esc cancels it)", m.pending.orig)
	}
	f := m.targetFlow()
	if f == nil {
		return m.flash(true, "no flow to replay yet")
	}
	if err := unsendable(f); err != nil {
		return m.flash(true, "#%d cannot be replayed: %v", f.ID, err)
	}
	fds, kinds, missing := m.fixFor(f)
	if fix && len(missing) == 0 {
		if len(fds) == 0 {
			return m.flash(true, "#%d has no finding, so there is no fix to apply; r replays it as it was", f.ID)
		}
		return m.flash(true, "#%d's findings name nothing the request lacked, so there is no fix to apply; r replays it as it was", f.ID)
	}
	if !fix {
		kinds, missing = nil, nil
	}
	src, err := m.full(f)
	if err != nil {
		return m.flash(true, "#%d cannot be replayed: %v", f.ID, err)
	}
	plan, err := planReplay(src, fix, kinds, missing)
	if err != nil {
		return m.flash(true, "#%d cannot be replayed: %v", f.ID, err)
	}
	m.confirm.open(plan)
	m.push(&m.confirm)
	m.layout()
	return nil
}

// sendReplay sends a confirmed plan, off the UI goroutine; esc cancels it
// while it is on its way.
func (m *Model) sendReplay(plan *replayPlan) tea.Cmd {
	m.drop(&m.confirm)
	m.layout()
	ctx, cancel := context.WithCancel(context.Background())
	m.pending = &pendingReplay{orig: plan.orig.ID, cancel: cancel, keys: &m.keys, st: m.st}
	m.push(m.pending)
	send := sendReplay(ctx, m.opts.Replayer, plan)
	return func() tea.Msg { return send() }
}

// replayDone shows the replay's answer as a new flow, selected. Live, the
// proxy delivers it through the feed (recorded and analyzed, like any
// flow): it is selected when it arrives. Otherwise the UI adds it.
func (m *Model) replayDone(msg replayDoneMsg) tea.Cmd {
	if m.pending != nil && m.pending.orig == msg.orig {
		m.pending.cancel()
		m.drop(m.pending)
		m.pending = nil
	}
	f, what := msg.flow, "replay"
	if msg.edited {
		what = "edited resend"
	}
	if f == nil {
		return m.flash(true, "%s of #%d failed: %v", what, msg.orig, msg.err)
	}
	switch {
	case m.store.row(f.ID) != nil:
		m.jumpTo(f.ID, "")
	case m.opts.Live && !m.closed:
		m.awaitReplay = f.ID // the recorder owns f now: only the feed's copy is shown
	default:
		m.apply(batch{flows: []fedFlow{{f: f}}, closed: m.closed})
		m.jumpTo(f.ID, "")
	}
	if msg.err != nil || f.Error != "" {
		reason := f.Error
		if reason == "" {
			reason = msg.err.Error()
		}
		return m.flash(true, "#%d, %s of #%d: %s", f.ID, what, msg.orig, oneLine(reason))
	}
	return m.flash(false, "#%d, %s of #%d: %d %s (the original got %s)", f.ID, what, msg.orig, f.Status, f.StatusText, m.statusOf(msg.orig))
}

func (m *Model) statusOf(id int) string {
	if f := m.flowByID(id); f != nil {
		return statusText(f)
	}
	return "?"
}

// cancelReplay stops the replay on its way.
func (m *Model) cancelReplay() tea.Cmd {
	id := m.pending.orig
	m.pending.cancel()
	return m.flash(false, "cancelling the replay of #%d…", id)
}
