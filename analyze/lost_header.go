package analyze

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/provtap/provtap/capture"
)

// KindLostHeader: a credential or custom header the client sent to this
// origin on other requests is missing on this one.
const KindLostHeader = "lost-header"

// LostHeader remembers, per logical client and API (origin and base path),
// the credential and custom headers requests carried, and reports a request
// that lacks one the same client consistently carried there, or one its
// refusal names.
type LostHeader struct{ tracker presenceTracker }

// NewLostHeader returns the lost-header analyzer.
func NewLostHeader() *LostHeader { return &LostHeader{tracker: newPresenceTracker()} }

// Name implements Analyzer.
func (a *LostHeader) Name() string { return KindLostHeader }

// Observe implements Analyzer.
func (a *LostHeader) Observe(fx *Facts, emit func(Finding)) {
	if !fx.judgeable() {
		return
	}
	a.tracker.observe(fx, fx.candidates, lostHeaderRule, func(n string, it *presenceItem, v missVerdict) {
		fd := lostHeaderFinding(fx, it, v)
		fd.group = KindLostHeader + "\x00" + fx.Client.Key + "\x00" + n + "\x00" + fx.API
		emit(fd)
	})
}

// lostHeaderRule: a credential is consistently carried by one carrier, a
// custom header by two with one value; ids and values that change per call
// are not configuration. A refusal that names the header is decisive.
func lostHeaderRule(n string, it *presenceItem, named bool) (int, bool) {
	switch {
	case named || isCredentialHeader(n):
		return 1, true
	case it.perRequest() || !it.stable:
		return 1 << 30, false
	}
	return 2, true
}

func lostHeaderFinding(fx *Facts, it *presenceItem, v missVerdict) Finding {
	f, ref := fx.Flow, fx.Refusal
	carried := it.carriers.String()
	title := it.display + " sent on " + carried + " is missing on " + f.Method
	var d strings.Builder
	d.Grow(512)
	d.WriteString("This client (" + fx.Client.Label + ") sent " + it.display + " to " + fx.API + " on " + carried)
	if it.stable {
		d.WriteString(", always with the same value (" + maskValue(it.display, it.lastValue) + ")")
	}
	d.WriteString(". This " + f.Method + " " + shorten(fx.Path, 60) + " does not carry it.")
	if ref.Refused {
		d.WriteString(" The server refused it: " + ref.Summary() + ".")
		if v.named {
			d.WriteString(" The refusal names the missing header.")
		}
		if v.moved {
			d.WriteString(" The same value did travel elsewhere on this request (in the query string or another header), " +
				"so this server looks for it in the header.")
		}
	} else {
		d.WriteString(" It succeeded anyway, so the header may be optional here; if a later write fails, this is the first place to look.")
	}
	if it.first != 0 {
		d.WriteString(" The same header was already missing on #" + strconv.Itoa(it.first) + ".")
	}
	last := it.carriers.lastRef()
	return Finding{
		Kind: KindLostHeader, Severity: v.sev, Flow: f.ID,
		Related: related(f.ID, it.carriers.ids(), []int{it.first}),
		Title:   title, Detail: d.String(), Fix: lostHeaderFix(f, it, v.moved),
		Missing: []Missing{{Where: "header", Name: it.display, Value: it.lastValue,
			Seen: "sent on " + last.Method + " #" + strconv.Itoa(last.ID)}},
	}
}

func lostHeaderFix(f *capture.Flow, it *presenceItem, moved bool) string {
	n := strings.ToLower(it.display)
	if n == "authorization" || n == "proxy-authorization" {
		scheme, _, _ := strings.Cut(it.lastValue, " ")
		return fmt.Sprintf("Send the credentials on every operation: configure the connector's authentication (%s: %s …) "+
			"for %s and the other write operations as well as for reads.", it.display, scheme, f.Method)
	}
	fix := fmt.Sprintf("Apply the custom header %s to every operation, including %s: in the connector configuration, "+
		"set it where headers apply to all requests, not only on the read/search calls.", it.display, f.Method)
	if strings.Contains(n, "subscription") && !moved {
		fix += " API gateways check the subscription key on every call; putting subscription-key=… in the URL of every operation works too."
	}
	return fix
}
