package analyze

import (
	"fmt"
	"strings"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// KindLostHeader: a credential or custom header the client sent to this
// origin on other requests is missing on this one.
const KindLostHeader = "lost-header"

// LostHeader remembers, per client (IP and User-Agent) and origin, the credential and
// custom headers requests carried, and reports a request that lacks one
// that earlier requests consistently carried.
type LostHeader struct{ tracker presenceTracker }

// NewLostHeader returns the lost-header analyzer.
func NewLostHeader() *LostHeader { return &LostHeader{tracker: newPresenceTracker()} }

// Name implements Analyzer.
func (a *LostHeader) Name() string { return KindLostHeader }

// Observe implements Analyzer.
func (a *LostHeader) Observe(f *capture.Flow, emit func(Finding)) {
	if !judgeable(f) {
		return
	}
	scope := a.tracker.scope(f)
	present := map[string]capture.Header{}
	for _, h := range f.RequestHeaders {
		n := strings.ToLower(h.Name)
		if _, dup := present[n]; !dup && isLostHeaderCandidate(n) {
			present[n] = h
		}
	}
	ref := judgeRefusal(f)
	for _, n := range sortedNames(scope) {
		if _, ok := present[n]; ok {
			continue
		}
		it := scope[n]
		credential := isCredentialHeader(n)
		if valueElsewhere(f, it.lastValue) {
			continue
		}
		if !credential && (it.perRequest() || !it.stable) {
			// Ids and values that change per call are not configuration.
			it.missVerdict(f, ref.Refused, 1<<30)
			continue
		}
		minCarriers := 1
		if !credential {
			minCarriers = 2
		}
		if sev := it.missVerdict(f, ref.Refused, minCarriers); sev != None {
			emit(lostHeaderFinding(f, it, sev, ref))
			if it.first == 0 {
				it.first = f.ID
			}
		}
	}
	for n, h := range present {
		it := scope[n]
		if it == nil {
			it = &presenceItem{}
			scope[n] = it
		}
		it.carry(f, h.Name, h.Value, ref.Refused)
	}
}

func lostHeaderFinding(f *capture.Flow, it *presenceItem, sev Severity, ref refusal) Finding {
	carried := it.carriers.String()
	title := fmt.Sprintf("%s sent on %s is missing on %s", it.display, carried, f.Method)
	var d strings.Builder
	fmt.Fprintf(&d, "This client sent %s to %s on %s", it.display, f.Origin(), carried)
	if it.stable {
		fmt.Fprintf(&d, ", always with the same value (%s)", maskValue(it.display, it.lastValue))
	}
	fmt.Fprintf(&d, ". This %s %s does not carry it.", f.Method, shorten(pathOnly(f), 60))
	if ref.Refused {
		fmt.Fprintf(&d, " The server refused it: %s.", ref.Summary())
		if ref.says(namePhrases(it.display)...) {
			d.WriteString(" The refusal names the missing header.")
		}
	} else {
		d.WriteString(" It succeeded anyway, so the header may be optional here; if a later write fails, this is the first place to look.")
	}
	if it.first != 0 {
		title += fmt.Sprintf(" (again, first on #%d)", it.first)
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

// maskValue shows enough of a secret to recognise it, not to reuse it.
func maskValue(name, v string) string {
	if !isCredentialHeader(name) && !httpx.IsCredentialParam(name) {
		return shorten(v, 32)
	}
	if scheme, rest, ok := strings.Cut(v, " "); ok && len(scheme) < 12 {
		return scheme + " " + maskValue(name, rest)
	}
	if len(v) <= 8 {
		return strings.Repeat("•", len(v))
	}
	return v[:4] + "…" + v[len(v)-2:]
}
