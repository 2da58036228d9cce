package analyze

import "strings"

// rejectionStatuses are the answers that refuse a request for its shape
// rather than its credentials: 400 (bad request, SCIM invalidValue…), 406
// (no acceptable media type), 409 (conflict, SCIM uniqueness), 412
// (If-Match failed), 415 (unsupported media type), 422 (unprocessable),
// 429 (too many requests). The engine's Refusal stays about credentials and
// sessions; the analyzers of request shapes judge severity by rejection.
var rejectionStatuses = map[int]bool{400: true, 406: true, 409: true, 412: true, 415: true, 422: true, 429: true}

// rejection is the engine's refusal when there is one, else the server's
// rejection of the request's shape: a status of rejectionStatuses, or a 503
// that says when to come back (Retry-After: rate limiting, not an outage).
func rejection(fx *Facts) (Refusal, bool) {
	if fx.Refusal.Refused {
		return fx.Refusal, true
	}
	f := fx.Flow
	if !fx.Analyzable {
		return Refusal{}, false
	}
	if !rejectionStatuses[f.Status] && (f.Status != 503 || f.ResponseHeader("Retry-After") == "") {
		return Refusal{}, false
	}
	r := Refusal{Refused: true, Status: f.Status, How: "status"}
	r.Reason = reasonFrom(fx.ResponseText(), f.ResponseHeader("Content-Type"))
	r.text = lowerJoined(fx.ResponseText(), "")
	if r.Reason == "" && f.Status == 503 {
		r.Reason = "Retry-After: " + strings.TrimSpace(f.ResponseHeader("Retry-After"))
	}
	return r, true
}
