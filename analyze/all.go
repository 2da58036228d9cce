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
		NewSCIMPatchDialect(),
		NewMediaType(),
		NewClientRejectedCookie(),
		NewUnresolvedTemplate(),
		NewRateLimited(),
		NewLookupCreateConflict(),
	}
}

// Choices the contract leaves open, written down:
//
//   - Logical clients (clients.go): a request belongs to the cookie store
//     whose cookie values it presents; else to the store last used on its
//     connection; else to its account's (same credentials, same program) or,
//     without credentials, its program's while that program used one
//     account. Only cookie lineage is proof for cookies; a guessed tie
//     whose response opens another session starts a store of its own, and
//     the finding waits up to a minute for that session to be presented.
//   - A cookie set by flow A applies to flow B only if A's response ended
//     before B started, or A came earlier on B's connection (HTTP/1.x answers
//     in order, whatever the timestamps say). Expiry is judged on the
//     capture's clock. Secure cookies from http are ignored (RFC 6265bis, curl,
//     browsers); browsers' cross-site requests are expected to carry none.
//   - Severity: error only when the request was refused (refusal.go: 401,
//     403, 407, 409, 419, 440, a challenge, an error body, a sign-in
//     redirect, an error inside a 2xx); a TLS handshake the client broke off
//     counts as refused, since no request could be sent. Otherwise warning
//     or info by how sure the tie and how much the cookie or header matters.
//     The analyzers of a request's shape (scim-patch-dialect, media-type,
//     unresolved-template, rate-limited, lookup-create-conflict) also count
//     the server's rejection of it as refused (rejection.go: 400, 406, 409,
//     412, 415, 422, 429, a 503 with Retry-After); the engine's refusal,
//     which the session and header analyzers read, stays about credentials.
//   - The unanswered half of a challenge (challenges.go) is the protocol:
//     no analyzer judges it; the answer is judged.
//   - Problems (problems.go): one kind, one logical client, one cookie,
//     header or parameter, one API; every affected request gets a finding.
//   - "Consistently carried" for a header: more requests of the same client
//     carried it to the same API than succeeded without it, and at least one
//     carrier was not refused; custom headers need two carriers and a
//     constant value (ids and traces change), credentials one; a refusal
//     that names the header is decisive. Query parameters must keep one value
//     (a signature or one-time code changes), "code" needs two carriers. A
//     value found under another name (header ↔ query) was moved, not lost.
