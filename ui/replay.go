package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/provtap/provtap/capture/httpx"
	"github.com/provtap/provtap/capture/proxy"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

// A replay sends a captured request again through provtap's upstream
// settings: `r` as it was, `R` with what the flow's findings say it lacked
// (the cookie, header or query parameter a correct client would have sent).
// Provisioning calls have side effects, so the exact request is shown and
// the user confirms first; it is sent off the UI goroutine, and the answer
// becomes a new flow linked to the original ("replay of #N").

// replayPlan is a request about to be replayed.
type replayPlan struct {
	orig    *capture.Flow
	req     *capture.Flow // what will be sent: a copy of orig, fixed for R
	fix     bool
	kinds   []string // the findings the fix comes from
	changes []string // "+ Cookie: JSESSIONID=…" lines, one per change
	unknown []string // what a finding names without knowing the value
	raw     []byte   // e: the edited bytes to send as they are (nil: a replay)
}

// replayDoneMsg carries a replay's result back to Update.
type replayDoneMsg struct {
	orig   int
	flow   *capture.Flow
	err    error
	edited bool // sent by e
}

// pendingReplay is a replay on its way, a mode that only takes esc (which
// cancels it) and says on the bottom line what is on its way.
type pendingReplay struct {
	orig   int
	what   string // "replaying" (default) or what else is on its way
	cancel context.CancelFunc
	keys   *keyMap
	st     *styles
}

// planReplay prepares the replay of f; fix applies missing (from the
// findings named by kinds).
func planReplay(f *capture.Flow, fix bool, kinds []string, missing []analyze.Missing) (*replayPlan, error) {
	src := f
	if err := unsendable(src); err != nil {
		return nil, err
	}
	req := *src
	req.RequestHeaders = append([]capture.Header(nil), src.RequestHeaders...)
	p := &replayPlan{orig: f, req: &req, fix: fix, kinds: kinds}
	if !fix {
		return p, nil
	}
	seen := map[string]bool{}
	for _, ms := range missing {
		id := ms.Where + "\x00" + ms.Name
		if ms.Where == "header" {
			id = strings.ToLower(id)
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		if ms.Value == "" {
			p.unknown = append(p.unknown, fmt.Sprintf("%s %s (%s)", ms.Where, ms.Name, ms.Seen))
			continue
		}
		if c := applyMissing(&req, ms); c != "" {
			p.changes = append(p.changes, c)
		}
	}
	if len(p.changes) == 0 {
		if len(p.unknown) > 0 {
			return nil, fmt.Errorf("the finding names %s but not its value (unknown), so there is no fix to apply; r replays it as it was", strings.Join(p.unknown, ", "))
		}
		return nil, errors.New("the finding names nothing the request lacked, so there is no fix to apply; r replays it as it was")
	}
	return p, nil
}

// unsendable says why f has no request that can be sent again (nil: it
// has one). It needs only the flow's metadata.
func unsendable(f *capture.Flow) error {
	switch {
	case f == nil:
		return errors.New("no flow selected")
	case f.Kind == capture.KindTLSFailure:
		return errors.New("a failed TLS handshake has no request to send")
	case f.Kind == capture.KindWebSocket:
		return errors.New("a WebSocket connection cannot be replayed")
	case f.Method == "" || f.Method == "CONNECT":
		return errors.New("it has no request to send")
	case f.RequestBody.Truncated:
		return proxy.ErrTruncatedBody
	}
	return nil
}

// applyMissing adds one missing item to req and describes the change.
func applyMissing(req *capture.Flow, ms analyze.Missing) string {
	switch ms.Where {
	case "header":
		for i, h := range req.RequestHeaders {
			if strings.EqualFold(h.Name, ms.Name) {
				if h.Value == ms.Value {
					return ""
				}
				req.RequestHeaders[i].Value = ms.Value
				return fmt.Sprintf("~ %s: %s (instead of %s)", h.Name, ms.Value, h.Value)
			}
		}
		req.RequestHeaders = append(req.RequestHeaders, capture.Header{Name: ms.Name, Value: ms.Value})
		return fmt.Sprintf("+ %s: %s", ms.Name, ms.Value)
	case "cookie":
		return addCookie(req, ms.Name, ms.Value)
	case "query":
		t, changed := withParam(req.Target, ms.Name, ms.Value)
		u, _ := withParam(req.URL, ms.Name, ms.Value)
		if req.Target == "" {
			_, changed = withParam(req.URL, ms.Name, ms.Value)
		}
		if changed == "" {
			return ""
		}
		req.Target, req.URL = t, u
		return changed
	}
	return ""
}

// addCookie puts name=value into the Cookie header: replaces the value
// when the cookie is there, else appends it to the last Cookie header, else
// adds a Cookie header.
func addCookie(req *capture.Flow, name, value string) string {
	last := -1
	for i, h := range req.RequestHeaders {
		if !strings.EqualFold(h.Name, "Cookie") {
			continue
		}
		last = i
		for _, p := range httpx.ParseCookie(h.Value) {
			if p.Name != name {
				continue
			}
			if p.Value == value {
				return ""
			}
			req.RequestHeaders[i].Value = h.Value[:p.ValueStart] + value + h.Value[p.End:]
			return fmt.Sprintf("~ Cookie %s=%s (instead of %s)", name, value, h.Value[p.ValueStart:p.End])
		}
	}
	if last < 0 {
		req.RequestHeaders = append(req.RequestHeaders, capture.Header{Name: "Cookie", Value: name + "=" + value})
		return fmt.Sprintf("+ Cookie: %s=%s", name, value)
	}
	v := strings.TrimRight(req.RequestHeaders[last].Value, " ;")
	if v == "" {
		v = name + "=" + value
	} else {
		v += "; " + name + "=" + value
	}
	req.RequestHeaders[last].Value = v
	return fmt.Sprintf("+ Cookie %s=%s (added to the Cookie header)", name, value)
}

// withParam sets a query parameter in a request-target or URL, keeping every
// other byte as it was: an existing parameter's value is replaced in place,
// a new one is appended. It also says what it did ("" when nothing).
func withParam(target, name, value string) (string, string) {
	if target == "" {
		return "", ""
	}
	enc := url.QueryEscape(name) + "=" + url.QueryEscape(value)
	path, raw, found := strings.Cut(target, "?")
	if found && raw != "" {
		parts := strings.Split(raw, "&")
		for i, part := range parts {
			k, v, _ := strings.Cut(part, "=")
			if unescape(k) != name {
				continue
			}
			if unescape(v) == value {
				return target, ""
			}
			parts[i] = enc
			return path + "?" + strings.Join(parts, "&"), fmt.Sprintf("~ ?%s=%s (instead of %s)", name, value, unescape(v))
		}
	}
	switch {
	case !found:
		target += "?" + enc
	case strings.HasSuffix(target, "?") || strings.HasSuffix(target, "&"):
		target += enc
	default:
		target += "&" + enc
	}
	return target, fmt.Sprintf("+ ?%s=%s (query parameter)", name, value)
}

// sendReplay is the command that sends p through rp; the UI goes on.
func sendReplay(ctx context.Context, rp proxy.Replayer, p *replayPlan) func() replayDoneMsg {
	req, orig := p.req, p.orig.ID
	return func() replayDoneMsg {
		f, err := rp.Replay(ctx, req)
		if errors.Is(ctx.Err(), context.Canceled) {
			err = errors.New("cancelled")
		}
		return replayDoneMsg{orig: orig, flow: f, err: err}
	}
}
