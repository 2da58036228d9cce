package ui

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/provtap/provtap/capture"
)

// canEdit: e has something to do on f.
func (m *Model) canEdit(f *capture.Flow) bool { return false }

func (m *Model) startEdit() tea.Cmd { return m.flash(true, "edit-and-resend is not available here") }
