package analyze

// TEMPORARY (branch kinds-patch): a stand-in for the lead's rejection()
// (analyze/rejection.go on main), removed when main is merged.

func rejection(fx *Facts) (Refusal, bool) {
	if fx.Refusal.Refused {
		return fx.Refusal, true
	}
	switch fx.Flow.Status {
	case 400, 406, 409, 412, 415, 422, 429:
	case 503:
		if fx.Flow.ResponseHeader("Retry-After") == "" {
			return fx.Refusal, false
		}
	default:
		return fx.Refusal, false
	}
	r := Refusal{Refused: true, Status: fx.Flow.Status, How: "status"}
	r.Reason = reasonFrom(fx.ResponseText(), fx.Flow.ResponseHeader("Content-Type"))
	return r, true
}
