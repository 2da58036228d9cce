package analyze

import (
	"fmt"
	"strings"
)

// KindLostQueryParam: a credential-like query parameter the client sent to
// this origin on other requests is missing on this one.
const KindLostQueryParam = "lost-query-param"

// LostQueryParam is LostHeader for credentials in the query string
// (subscription-key, api_key, code, sig, token, …): typically a key in the
// base URL that the connector drops when it builds write URLs.
type LostQueryParam struct{ tracker presenceTracker }

// NewLostQueryParam returns the lost-query-param analyzer.
func NewLostQueryParam() *LostQueryParam { return &LostQueryParam{tracker: newPresenceTracker()} }

// Name implements Analyzer.
func (a *LostQueryParam) Name() string { return KindLostQueryParam }

// Observe implements Analyzer.
func (a *LostQueryParam) Observe(fx *Facts, emit func(Finding)) {
	if !fx.judgeable() {
		return
	}
	if len(fx.paramCandidates) == 0 && !a.tracker.has(fx) {
		return
	}
	a.tracker.observe(fx, fx.paramCandidates, lostParamRule, func(n string, it *presenceItem, v missVerdict) {
		fd := lostQueryParamFinding(fx, it, v)
		fd.group = KindLostQueryParam + "\x00" + fx.Client.Key + "\x00" + n + "\x00" + fx.API
		emit(fd)
	})
}

// lostParamRule: a credential configured in a base URL has one value; one
// that changes per call is a signature or a one-time code ("code" needs two
// carriers). A refusal that names the parameter is decisive.
func lostParamRule(n string, it *presenceItem, named bool) (int, bool) {
	switch {
	case named:
		return 1, true
	case !it.stable:
		return 1 << 30, false
	case n == "code":
		return 2, true
	}
	return 1, true
}

func lostQueryParamFinding(fx *Facts, it *presenceItem, v missVerdict) Finding {
	f, ref := fx.Flow, fx.Refusal
	carried := it.carriers.String()
	title := fmt.Sprintf("Query parameter %s sent on %s is missing on %s", it.display, carried, f.Method)
	var d strings.Builder
	fmt.Fprintf(&d, "This client (%s) put %s=%s in the URL of its requests to %s: %s. This %s %s has no %s parameter.",
		fx.Client.Label, it.display, maskValue(it.display, it.lastValue), fx.API, carried, f.Method, shorten(fx.Path, 80), it.display)
	if ref.Refused {
		fmt.Fprintf(&d, " The server refused it: %s.", ref.Summary())
		if v.named {
			d.WriteString(" The refusal names the missing parameter.")
		}
		if v.moved {
			d.WriteString(" The same value did travel in a header of this request, so this server looks for it in the query string.")
		}
	} else {
		d.WriteString(" It succeeded anyway, so the parameter may be optional here.")
	}
	if it.first != 0 {
		fmt.Fprintf(&d, " The same parameter was already missing on #%d.", it.first)
	}
	last := it.carriers.lastRef()
	fix := fmt.Sprintf("Keep %s in the URL of every operation: the %s was built without the base URL's query string. "+
		"Add the parameter to the write operations' endpoints too, or send the key as a header on every call", it.display, f.Method)
	if strings.Contains(strings.ToLower(it.display), "subscription") {
		fix += " (for Azure API Management: Ocp-Apim-Subscription-Key)"
	}
	return Finding{
		Kind: KindLostQueryParam, Severity: v.sev, Flow: f.ID,
		Related: related(f.ID, it.carriers.ids(), []int{it.first}),
		Title:   title, Detail: d.String(), Fix: fix + ".",
		Missing: []Missing{{Where: "query", Name: it.display, Value: it.lastValue,
			Seen: fmt.Sprintf("sent on %s #%d", last.Method, last.ID)}},
	}
}
