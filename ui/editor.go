package ui

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/provtap/provtap/capture"
)

// editorPane is the inline editor e falls back to when neither $VISUAL nor
// $EDITOR is set: the request as text, lines shown without their CR. When
// saved, the request line and headers end in CRLF again, and a body left
// as it was keeps its bytes exactly.
type editorPane struct {
	ta     textarea.Model
	orig   *capture.Flow
	before []byte // the raw request it was given
	width  int
	height int
	st     *styles
}

func newEditorPane(st *styles) editorPane {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.CharLimit = 0
	ta.MaxHeight = 0
	ta.MaxWidth = 0
	ta.Prompt = ""
	return editorPane{ta: ta, st: st}
}

// open starts editing raw, the request of f.
func (p *editorPane) open(f *capture.Flow, raw []byte) error {
	if !utf8.Valid(raw) || bytes.IndexByte(raw, 0) >= 0 {
		return errors.New("its body is binary, which the inline editor cannot keep")
	}
	p.orig, p.before = f, raw
	p.ta.SetValue(strings.ReplaceAll(string(raw), "\r\n", "\n"))
	p.ta.Focus()
	for p.ta.Line() > 0 {
		p.ta.CursorUp()
	}
	p.ta.CursorStart()
	p.setSize(p.width, p.height)
	return nil
}

func (p *editorPane) setSize(w, h int) {
	p.width, p.height = w, h
	p.ta.SetWidth(max(w, 1))
	p.ta.SetHeight(max(h-1, 1))
}

// bytes is the text as it will be sent.
func (p *editorPane) bytes() []byte {
	text := p.ta.Value()
	head, body, found := strings.Cut(text, "\n\n")
	out := strings.ReplaceAll(head, "\n", "\r\n")
	if !found {
		return []byte(out)
	}
	if _, ob, ok := bytes.Cut(p.before, []byte("\r\n\r\n")); ok && strings.ReplaceAll(string(ob), "\r\n", "\n") == body {
		return append([]byte(out+"\r\n\r\n"), ob...) // the body as it was, byte for byte
	}
	return []byte(out + "\r\n\r\n" + body)
}

// handle: ctrl+s is done (the confirmation follows), esc cancels, the
// rest edits.
func (p *editorPane) handle(msg tea.Msg) out {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return taken
	}
	switch k.String() {
	case "ctrl+s":
		p.ta.Blur()
		return tell(editedMsg{orig: p.orig, before: p.before, after: p.bytes()})
	case "esc":
		p.ta.Blur()
		return tell(notSentMsg{fmt.Sprintf("the edit of #%d was cancelled", p.orig.ID)})
	}
	var cmd tea.Cmd
	p.ta, cmd = p.ta.Update(k)
	return run(cmd)
}

func (p *editorPane) body(w, h int) (string, bool) {
	title := p.st.tabOn.Render(fmt.Sprintf("[Edit #%d]", p.orig.ID)) + p.st.dim.Render(" the request as raw HTTP: what you save is sent as it is")
	return block(" "+title+"\n"+p.ta.View(), w, h), true
}

func (p *editorPane) bottom(w int) (string, bool) {
	return p.st.dim.Render(ansi.Truncate(" ctrl+s: review and send · esc: cancel · lines get their CRLF back when sent", w, "…")), true
}

func (p *editorPane) typing() bool { return true }
