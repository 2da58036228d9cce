package analyze

import (
	"fmt"
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
	f := fx.Flow
	scope := a.tracker.scope(fx)
	present := map[string]capture.Header{}
	for _, h := range f.RequestHeaders {
		n := strings.ToLower(h.Name)
		if _, dup := present[n]; !dup && isLostHeaderCandidate(n) {
			present[n] = h
		}
	}
	ref := fx.Refusal
	for _, n := range sortedNames(scope) {
		if _, ok := present[n]; ok {
			continue
		}
		it := scope[n]
		credential := isCredentialHeader(n)
		if valueElsewhere(f, it.lastValue) {
			continue
		}
		named := ref.Refused && ref.says(namePhrases(it.display)...)
		if !named && !credential && (it.perRequest() || !it.stable) {
			// Ids and values that change per call are not configuration.
			it.missVerdict(f, ref.Refused, false, 1<<30)
			continue
		}
		minCarriers := 1
		if !credential {
			minCarriers = 2
		}
		if sev := it.missVerdict(f, ref.Refused, named, minCarriers); sev != None {
			fd := lostHeaderFinding(fx, it, sev, named)
			fd.group = KindLostHeader + "\x00" + fx.Client.Key + "\x00" + n + "\x00" + fx.API
			emit(fd)
			if it.first == 0 {
				it.first = f.ID
			}
		}
	}
	for _, n := range sortedNames(present) {
		h := present[n]
		it := scope[n]
		if it == nil {
			it = &presenceItem{}
			scope[n] = it
		}
		it.carry(f, h.Name, h.Value, ref.Refused)
	}
}

func lostHeaderFinding(fx *Facts, it *presenceItem, sev Severity, named bool) Finding {
	f, ref := fx.Flow, fx.Refusal
	carried := it.carriers.String()
	title := fmt.Sprintf("%s sent on %s is missing on %s", it.display, carried, f.Method)
	var d strings.Builder
	fmt.Fprintf(&d, "This client (%s) sent %s to %s on %s", fx.Client.Label, it.display, fx.API, carried)
	if it.stable {
		fmt.Fprintf(&d, ", always with the same value (%s)", maskValue(it.display, it.lastValue))
	}
	fmt.Fprintf(&d, ". This %s %s does not carry it.", f.Method, shorten(pathOnly(f), 60))
	if ref.Refused {
		fmt.Fprintf(&d, " The server refused it: %s.", ref.Summary())
		if named {
			d.WriteString(" The refusal names the missing header.")
		}
	} else {
		d.WriteString(" It succeeded anyway, so the header may be optional here; if a later write fails, this is the first place to look.")
	}
	if it.first != 0 {
		fmt.Fprintf(&d, " The same header was already missing on #%d.", it.first)
	}
	last := it.carriers.lastRef()
	return Finding{
		Kind: KindLostHeader, Severity: sev, Flow: f.ID,
		Related: related(f.ID, it.carriers.ids(), []int{it.first}),
		Title:   title, Detail: d.String(), Fix: lostHeaderFix(f, it),
		Missing: []Missing{{Where: "header", Name: it.display, Value: it.lastValue,
			Seen: fmt.Sprintf("sent on %s #%d", last.Method, last.ID)}},
	}
}

func lostHeaderFix(f *capture.Flow, it *presenceItem) string {
	n := strings.ToLower(it.display)
	if n == "authorization" || n == "proxy-authorization" {
		scheme, _, _ := strings.Cut(it.lastValue, " ")
		return fmt.Sprintf("Send the credentials on every operation: configure the connector's authentication (%s: %s …) "+
			"for %s and the other write operations as well as for reads.", it.display, scheme, f.Method)
	}
	fix := fmt.Sprintf("Apply the custom header %s to every operation, including %s: in the connector configuration, "+
		"set it where headers apply to all requests, not only on the read/search calls.", it.display, f.Method)
	if strings.Contains(n, "subscription") {
		fix += " API gateways check the subscription key on every call; putting subscription-key=… in the URL of every operation works too."
	}
	return fix
}
