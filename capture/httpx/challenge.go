package httpx

import "strings"

// Challenge is one authentication challenge of a WWW-Authenticate (or
// Proxy-Authenticate) field, RFC 9110 §11.6.1:
//
//	challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
type Challenge struct {
	Scheme  string            // as the server spelled it
	Token68 string            // e.g. Negotiate's continuation token
	Params  map[string]string // auth-params, names lower-cased, quotes removed
}

// knownSchemes are registered (and common unregistered) auth-scheme names.
// A bare one where a token68 could stand is read as a scheme of its own:
// Restlet answers `Token Basic realm="…"`, meaning "Token, Basic realm=…".
var knownSchemes = setOf("basic", "bearer", "digest", "negotiate", "ntlm", "token", "hoba", "mutual",
	"scram-sha-1", "scram-sha-256", "vapid", "dpop", "kerberos", "oauth", "apikey", "api-key",
	"aws4-hmac-sha256", "sharedkey", "sharedaccesssignature", "privatetoken", "concealed", "gnap", "jwt")

// ParseChallenges parses every challenge in the field values (several
// fields, or one field with comma-separated challenges), leniently: what
// real servers send matters more than the grammar.
func ParseChallenges(values []string) []Challenge {
	p := challengeParser{s: strings.Join(values, ", ")}
	var out []Challenge
	for {
		p.skip(" \t,")
		if p.end() {
			return out
		}
		scheme := p.token()
		if scheme == "" {
			p.i++ // not a token character: skip it
			continue
		}
		c := Challenge{Scheme: scheme, Params: map[string]string{}}
		p.params(&c)
		out = append(out, c)
	}
}

type challengeParser struct {
	s string
	i int
}

func (p *challengeParser) end() bool { return p.i >= len(p.s) }

func (p *challengeParser) skip(chars string) {
	for p.i < len(p.s) && strings.IndexByte(chars, p.s[p.i]) >= 0 {
		p.i++
	}
}

func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// token reads a token (RFC 9110 §5.6.2); token68 adds "/" and trailing "=".
func (p *challengeParser) token() string {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// params reads what follows a scheme: a token68 or auth-params, up to the
// next challenge.
func (p *challengeParser) params(c *Challenge) {
	if p.end() || (p.s[p.i] != ' ' && p.s[p.i] != '\t') {
		return // the scheme alone (a comma, or the end, follows)
	}
	p.skip(" \t")
	for first := true; !p.end(); first = false {
		itemStart := p.i
		name := p.token()
		if name == "" {
			return
		}
		p.skip(" \t")
		if !p.end() && p.s[p.i] == '=' {
			eq := p.i
			p.i++
			p.skip(" \t")
			if !p.end() && p.s[p.i] != '=' && p.s[p.i] != ',' {
				c.Params[strings.ToLower(name)] = p.value()
				p.skip(" \t")
				if !p.end() && p.s[p.i] == ',' {
					p.skip(" \t,")
				}
				continue
			}
			p.i = eq
		}
		p.i = itemStart
		if first && !knownSchemes[strings.ToLower(name)] {
			t := p.token68()
			p.skip(" \t")
			if p.end() || p.s[p.i] == ',' {
				c.Token68 = t
				return
			}
			// More follows without a comma: that word was the next scheme.
			p.i = itemStart
		}
		return // the next challenge starts here
	}
}

func (p *challengeParser) token68() string {
	start := p.i
	for p.i < len(p.s) && (isTokenChar(p.s[p.i]) || p.s[p.i] == '/') {
		p.i++
	}
	for p.i < len(p.s) && p.s[p.i] == '=' {
		p.i++
	}
	return p.s[start:p.i]
}

// value reads a token or a quoted-string (backslash escapes removed).
func (p *challengeParser) value() string {
	if p.end() || p.s[p.i] != '"' {
		start := p.i
		for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != ' ' && p.s[p.i] != '\t' {
			p.i++
		}
		return p.s[start:p.i]
	}
	p.i++
	// Most quoted values escape nothing: the value is the text up to the
	// closing quote.
	if end := strings.IndexAny(p.s[p.i:], "\"\\"); end >= 0 && p.s[p.i+end] == '"' {
		v := p.s[p.i : p.i+end]
		p.i += end + 1
		return v
	}
	var b strings.Builder
	for p.i < len(p.s) && p.s[p.i] != '"' {
		if p.s[p.i] == '\\' && p.i+1 < len(p.s) {
			p.i++
		}
		b.WriteByte(p.s[p.i])
		p.i++
	}
	if p.i < len(p.s) {
		p.i++ // closing quote
	}
	return b.String()
}

// SchemeNames lists the challenges' schemes, each once, in order.
func SchemeNames(cs []Challenge) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cs {
		k := strings.ToLower(c.Scheme)
		if !seen[k] {
			seen[k] = true
			out = append(out, c.Scheme)
		}
	}
	return out
}

// Offers reports whether a challenge offers the scheme (case-insensitive).
func Offers(cs []Challenge, scheme string) bool {
	for _, c := range cs {
		if strings.EqualFold(c.Scheme, scheme) {
			return true
		}
	}
	return false
}

// BearerError is the error and error_description of a Bearer challenge
// (RFC 6750 §3): "invalid_token", "The access token expired".
func BearerError(cs []Challenge) (code, desc string) {
	for _, c := range cs {
		if strings.EqualFold(c.Scheme, "Bearer") || strings.EqualFold(c.Scheme, "DPoP") {
			if e := c.Params["error"]; e != "" {
				return e, c.Params["error_description"]
			}
		}
	}
	return "", ""
}

// AuthScheme is the scheme of an Authorization value ("Basic" of
// "Basic dXNlcjpwdw=="), and its credentials.
func AuthScheme(v string) (scheme, credentials string) {
	v = strings.TrimSpace(v)
	scheme, credentials, _ = strings.Cut(v, " ")
	return scheme, strings.TrimSpace(credentials)
}

// setOf is a set of names, lower-cased: look names up lower-cased.
func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = true
	}
	return m
}
