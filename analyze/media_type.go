package analyze

import (
	"fmt"
	"mime"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
)

// KindMediaType: a 415 or 406 and the Content-Type or Accept that caused it.
const KindMediaType = "media-type"

// MediaType remembers, per logical client and API, the Content-Type and
// Accept values of the requests that worked and the Content-Type the server
// answered them with; on a 415 it names the request's Content-Type (or its
// absence on a body), on a 406 its Accept, against that evidence and the
// server's own hints (Accept, Accept-Post, Accept-Patch, Accept-Encoding on
// the refusal).
//
// Choices: a 415 is blamed on the Content-Type only when the request had a
// body or a Content-Type (a bodyless request has nothing to type), and
// not when the same Content-Type worked for the same method of the same
// client and API (then the type is not what the server objects to). A 415
// on a Content-Encoded body whose answer names Accept-Encoding is blamed
// on the coding. A 406 is blamed on Accept only when Accept excludes
// something: no Accept, or one that takes */* or type/*, cannot cause it
// (mod_security and other WAFs answer 406 to block a request). Error when
// rejection() counts the answer refused (415 and 406 are), else warning.
// "What the server wants" comes from its hints, else from the requests
// that worked, else, on a SCIM API, from RFC 7644 (application/scim+json,
// UTF-8). State: up to four values per header per client and API, at most
// 4096 clients × APIs, aged out after an hour of the capture's clock.
type MediaType struct {
	apis map[mediaKey]*mediaState
}

type mediaKey struct{ client, api string }

type mediaState struct {
	contentTypes []mediaSeen // Content-Type of writes that worked
	accepts      []mediaSeen // Accept of requests that worked
	produced     mediaSeen   // the Content-Type of the latest successful response with a body
	scim         bool        // a SCIM media type was seen on this API
	lastAt       time.Time
}

// mediaSeen is a header value and the first request that carried it with success.
type mediaSeen struct {
	value  string
	method string
	flow   int
}

const (
	mediaValuesKept = 4
	mediaAPIsKept   = 4096
	mediaAge        = time.Hour
)

// NewMediaType returns the media-type analyzer.
func NewMediaType() *MediaType { return &MediaType{apis: map[mediaKey]*mediaState{}} }

// Name implements Analyzer.
func (a *MediaType) Name() string { return KindMediaType }

// Observe implements Analyzer.
func (a *MediaType) Observe(fx *Facts, emit func(Finding)) {
	f := fx.Flow
	if !fx.Analyzable || fx.Preflight || fx.Challenged {
		return
	}
	ok := f.Status >= 200 && f.Status < 300
	if !ok && f.Status != 415 && f.Status != 406 {
		return
	}
	client := ""
	if fx.Client != nil {
		client = fx.Client.Key
	}
	key := mediaKey{client, fx.API}
	st := a.apis[key]
	if ok {
		if ref, refused := rejection(fx); refused && ref.How == "error-in-2xx" {
			return
		}
		if st == nil {
			st = a.add(key, f.Start)
		}
		st.record(fx)
		return
	}
	if st == nil {
		st = &mediaState{}
	}
	var fd Finding
	var found bool
	if f.Status == 415 {
		fd, found = judge415(fx, st)
	} else {
		fd, found = judge406(fx, st)
	}
	if !found {
		return
	}
	if ref, refused := rejection(fx); refused {
		fd.Severity = Error
		if ref.Reason != "" {
			fd.Detail += " The server said: “" + ref.Reason + "”."
		}
	} else {
		fd.Severity = Warning
	}
	fd.group += "\x00" + client + "\x00" + fx.API
	emit(fd)
}

// add makes room for one more client × API, by the capture's clock.
func (a *MediaType) add(key mediaKey, now time.Time) *mediaState {
	if len(a.apis) >= mediaAPIsKept {
		for k, s := range a.apis {
			if now.Sub(s.lastAt) > mediaAge {
				delete(a.apis, k)
			}
		}
		if len(a.apis) >= mediaAPIsKept {
			clear(a.apis)
		}
	}
	st := &mediaState{}
	a.apis[key] = st
	return st
}

func (st *mediaState) record(fx *Facts) {
	f := fx.Flow
	st.lastAt = f.Start
	if ct := fx.contentType; ct != "" && f.RequestBody.Size > 0 {
		st.contentTypes = remember(st.contentTypes, ct, f)
		st.scim = st.scim || containsFold(ct, "scim+json")
	}
	if acc := fx.accept; acc != "" {
		st.accepts = remember(st.accepts, acc, f)
	}
	if rct := fx.responseType; rct != "" && f.ResponseBody.Size > 0 {
		if !strings.EqualFold(st.produced.value, rct) {
			st.produced = mediaSeen{rct, f.Method, f.ID}
		}
		st.scim = st.scim || containsFold(rct, "scim+json")
	}
}

func remember(seen []mediaSeen, v string, f *capture.Flow) []mediaSeen {
	for _, s := range seen {
		if s.method == f.Method && strings.EqualFold(s.value, v) {
			return seen
		}
	}
	if len(seen) >= mediaValuesKept {
		return seen
	}
	return append(seen, mediaSeen{v, f.Method, f.ID})
}

// isSCIMAPI: the request goes to a SCIM service (its path, or the media
// types seen on the API).
func isSCIMAPI(fx *Facts, st *mediaState) bool {
	if st.scim || containsFold(fx.Path, "/scim") {
		return true
	}
	seg, _, _ := strings.Cut(strings.TrimPrefix(fx.Path, "/"), "/")
	return scimEndpoints[strings.ToLower(seg)]
}

const scimMedia = "application/scim+json"

// serverHints are the response's own statements of what it takes.
func serverHints(f *capture.Flow, names ...string) []string {
	var out []string
	for _, n := range names {
		for _, v := range f.ResponseHeaderValues(n) {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, n+": "+v)
			}
		}
	}
	return out
}

func baseType(v string) (base string, params map[string]string) {
	mt, ps, err := mime.ParseMediaType(v)
	if err != nil {
		b, _, _ := strings.Cut(v, ";")
		return strings.ToLower(strings.TrimSpace(b)), nil
	}
	return mt, ps
}

func judge415(fx *Facts, st *mediaState) (Finding, bool) {
	f := fx.Flow
	ct := fx.reqHeader(hContentType)
	hasBody := f.RequestBody.Size > 0
	if ct == "" && !hasBody {
		return Finding{}, false
	}
	for _, s := range st.contentTypes {
		if s.method == f.Method && strings.EqualFold(s.value, ct) {
			return Finding{}, false
		}
	}
	on := f.Method + " " + shorten(pathOnly(f), 64)
	hints := serverHints(f, "Accept", "Accept-Post", "Accept-Patch")
	var rel []int
	var worked []string
	for _, s := range st.contentTypes {
		worked = append(worked, fmt.Sprintf("%s #%d sent Content-Type: %s and succeeded", s.method, s.flow, s.value))
		rel = append(rel, s.flow)
	}
	fd := Finding{Kind: KindMediaType, Flow: f.ID}
	var d strings.Builder
	base, params := baseType(ct)
	want := wantedType(fx, st, hints)
	coding := fx.reqHeader(hContentEncoding)
	switch {
	case coding != "" && len(f.ResponseHeaderValues("Accept-Encoding")) > 0:
		hints = serverHints(f, "Accept-Encoding")
		fd.Title = fmt.Sprintf("%s refused 415: the server does not take a %s-encoded body", on, coding)
		fd.group = KindMediaType + "\x00content-encoding:" + strings.ToLower(coding)
		fmt.Fprintf(&d, "This %s sent its body with Content-Encoding: %s; the server answered 415 Unsupported Media Type and "+
			"names the codings it takes (RFC 9110 §15.5.16).", on, coding)
		fd.Fix = "Turn off request compression in the connector (or its HTTP client), or enable request decompression on the server."
	case ct == "":
		fd.Title = fmt.Sprintf("%s refused 415: a %d-byte body without Content-Type", on, f.RequestBody.Size)
		fd.group = KindMediaType + "\x00content-type:missing"
		fmt.Fprintf(&d, "This %s sent a %d-byte body and no Content-Type header; the server answered 415 Unsupported Media Type.", on, f.RequestBody.Size)
		fd.Fix = fmt.Sprintf("Make the connector send Content-Type: %s on every request with a body (its content-type / header "+
			"setting for writes), or make the server assume JSON when Content-Type is missing.", orDefault(want, "application/json"))
	case want != "" && strings.EqualFold(base, want) && params["charset"] != "":
		fd.Title = fmt.Sprintf("%s refused 415: charset=%s rejected, the server wants %s in UTF-8", on, params["charset"], want)
		fd.group = KindMediaType + "\x00content-type:" + strings.ToLower(ct)
		fmt.Fprintf(&d, "This %s sent Content-Type: %s: the type is the one the server wants, the charset is not.", on, ct)
		if fx.API != "" && isSCIMAPI(fx, st) {
			d.WriteString(` RFC 7644 §3.8: SCIM servers MUST accept UTF-8, "UTF-8 SHALL be the default encoding format"; other charsets are the server's choice.`)
		}
		fd.Fix = fmt.Sprintf("Make the connector send Content-Type: %s (UTF-8, or no charset parameter) and encode the body in UTF-8; "+
			"or configure the server to accept charset=%s.", want, params["charset"])
	default:
		wants := ""
		if want != "" {
			wants = ", the server wants " + want
		}
		fd.Title = fmt.Sprintf("%s refused 415: Content-Type %s%s", on, ct, wants)
		fd.group = KindMediaType + "\x00content-type:" + strings.ToLower(ct)
		fmt.Fprintf(&d, "This %s sent Content-Type: %s; the server answered 415 Unsupported Media Type.", on, ct)
		if want == scimMedia && !strings.EqualFold(base, scimMedia) {
			d.WriteString(" RFC 7644 §8.1 registers application/scim+json for SCIM messages; a SCIM-strict server refuses " + base + ".")
		}
		if want != "" {
			fd.Fix = fmt.Sprintf("Make the connector send Content-Type: %s on writes (its content-type setting, or a custom header "+
				"on every write), or configure the server to accept %s as well.", want, base)
		} else {
			fd.Fix = "Send the media type the server documents for this endpoint, or configure the server to accept " + base + "."
		}
	}
	writeEvidence(&d, worked, hints)
	fd.Detail = d.String()
	fd.Related = related(f.ID, rel)
	return fd, true
}

// wantedType is the media type the server takes: its hint, else what
// worked, else on a SCIM API RFC 7644's.
func wantedType(fx *Facts, st *mediaState, hints []string) string {
	for _, h := range hints {
		_, v, _ := strings.Cut(h, ": ")
		for _, part := range strings.Split(v, ",") {
			if b, _ := baseType(part); b != "" && b != "*/*" {
				return b
			}
		}
	}
	if len(st.contentTypes) > 0 {
		return baseOnly(st.contentTypes[0].value)
	}
	if isSCIMAPI(fx, st) {
		return scimMedia
	}
	return ""
}

func baseOnly(v string) string { b, _ := baseType(v); return b }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func writeEvidence(d *strings.Builder, worked, hints []string) {
	if len(worked) > 0 {
		d.WriteString(" On this API, this client's ")
		d.WriteString(strings.Join(worked, "; "))
		d.WriteString(".")
	}
	if len(hints) > 0 {
		d.WriteString(" The refusal names what the server takes: ")
		d.WriteString(strings.Join(hints, "; "))
		d.WriteString(".")
	}
}

// acceptsAnything: an Accept that takes */* or some type/* — it cannot be
// why the server found nothing acceptable.
func acceptsAnything(acc string) bool {
	for _, part := range strings.Split(acc, ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		mt = strings.TrimSpace(mt)
		if !strings.HasSuffix(mt, "/*") {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
				fmt.Sscanf(v, "%g", &q)
			}
		}
		if q > 0 {
			return true
		}
	}
	return false
}

func judge406(fx *Facts, st *mediaState) (Finding, bool) {
	f := fx.Flow
	acc := fx.reqHeader(hAccept)
	if strings.TrimSpace(acc) == "" || acceptsAnything(acc) {
		return Finding{}, false
	}
	for _, s := range st.accepts {
		if s.method == f.Method && strings.EqualFold(s.value, acc) {
			return Finding{}, false
		}
	}
	on := f.Method + " " + shorten(pathOnly(f), 64)
	var rel []int
	var worked []string
	for _, s := range st.accepts {
		worked = append(worked, fmt.Sprintf("%s #%d sent Accept: %s and succeeded", s.method, s.flow, s.value))
		rel = append(rel, s.flow)
	}
	if st.produced.flow != 0 {
		worked = append(worked, fmt.Sprintf("the server answered %s #%d with Content-Type: %s", st.produced.method, st.produced.flow, st.produced.value))
		rel = append(rel, st.produced.flow)
	}
	want := ""
	if st.produced.flow != 0 {
		want = baseOnly(st.produced.value)
	} else if rct := fx.respHeader(hContentType); containsFold(rct, "scim+json") {
		want = scimMedia
	} else if isSCIMAPI(fx, st) {
		want = scimMedia
	}
	wants := ""
	if want != "" {
		wants = ", the server answers " + want
	}
	fd := Finding{Kind: KindMediaType, Flow: f.ID, Related: related(f.ID, rel),
		Title: fmt.Sprintf("%s refused 406: Accept %s%s", on, shorten(acc, 60), wants),
		group: KindMediaType + "\x00accept:" + strings.ToLower(acc)}
	var d strings.Builder
	fmt.Fprintf(&d, "This %s sent Accept: %s, which excludes every type the server produces for it; the server answered 406 Not Acceptable.", on, acc)
	if want == scimMedia && !containsFold(acc, "scim+json") {
		d.WriteString(" A SCIM-strict server answers application/scim+json (RFC 7644 §8.1) and refuses a client that accepts only " + acc + ".")
	}
	writeEvidence(&d, worked, nil)
	fd.Detail = d.String()
	if want != "" {
		fd.Fix = fmt.Sprintf("Make the connector send Accept: %s (or add it to the Accept list, e.g. \"%s, application/json\"), "+
			"or configure the server to answer %s too.", want, want, baseOnly(acc))
	} else {
		fd.Fix = "Make the connector's Accept include the type the server produces (or */*), or configure the server to produce " + baseOnly(acc) + "."
	}
	return fd, true
}
