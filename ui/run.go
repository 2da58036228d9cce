package ui

import (
	"errors"
	"os"
	"path/filepath"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/mattn/go-isatty"

	"github.com/provtap/provtap/internal/gctune"
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
	TuneMemory(opts.Live)
	m := NewModel(opts, feed)
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithOutput(out))
	_, err := p.Run()
	if errors.Is(err, tea.ErrInterrupted) {
		return nil
	}
	return err
}

// TuneMemory sets the collector of a process showing the TUI (GOGC and
// GOMEMLIMIT in the environment win). What a long session keeps is a row
// per flow (about 140 bytes) and the analyzers' state: a night's 10⁶ flows
// keep about 220 MB. Everything else — requests decoded, findings written,
// frames — is garbage soon: collecting only when the heap has grown 400%
// past what is kept (not Go's 100%) spends less CPU while little is kept,
// and the soft limit makes it collect sooner once the heap nears it. Live
// (the proxy serving) 280 MiB, for the 300 MB goal; a saved capture being
// opened 380 MiB. The price, past the limit, is collector time (Go caps it
// at half the CPU): a session whose kept memory outgrows the limit runs
// slower rather than out of memory.
func TuneMemory(live bool) {
	limit := int64(380 << 20)
	if live {
		limit = 280 << 20
	}
	gctune.Set(400, limit)
}
