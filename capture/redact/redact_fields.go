package redact

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// headers redacts a copy of hs.
func (r *Redactor) headers(hs []capture.Header) []capture.Header {
	if hs == nil {
		return nil
	}
	out := make([]capture.Header, len(hs))
	for i, h := range hs {
		out[i] = capture.Header{Name: h.Name, Value: r.headerValue(h.Name, h.Value)}
	}
	return out
}

func (r *Redactor) headerValue(name, v string) string {
	n := strings.ToLower(name)
	switch {
	case v == "":
		return v
	case n == "authorization" || n == "proxy-authorization":
		return r.authorization(v)
	case n == "cookie":
		return r.cookies(v)
	case n == "set-cookie":
		// Chrome's HAR joins several Set-Cookie lines with newlines.
		lines := strings.Split(v, "\n")
		for i, line := range lines {
			first, attrs, hasAttrs := strings.Cut(line, ";")
			lines[i] = r.cookies(first)
			if hasAttrs {
				lines[i] += ";" + attrs // Path, Domain, Expires, Max-Age, flags: kept
			}
		}
		return strings.Join(lines, "\n")
	case n == "www-authenticate" || n == "proxy-authenticate":
		return v // a challenge: scheme and realm, which analyzers compare
	case n == "location" || n == "content-location" || n == "referer" || n == "origin" || n == "refresh":
		return r.url(v)
	case httpx.IsCredentialHeader(n):
		// The CSRF handshake words are protocol, not secrets.
		if t := strings.ToLower(strings.TrimSpace(v)); t == "fetch" || t == "required" {
			return v
		}
		return r.secret(v)
	}
	return v
}

// authParamsKept are auth-params that describe, not prove (Digest, AWS, OAuth 1).
var authParamsKept = map[string]bool{"realm": true, "algorithm": true, "qop": true, "uri": true, "nc": true,
	"charset": true, "userhash": true, "signedheaders": true, "oauth_signature_method": true, "oauth_version": true}

var authParam = regexp.MustCompile(`([A-Za-z0-9_.-]+)(\s*=\s*)("(?:[^"\\]|\\.)*"|[^\s,"]*)`)

// authorization keeps the scheme and replaces the credentials; Basic ones
// stay valid base64 of "user:password" with both parts replaced.
func (r *Redactor) authorization(v string) string {
	sp := strings.IndexAny(v, " \t")
	if sp < 0 {
		return r.secret(v) // a bare key or token, no scheme
	}
	scheme, cred := v[:sp], strings.TrimLeft(v[sp:], " \t")
	lead := v[:len(v)-len(cred)]
	if strings.EqualFold(scheme, "Basic") {
		if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
			if user, pass, ok := strings.Cut(string(dec), ":"); ok {
				if p, seen := r.stand[cred]; seen {
					return lead + p
				}
				enc := base64.StdEncoding.EncodeToString([]byte(r.pseudo(user) + ":" + r.secret(pass)))
				return lead + r.remember(cred, enc)
			}
		}
	}
	if strings.Contains(cred, "=") && strings.Contains(cred, ",") || authParam.FindString(cred) == cred && strings.Contains(cred, "\"") {
		return lead + authParam.ReplaceAllStringFunc(cred, func(m string) string {
			sm := authParam.FindStringSubmatch(m)
			if authParamsKept[strings.ToLower(sm[1])] || sm[3] == "" {
				return m
			}
			val := sm[3]
			if strings.HasPrefix(val, "\"") && len(val) >= 2 {
				return sm[1] + sm[2] + "\"" + r.secret(val[1:len(val)-1]) + "\""
			}
			return sm[1] + sm[2] + r.secret(val)
		})
	}
	return lead + r.secret(cred)
}

// cookies replaces each value in "a=1; b=2" (a Cookie header, or the first
// part of a Set-Cookie), keeping names, quotes and spacing.
func (r *Redactor) cookies(v string) string {
	var b strings.Builder
	last := 0
	for _, p := range httpx.ParseCookie(v) {
		raw := v[p.ValueStart:p.End]
		if raw == "" {
			continue
		}
		b.WriteString(v[last:p.ValueStart])
		if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
			b.WriteString("\"" + r.secret(raw[1:len(raw)-1]) + "\"")
		} else {
			b.WriteString(r.secret(raw))
		}
		last = p.End
	}
	b.WriteString(v[last:])
	return b.String()
}

var matrixSession = regexp.MustCompile(`(?i)(;(?:jsessionid|phpsessid|sid)=)([^/?#;]+)`)

// url redacts credential parameters in the query and fragment, userinfo and
// ;jsessionid= path parameters of an absolute URL or a request target,
// leaving every other byte as it was.
func (r *Redactor) url(u string) string {
	if u == "" {
		return u
	}
	rest, frag, hasFrag := strings.Cut(u, "#")
	head, query, hasQuery := strings.Cut(rest, "?")
	if i := strings.Index(head, "://"); i >= 0 {
		auth := head[i+3:]
		if j := strings.IndexByte(auth, '/'); j >= 0 {
			auth = auth[:j]
		}
		if at := strings.LastIndexByte(auth, '@'); at >= 0 {
			user, pass, hasPass := strings.Cut(auth[:at], ":")
			info := r.pseudo(user)
			if hasPass {
				info += ":" + r.secret(pass)
			}
			head = head[:i+3] + info + head[i+3+at:]
		}
	}
	head = matrixSession.ReplaceAllStringFunc(head, func(m string) string {
		sm := matrixSession.FindStringSubmatch(m)
		return sm[1] + r.secret(sm[2])
	})
	out := head
	if hasQuery {
		out += "?" + r.params(query)
	}
	if hasFrag {
		out += "#" + r.params(frag)
	}
	return out
}

// params redacts the values of credential parameters in a=1&b=2.
func (r *Redactor) params(q string) string {
	if !strings.Contains(q, "=") {
		return q
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok || v == "" {
			continue
		}
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if httpx.IsCredentialParam(name) {
			parts[i] = k + "=" + r.queryValue(v)
			continue
		}
		// A URL inside a parameter (redirect_uri=…%3Fcode%3D…) has its own.
		if dec, err := url.QueryUnescape(v); err == nil && strings.ContainsAny(dec, "?#") && strings.Contains(dec, "=") {
			if red := r.url(dec); red != dec {
				parts[i] = k + "=" + url.QueryEscape(red)
			}
		}
	}
	return strings.Join(parts, "&")
}

// queryValue replaces a percent-encoded value by the encoding of its
// decoded value's stand-in, escaping where the original was escaped, so a
// key in a query and the same key in a header share one stand-in.
func (r *Redactor) queryValue(raw string) string {
	type unit struct {
		c   byte
		enc byte // 0 literal, '%' escaped, '+' a plus for a space
	}
	var units []unit
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '%' && i+2 < len(raw) && pctHexDigit(raw[i+1]) && pctHexDigit(raw[i+2]):
			units = append(units, unit{pctUnhex(raw[i+1])<<4 | pctUnhex(raw[i+2]), '%'})
			i += 2
		case c == '+':
			units = append(units, unit{' ', '+'})
		default:
			units = append(units, unit{c, 0})
		}
	}
	dec := make([]byte, len(units))
	for i, u := range units {
		dec[i] = u.c
	}
	p := r.secret(string(dec))
	if len(p) != len(units) {
		return url.QueryEscape(p) // a JWT's stand-in: its own length
	}
	var b strings.Builder
	for i, u := range units {
		switch {
		case u.enc == '%':
			fmt.Fprintf(&b, "%%%02X", p[i])
		case u.enc == '+' && p[i] == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte(p[i])
		}
	}
	return b.String()
}

func pctHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func pctUnhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
