package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/export"
)

// Edit and resend (e): the selected request as raw HTTP/1.1 — exactly what
// provtap export --format raw prints — opens in $VISUAL or $EDITOR (an
// inline editor when neither is set). What is saved, shown and confirmed
// is sent as it is, byte for byte, by Options.Sender, and the answer
// becomes a new flow linked to the original. An unchanged or empty buffer
// sends nothing.

// RawSender sends a request's exact bytes.
//
// SendRaw writes raw, unchanged, on a new connection to orig's server
// (orig.Scheme, orig.Host, orig.Port: TLS for https) with the proxy's
// upstream settings (--upstream-proxy, --upstream-ca, --insecure-upstream),
// reads the response, and returns the exchange as a new flow: a new ID,
// ReplayOf orig.ID, the request as parsed from raw (method, target,
// headers in their order and spelling, body). A live proxy also delivers
// that flow on its flow channel, so it is recorded and analyzed like any
// other. The flow is nil when nothing was sent; when the server could not
// be reached or answered badly, the flow says so in its Error and err is
// set.
type RawSender interface {
	SendRaw(ctx context.Context, orig *capture.Flow, raw []byte) (*capture.Flow, error)
}

// editedMsg is a buffer the editor gave back.
type editedMsg struct {
	orig   *capture.Flow // the flow whose request was edited (whole)
	before []byte        // what the editor was given
	after  []byte        // what it saved
	err    error         // the editor failed
}

// canEdit: e has something to do on f.
func (m *Model) canEdit(f *capture.Flow) bool {
	return m.opts.Sender != nil && f != nil && unsendable(f) == nil
}

// startEdit opens the target flow's request in an editor.
func (m *Model) startEdit() tea.Cmd {
	f := m.targetFlow()
	switch {
	case m.opts.Sender == nil:
		return m.flash(true, "edit and resend is not available here: this provtap cannot send raw requests")
	case f == nil:
		return m.flash(true, "no flow to edit yet")
	case m.pending != nil:
		return m.flash(true, "#%d's request is still on its way (esc cancels it)", m.pending.orig)
	}
	if err := unsendable(f); err != nil {
		return m.flash(true, "#%d cannot be edited and sent: %v", f.ID, err)
	}
	full, err := m.full(f)
	if err != nil {
		return m.flash(true, "#%d cannot be edited: %v", f.ID, err)
	}
	raw := export.RawRequest(full)
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		if err := m.editor.open(full, raw); err != nil {
			return m.flash(true, "#%d: %v; set $EDITOR to edit it", f.ID, err)
		}
		m.push(&m.editor)
		m.layout()
		return nil
	}
	tmp, err := os.CreateTemp("", fmt.Sprintf("provtap-flow-%d-*.http", f.ID)) // 0600: it holds credentials
	if err == nil {
		_, err = tmp.Write(raw)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return m.flash(true, "#%d cannot be edited: %v", f.ID, err)
	}
	path := tmp.Name()
	return tea.Exec(heldEditor{editorCommand(editor, path)}, func(err error) tea.Msg {
		after, rerr := os.ReadFile(path)
		os.Remove(path)
		if err == nil {
			err = rerr
		}
		return editedMsg{orig: full, before: raw, after: after, err: err}
	})
}

// editorCommand runs $EDITOR on path the way git does: through the shell,
// so EDITOR="code --wait" works. The editor gets the terminal itself, not
// the TUI's writer: vi wants its output to be a terminal.
func editorCommand(editor, path string) *exec.Cmd {
	var c *exec.Cmd
	if runtime.GOOS == "windows" {
		args := strings.Fields(editor)
		c = exec.Command(args[0], append(args[1:], path)...)
	} else {
		c = exec.Command("sh", "-c", editor+` "$1"`, "provtap-editor", path)
	}
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	return c
}

// minEditorHold is the least time the editor holds the terminal. bubbletea
// (v1.3.10) stops its frame ticker on a goroutine that, under load, can run
// only after an editor that exits at once (one that fails to start, a
// script) has returned and the ticker was restarted: the screen then never
// draws again. Holding the terminal this long lets that goroutine run first.
const minEditorHold = 100 * time.Millisecond

// heldEditor is the editor's command as bubbletea runs it, held for at
// least minEditorHold. Its streams are the editor's own (editorCommand).
type heldEditor struct{ *exec.Cmd }

func (e heldEditor) Run() error {
	t0 := time.Now()
	err := e.Cmd.Run()
	time.Sleep(minEditorHold - time.Since(t0))
	return err
}

func (heldEditor) SetStdin(io.Reader)  {}
func (heldEditor) SetStdout(io.Writer) {}
func (heldEditor) SetStderr(io.Writer) {}

// edited checks what the editor gave back and asks before sending it.
func (m *Model) edited(msg editedMsg) tea.Cmd {
	id := msg.orig.ID
	switch {
	case msg.err != nil:
		return m.flash(true, "not sent: the editor for #%d failed: %v", id, msg.err)
	case len(bytes.TrimSpace(msg.after)) == 0:
		return m.flash(false, "not sent: the buffer for #%d was empty", id)
	case bytes.Equal(msg.after, msg.before):
		return m.flash(false, "not sent: #%d's request was not changed", id)
	}
	m.confirm.open(&replayPlan{orig: msg.orig, req: msg.orig, raw: msg.after,
		changes: lineChanges(msg.before, msg.after), unknown: rawWarnings(msg.orig, msg.after)})
	m.push(&m.confirm)
	m.layout()
	return nil
}

// sendRaw sends a confirmed edited request, off the UI goroutine.
func (m *Model) sendRaw(plan *replayPlan) tea.Cmd {
	m.drop(&m.confirm)
	m.layout()
	ctx, cancel := context.WithCancel(context.Background())
	m.pending = &pendingReplay{orig: plan.orig.ID, cancel: cancel, keys: &m.keys, st: m.st, what: "sending the edited request of"}
	m.push(m.pending)
	sender, orig, raw := m.opts.Sender, plan.orig, plan.raw
	return func() tea.Msg {
		f, err := sender.SendRaw(ctx, orig, raw)
		if errors.Is(ctx.Err(), context.Canceled) {
			err = errors.New("cancelled")
		}
		return replayDoneMsg{orig: orig.ID, flow: f, err: err, edited: true}
	}
}

// lineChanges is the lines the edit removed (-) and added (+), in order.
func lineChanges(before, after []byte) []string {
	split := func(b []byte) []string {
		return strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	}
	was, now := map[string]int{}, map[string]int{}
	bl, al := split(before), split(after)
	for _, l := range bl {
		was[l]++
	}
	for _, l := range al {
		now[l]++
	}
	var out []string
	for _, l := range bl {
		if now[l] > 0 {
			now[l]--
		} else {
			out = append(out, "- "+l)
		}
	}
	for _, l := range al {
		if was[l] > 0 {
			was[l]--
		} else {
			out = append(out, "+ "+l)
		}
	}
	return out
}

// rawWarnings is what may surprise in bytes about to be sent as they are.
func rawWarnings(orig *capture.Flow, raw []byte) []string {
	var out []string
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		var lf bool
		head, body, lf = bytes.Cut(raw, []byte("\n\n"))
		if !lf {
			return append(out, "the headers do not end with an empty line: the server will wait for the rest")
		}
	}
	lines := strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n")
	if bytes.Count(head, []byte("\n")) != bytes.Count(head, []byte("\r\n")) || !ok {
		out = append(out, "some lines end in LF without CR: many servers accept that, some answer 400")
	}
	if f := strings.Fields(lines[0]); len(f) != 3 || !strings.HasPrefix(f[2], "HTTP/") {
		out = append(out, fmt.Sprintf("the request line %q is not METHOD TARGET HTTP/1.1", lines[0]))
	}
	chunked, length := false, -1
	for _, l := range lines[1:] {
		name, value, _ := strings.Cut(l, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "content-length":
			if n, err := strconv.Atoi(value); err == nil {
				length = n
			}
		case "transfer-encoding":
			chunked = chunked || strings.Contains(strings.ToLower(value), "chunked")
		case "host":
			if want := hostPort(orig); !strings.EqualFold(value, want) && !strings.EqualFold(value, orig.Host) {
				out = append(out, fmt.Sprintf("Host says %s, but the request still goes to %s (the server of #%d)", value, want, orig.ID))
			}
		}
	}
	if !chunked && length >= 0 && length != len(body) {
		out = append(out, fmt.Sprintf("Content-Length says %d but the body is %d bytes: the server reads %d", length, len(body), length))
	}
	if !chunked && length < 0 && len(body) > 0 {
		out = append(out, fmt.Sprintf("there is a body of %d bytes but no Content-Length: the server does not read it", len(body)))
	}
	return out
}
