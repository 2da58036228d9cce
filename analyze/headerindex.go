package analyze

import (
	"strings"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// headerID names a header the facts look up: classOf matches each header
// name against these once (strings.EqualFold, as capture.HeaderValue does),
// so a flow's lookups are one pass over its headers instead of a scan per
// name.
type headerID uint8

const (
	hOther headerID = iota
	hAuthorization
	hContentType
	hContentEncoding
	hAccept
	hUserAgent
	hCookie
	hSecFetchDest
	hSecFetchMode
	hSecFetchSite
	hACRequestMethod
	hWWWAuthenticate
	hSetCookie
	hLocation
	nHeaderIDs
)

var headerIDNames = [nHeaderIDs]string{
	hAuthorization: "Authorization", hContentType: "Content-Type", hContentEncoding: "Content-Encoding",
	hAccept: "Accept", hUserAgent: "User-Agent", hCookie: "Cookie", hSecFetchDest: "Sec-Fetch-Dest",
	hSecFetchMode: "Sec-Fetch-Mode", hSecFetchSite: "Sec-Fetch-Site",
	hACRequestMethod: "Access-Control-Request-Method", hWWWAuthenticate: "WWW-Authenticate",
	hSetCookie: "Set-Cookie", hLocation: "Location",
}

func headerIDOf(name string) headerID {
	for id := hOther + 1; id < nHeaderIDs; id++ {
		if strings.EqualFold(name, headerIDNames[id]) {
			return id
		}
	}
	return hOther
}

// headerIndex is, for each headerID, the position+1 of the first header of
// that name (0: none).
type headerIndex [nHeaderIDs]uint16

// maxIndexed is how many headers a headerIndex can point into; a flow with
// more (never seen in practice) is looked up the slow way.
const maxIndexed = 1<<16 - 1

// note records header i's id when it is the first of its name.
func (x *headerIndex) note(id headerID, i int) {
	if id != hOther && x[id] == 0 {
		x[id] = uint16(i + 1)
	}
}

func (x *headerIndex) value(hs []capture.Header, id headerID, indexed bool) string {
	if !indexed {
		return capture.HeaderValue(hs, headerIDNames[id])
	}
	if i := x[id]; i != 0 {
		return hs[i-1].Value
	}
	return ""
}

func (x *headerIndex) has(hs []capture.Header, id headerID, indexed bool) bool {
	if !indexed {
		return capture.HasHeader(hs, headerIDNames[id])
	}
	return x[id] != 0
}

// reqHeader is the first value of the request header id (RequestHeader).
func (fx *Facts) reqHeader(id headerID) string {
	return fx.reqIdx.value(fx.Flow.RequestHeaders, id, fx.indexed)
}

// respHeader is the first value of the response header id (ResponseHeader).
func (fx *Facts) respHeader(id headerID) string {
	return fx.respIdx.value(fx.Flow.ResponseHeaders, id, fx.indexed)
}

// hasReqHeader: the request carried the header id at all (HasRequestHeader).
func (fx *Facts) hasReqHeader(id headerID) bool {
	return fx.reqIdx.has(fx.Flow.RequestHeaders, id, fx.indexed)
}

// indexHeaders is the facts' one pass over the flow's headers: the index,
// the cookies sent, the lost-header candidates and CSRF headers (derive),
// and the response's WWW-Authenticate and Set-Cookie values.
func (fx *Facts) indexHeaders() (challenges, setCookies []string) {
	f := fx.Flow
	fx.indexed = len(f.RequestHeaders) <= maxIndexed && len(f.ResponseHeaders) <= maxIndexed
	for i, h := range f.RequestHeaders {
		hc := classOf(h.Name)
		if i < maxIndexed {
			fx.reqIdx.note(hc.id, i)
		}
		if hc.candidate && !hasCandidate(fx.candidates, hc.lower) {
			if fx.candidates == nil {
				fx.candidates = fx.candidateBuf[:0]
			}
			fx.candidates = append(fx.candidates, namedHeader{hc.lower, h})
		}
		if hc.csrf && !fx.fetchesCSRF {
			fx.csrfRequest, fx.fetchesCSRF = h, true
		}
		if hc.id == hCookie {
			if fx.Cookies == nil {
				fx.Cookies = fx.cookieBuf[:0]
			}
			fx.Cookies = httpx.AppendCookie(fx.Cookies, h.Value)
		}
		if hc.account && h.Value != "" && fx.accountHeader == 0 && i < maxIndexed {
			fx.accountHeader = uint16(i + 1)
		}
	}
	if len(fx.Cookies) == 0 {
		fx.Cookies = nil // as when no Cookie header held a pair
	}
	for i, h := range f.ResponseHeaders {
		hc := classOf(h.Name)
		if i < maxIndexed {
			fx.respIdx.note(hc.id, i)
		}
		if hc.csrf && !fx.answersCSRF {
			fx.csrfResponse, fx.answersCSRF = h, true
		}
		switch hc.id {
		case hWWWAuthenticate:
			challenges = append(challenges, h.Value)
		case hSetCookie:
			setCookies = append(setCookies, h.Value)
		}
	}
	fx.authorization = fx.reqHeader(hAuthorization)
	fx.contentType = fx.reqHeader(hContentType)
	fx.accept = fx.reqHeader(hAccept)
	fx.responseType = fx.respHeader(hContentType)
	return challenges, setCookies
}
