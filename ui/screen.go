package ui

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/provtap/provtap/capture/proxy"
)

// What the UI says when there is nothing to show yet, or to explain: the
// empty states, the first screen of a live session, the help's notes.

// emptyText is what the list says when it shows no flow.
func (m *Model) emptyText() []string {
	switch {
	case m.store.len() == 0 && m.opts.Live:
		return []string{"waiting for flows…"}
	case m.store.len() == 0 && !m.closed:
		return []string{"reading the capture…"}
	case m.store.len() == 0:
		return []string{"no flows in this capture"}
	case m.scanning():
		return []string{fmt.Sprintf("no flow matches %s yet: %d of %d flows read…", m.filter.text, m.scan.read, m.store.len())}
	case m.filter.active():
		return []string{"no flow matches " + m.filter.text + " — esc clears"}
	case m.clearSeq > 0:
		return []string{fmt.Sprintf("view cleared: the %d flows seen so far are hidden (the capture file keeps them) — Z shows them again", m.clearSeq)}
	}
	return nil
}

// firstScreen is what the detail pane says before the first flow of a live
// session: how to point a client at the proxy and trust its CA, in lines
// to paste.
func (m *Model) firstScreen() []string {
	if m.store.len() > 0 || !m.opts.Live {
		return nil
	}
	u := m.opts.ProxyURL
	switch {
	case u == "":
		return []string{"No flow yet. Point a client at the proxy, or press ? for help."}
	case m.opts.Reverse:
		return []string{"No flow yet. Point the connector's base URL at " + u + " instead of the target's: " +
			"no proxy setting and no CA to trust.", "? lists every key."}
	}
	host, port := "127.0.0.1", "8080"
	if pu, err := url.Parse(u); err == nil {
		host, port = pu.Hostname(), pu.Port()
	}
	out := []string{
		"No flow yet. Point the connector at the proxy:",
		"  HTTPS_PROXY=" + u + " HTTP_PROXY=" + u,
		fmt.Sprintf("  JVM: -Dhttps.proxyHost=%[1]s -Dhttps.proxyPort=%[2]s -Dhttp.proxyHost=%[1]s -Dhttp.proxyPort=%[2]s -Dhttp.nonProxyHosts=", host, port),
	}
	const how = "how to trust it (JVM keytool, Windows, Linux, macOS, curl) and how to undo it:"
	if m.opts.CAPath != "" {
		out = append(out, "For https the client must trust provtap's CA:", "  "+m.opts.CAPath, "This prints "+how)
	} else {
		out = append(out, "For https the client must trust provtap's CA; this prints where it is, "+how)
	}
	return append(out, "  "+m.caHintsCommand(), "? lists every key.")
}

// caHintsCommand is the provtap ca --hints that prints this session's
// trust commands (its home and listen address when not the defaults).
func (m *Model) caHintsCommand() string {
	cmd := "provtap ca --hints"
	if dir := filepath.Dir(m.opts.CAPath); m.opts.CAPath != "" && dir != proxy.DefaultHome() {
		cmd += " --home " + shellWord(dir)
	}
	if pu, err := url.Parse(m.opts.ProxyURL); err == nil && pu.Host != "" && pu.Host != "127.0.0.1:8080" {
		cmd += " --listen " + pu.Host
	}
	return cmd
}

// shellWord quotes s for a POSIX shell when it needs it.
func shellWord(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !strings.ContainsRune("/._-+:=@%,", r) && !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// withCAPath puts the real CA path where a finding's text says
// <provtap home>/ca.pem.
func (m *Model) withCAPath(s string) string {
	if m.opts.CAPath == "" {
		return s
	}
	return strings.NewReplacer("<provtap home>/ca.pem", m.opts.CAPath, `<provtap home>\ca.pem`, m.opts.CAPath).Replace(s)
}

// helpNotes is what `?` says besides the keys.
func (m *Model) helpNotes() []string {
	return []string{
		"filter: words match method, status, host:port, path, headers and bodies; every term must match · " +
			"status:4xx method:PATCH host:gw path:/Groups header:Cookie header:Authorization=Basic body:usert " +
			`has:finding kind:dropped-cookie · -term negates · a OR b · "quoted words"`,
		"the selection stays put as flows arrive; G follows the newest · o sorts, z clears the view (the capture keeps every flow)",
		"diff: < only in the marked flow, > only in the selected, ~ differs, ≈ noise",
		"r, R and e show the exact request and ask first: sending it really changes the target",
		m.withCAPath("https through the proxy: the client must trust provtap's CA, <provtap home>/ca.pem: " + m.caHintsCommand() +
			" prints how (and how to undo it)"),
	}
}
