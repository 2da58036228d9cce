package ui

import (
	"errors"
	"os"
	"path/filepath"

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
	m := NewModel(opts, feed)
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithOutput(out))
	_, err := p.Run()
	if errors.Is(err, tea.ErrInterrupted) {
		return nil
	}
	return err
}
