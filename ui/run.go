package ui

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/mattn/go-isatty"
)

// ErrNoTerminal is returned by Run when stdin or stdout is not a terminal.
var ErrNoTerminal = errors.New("the TUI needs a terminal (stdin and stdout); use --no-tui, or provtap analyze for a file")

// Run shows the UI on the terminal until the user quits. The producer keeps
// calling feed.Add meanwhile; Run never makes it wait.
func Run(opts Options, feed *Feed) error {
	if !isatty.IsTerminal(os.Stdout.Fd()) || !isatty.IsTerminal(os.Stdin.Fd()) {
		return ErrNoTerminal
	}
	out := NewSyncWriter(os.Stdout)
	if opts.Renderer == nil {
		r := lipgloss.NewRenderer(os.Stdout)
		// Ask the terminal for its background now, before bubbletea reads
		// stdin (the answer would otherwise arrive as key presses).
		r.HasDarkBackground()
		lipgloss.SetDefaultRenderer(r)
		opts.Renderer = r
	}
	if opts.Copy == nil {
		dir := os.TempDir()
		if opts.CapturePath != "" {
			dir = filepath.Dir(opts.CapturePath)
		}
		opts.Copy = NewClipboard(out, true, dir).Copy
	}
	LimitMemory(opts.Live)
	m := NewModel(opts, feed)
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithOutput(out))
	_, err := p.Run()
	if errors.Is(err, tea.ErrInterrupted) {
		return nil
	}
	return err
}

// LimitMemory sets the soft memory limit of a process showing the TUI,
// unless GOMEMLIMIT sets one. What a long session keeps is a row per flow
// (about 140 bytes) and the analyzers' state: a night's 10⁶ flows keep about
// 220 MB. Everything else — requests decoded, findings written, frames —
// is garbage soon, and Go's collector lets the heap grow to twice what is
// kept before collecting, which would put that night at 450 MB. The soft
// limit makes it collect sooner once the heap nears the limit, and only
// then: below it nothing changes. Live (the proxy serving) 280 MiB, for the
// 300 MB goal; a saved capture being opened 380 MiB. The price, past the
// limit, is collector time (Go caps it at half the CPU): a session whose
// kept memory outgrows the limit runs slower rather than out of memory.
func LimitMemory(live bool) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := int64(380 << 20)
	if live {
		limit = 280 << 20
	}
	debug.SetMemoryLimit(limit)
}
