package ui

import "strings"

// tmux puts text in tmux's paste buffer with tmux's own command, which
// says whether it took it, and asks tmux (load-buffer -w) to pass it on to
// the terminal's clipboard by OSC 52, which tmux does unless its
// set-clipboard option is off; false when tmux's command cannot be run.
//
// An application's own OSC 52 inside tmux reaches tmux's buffer only with
// set-clipboard on (the default, external, drops it), and reaches the
// terminal around tmux only with allow-passthrough on: tmux's command needs
// neither.
func (c *Clipboard) tmux(text string) (string, bool) {
	if !c.lookPath("tmux") {
		return "", false
	}
	env := []string{"TMUX=" + c.getenv("TMUX")}
	passed := true
	if _, err := c.run(env, text, "tmux", "load-buffer", "-w", "-"); err != nil {
		if _, err := c.run(env, text, "tmux", "load-buffer", "-"); err != nil { // before tmux 3.2: no -w
			return "", false
		}
		passed = false
	}
	how := "copied into tmux's paste buffer (tmux accepted it; prefix ] pastes it)"
	setting := "external" // tmux's default
	if out, err := c.run(env, "", "tmux", "show-options", "-gv", "set-clipboard"); err == nil && strings.TrimSpace(string(out)) != "" {
		setting = strings.TrimSpace(string(out))
	}
	switch {
	case !passed:
		how += "; not passed on to the terminal's clipboard: this tmux is older than 3.2"
	case setting == "off":
		// Short: the status line shows one line (? help says the rest).
		how += "; not on the terminal's clipboard: tmux's set-clipboard is off (set it to external)"
	default:
		how += "; passed on by OSC 52 to the terminal's clipboard (set-clipboard " + setting + "; not confirmed)"
	}
	return how, true
}
