package analyze

// All returns a fresh instance of every analyzer, in a fixed order.
func All() []Analyzer {
	return []Analyzer{
		NewConcurrentSession(),
		NewDroppedCookie(),
		NewLostHeader(),
		NewLostQueryParam(),
		NewCSRFToken(),
		NewAuthStrippedRedirect(),
		NewExpiredToken(),
		NewAuthSchemeMismatch(),
		NewTLSUntrusted(),
	}
}

// Choices the contract leaves open, written down:
//
//   - A client is its IP address and User-Agent: ports change per connection,
//     and two programs on one host (a connector and the engineer's curl, a
//     health probe, a browser) keep separate cookie jars and configuration.
//     A HAR without client addresses is one client per User-Agent.
//   - A cookie set by flow A applies to flow B only if A's response ended
//     before B started, or A came earlier on B's connection (HTTP/1.x answers
//     in order, whatever the timestamps say). Expiry is judged on the
//     capture's clock. Secure cookies from http are ignored (RFC 6265bis, curl,
//     browsers); browsers' cross-site requests are expected to carry none.
//   - Severity: error when the request was refused (401, 403, 407, 409, 419,
//     440, a WWW-Authenticate challenge, or a 4xx/5xx body that says why) or,
//     for cookies, when the server answered by opening another session.
//     Otherwise warning for session cookies, info for the rest; a stale value
//     is one step lower. lost-header/lost-query-param say info once when a
//     consistently carried item is missing and nothing failed.
//   - Grouping: one finding per cookie (header, parameter) per request. A
//     repeat that is refused is reported again, pointing to the first; quiet
//     repeats are not (the first finding stands for them).
//   - "Consistently carried" for a header: more requests carried it than
//     succeeded without it, and at least one carrier was not refused; custom
//     headers need two carriers and a constant value (ids and traces change),
//     credentials one. Query parameters must keep one value (a signature or
//     one-time code changes), "code" needs two carriers. A value found under
//     another name (header ↔ query) was moved, not lost.
