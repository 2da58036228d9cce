package redact

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// Redactor replaces the secrets in flows by pseudonyms, for a capture that
// can be attached to a forum post or a vendor ticket: credentials in
// Authorization and Proxy-Authorization, cookie and Set-Cookie values,
// API-key and token headers, credential query and form parameters,
// passwords, secrets and tokens in JSON, form, XML and multipart bodies, and
// JWTs anywhere.
//
// A pseudonym keeps what a helper needs to see and what the analyzers
// compare: the same secret gets the same stand-in everywhere it occurs (in a
// header, a cookie, a query, a body, in every flow the Redactor sees), two
// secrets never share one, and a stand-in has the secret's length and
// shape (letters for letters, digits for digits, punctuation kept) so sizes,
// UUID and base64 forms survive. Scheme words (Basic, Bearer), names of
// headers, cookies and parameters, cookie attributes, JSON structure and a
// JWT's times (exp, iat, nbf) stay as they were. Stand-ins come from
// HMAC-SHA256 under a key drawn for each Redactor, so they cannot be reversed
// by guessing candidate secrets.
type Redactor struct {
	mu    sync.Mutex
	key   []byte
	stand map[string]string // secret → stand-in
	taken map[string]bool   // stand-ins given out
	scrub map[string]bool   // secrets to replace wherever they occur as text
	repl  *strings.Replacer // built from scrub, nil when stale
	// later: a capture's first pass (learned), which scrubs nothing (the
	// second scrubs every flow with all the secrets): each new secret would
	// otherwise rebuild repl for the next flow, a capture's worth of
	// secrets for each of its flows.
	later bool
}

// NewRedactor returns a Redactor with a fresh random key.
func NewRedactor() *Redactor {
	key := make([]byte, 32)
	rand.Read(key) // never fails (crypto/rand aborts the program instead)
	return &Redactor{key: key, stand: map[string]string{}, taken: map[string]bool{}, scrub: map[string]bool{}}
}

// Secrets is the number of distinct values replaced so far.
func (r *Redactor) Secrets() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.stand)
}

// Flows redacts a whole capture. A secret first recognised in a later flow
// (a token in a header) is also replaced where it appears as plain text in
// an earlier one (an error body quoting it).
func (r *Redactor) Flows(flows []*capture.Flow) []*capture.Flow {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*capture.Flow, len(flows))
	for i, f := range flows {
		out[i] = r.learned(f)
	}
	for _, g := range out {
		r.scrubFlow(g)
	}
	return out
}

// Learn is the first pass of a capture streamed through the Redactor, for
// one that is not held in memory: every flow in order, then Final for each
// flow in the same order gives what Flows gives.
func (r *Redactor) Learn(f *capture.Flow) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.learned(f)
}

// Final is the redacted copy of a flow Learn saw (the stand-ins are the
// ones it drew), scrubbed of every secret the whole capture showed.
func (r *Redactor) Final(f *capture.Flow) *capture.Flow {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.learned(f)
	r.scrubFlow(g)
	return g
}

// learned is flow's first pass: its fields redacted and its secrets
// remembered, the text-wide scrub left for when all are known.
func (r *Redactor) learned(f *capture.Flow) *capture.Flow {
	r.later = true
	defer func() { r.later = false }()
	return r.flow(f)
}

// Flow returns a redacted copy of f; f itself is not changed.
func (r *Redactor) Flow(f *capture.Flow) *capture.Flow {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.flow(f)
}

func (r *Redactor) flow(f *capture.Flow) *capture.Flow {
	g := *f
	g.URL = r.url(f.URL)
	g.Target = r.url(f.Target)
	g.RequestHeaders = r.headers(f.RequestHeaders)
	g.ResponseHeaders = r.headers(f.ResponseHeaders)
	g.RequestBody = r.body(f.RequestBody, f.RequestHeaders, g.RequestHeaders)
	g.ResponseBody = r.body(f.ResponseBody, f.ResponseHeaders, g.ResponseHeaders)
	g.Error = r.text(f.Error)
	r.scrubFlow(&g)
	return &g
}

// scrubFlow replaces known secrets and JWTs wherever they occur as text.
func (r *Redactor) scrubFlow(g *capture.Flow) {
	g.URL, g.Target, g.Error = r.text(g.URL), r.text(g.Target), r.text(g.Error)
	for _, hs := range [][]capture.Header{g.RequestHeaders, g.ResponseHeaders} {
		for i := range hs {
			hs[i].Value = r.text(hs[i].Value)
		}
	}
	for _, m := range []struct {
		b  *capture.Body
		hs []capture.Header
	}{{&g.RequestBody, g.RequestHeaders}, {&g.ResponseBody, g.ResponseHeaders}} {
		if b := m.b; len(b.Bytes) > 0 {
			nb := []byte(r.text(string(b.Bytes)))
			if len(nb) != len(b.Bytes) {
				b.Size += int64(len(nb) - len(b.Bytes))
				if !b.Truncated {
					fixLength(m.hs, len(b.Bytes), len(nb))
				}
			}
			b.Bytes = nb
		}
	}
}

// text replaces JWTs and every secret already known in s.
func (r *Redactor) text(s string) string {
	if s == "" {
		return s
	}
	if strings.Contains(s, "eyJ") {
		s = httpx.JWTPattern.ReplaceAllStringFunc(s, func(m string) string {
			if r.taken[m] {
				return m // a stand-in from an earlier pass
			}
			return r.secret(m)
		})
	}
	if len(r.scrub) == 0 || r.later {
		return s
	}
	if r.repl == nil {
		secrets := make([]string, 0, len(r.scrub))
		for k := range r.scrub {
			secrets = append(secrets, k)
		}
		// Longest first, so a secret inside a longer one does not win.
		sort.Slice(secrets, func(i, j int) bool {
			if len(secrets[i]) != len(secrets[j]) {
				return len(secrets[i]) > len(secrets[j])
			}
			return secrets[i] < secrets[j]
		})
		var pairs []string
		for _, k := range secrets {
			pairs = append(pairs, k, r.stand[k])
		}
		r.repl = strings.NewReplacer(pairs...)
	}
	return r.repl.Replace(s)
}

// secret returns s's stand-in and remembers s to replace it wherever else
// it occurs, when it is distinctive enough that doing so cannot hit
// ordinary text.
func (r *Redactor) secret(s string) string {
	p := r.pseudo(s)
	if p != s {
		if len(s) >= 16 || len(s) >= 6 && strings.ContainsAny(s, "0123456789") && strings.IndexFunc(s, asciiLetter) >= 0 {
			if !r.scrub[s] {
				r.scrub[strings.Clone(s)] = true
				r.repl = nil
			}
		}
	}
	return p
}

func asciiLetter(c rune) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// pseudo returns s's stand-in without marking s for text-wide replacement
// (a user name in Basic credentials is not worth hunting in every path).
func (r *Redactor) pseudo(s string) string {
	if s == "" {
		return s
	}
	if p, ok := r.stand[s]; ok {
		return p
	}
	// A stand-in must be new (two secrets never look equal) and should not
	// be another secret; tiny domains (one digit) may force a longer one.
	var p string
	for attempt := 0; ; attempt++ {
		src := s
		if attempt >= 48 {
			src = s + s[:1] + strings.Repeat("0", attempt-48)
		}
		if httpx.JWTPattern.FindString(s) == s {
			p = r.jwtStandIn(src, attempt)
		} else {
			p = r.shape(src, attempt)
		}
		_, isSecret := r.stand[p]
		if p != s && !r.taken[p] && (!isSecret || attempt >= 16) {
			break
		}
	}
	// Cloned: s may be a slice of a decoded batch's text, which a map of
	// a capture's secrets would otherwise keep whole.
	r.stand[strings.Clone(s)], r.taken[p] = p, true
	return p
}

// remember records a stand-in computed from parts (Basic credentials).
func (r *Redactor) remember(s, p string) string {
	if q, ok := r.stand[s]; ok {
		return q
	}
	s = strings.Clone(s) // as pseudo keeps it
	r.stand[s], r.taken[p] = p, true
	if len(s) >= 8 && !r.scrub[s] {
		r.scrub[s], r.repl = true, nil
	}
	return p
}

// shape maps s to a keyed stand-in of the same byte length: each digit to a
// digit, each ASCII letter to one of the same case, each non-ASCII
// character to as many letters as it had bytes; punctuation stays.
func (r *Redactor) shape(s string, attempt int) string {
	next := r.stream(s, attempt)
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			out = append(out, '0'+next()%10)
		case c >= 'a' && c <= 'z':
			out = append(out, 'a'+next()%26)
		case c >= 'A' && c <= 'Z':
			out = append(out, 'A'+next()%26)
		case c < utf8.RuneSelf:
			out = append(out, c)
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			for k := 0; k < size; k++ {
				out = append(out, 'a'+next()%26)
			}
			i += size
			continue
		}
		i++
	}
	return string(out)
}

// stream is a keystream for s: HMAC-SHA256(key, attempt|counter|s) blocks.
func (r *Redactor) stream(s string, attempt int) func() byte {
	var block []byte
	var ctr uint32
	return func() byte {
		if len(block) == 0 {
			m := hmac.New(sha256.New, r.key)
			var hdr [8]byte
			binary.BigEndian.PutUint32(hdr[:4], uint32(attempt))
			binary.BigEndian.PutUint32(hdr[4:], ctr)
			m.Write(hdr[:])
			m.Write([]byte(s))
			block = m.Sum(nil)
			ctr++
		}
		b := block[0]
		block = block[1:]
		return b
	}
}

// jwtKeepClaims are the claims kept in a JWT's stand-in: times (the
// expired-token analyzer reads exp) and token kinds, no identities.
var jwtKeepClaims = map[string]bool{"exp": true, "nbf": true, "iat": true, "auth_time": true,
	"typ": true, "token_use": true, "ver": true, "scope": true, "scp": true}

// jwtStandIn keeps the header (algorithm, key id), rewrites the payload's
// claim values but the kept ones, and replaces the signature.
func (r *Redactor) jwtStandIn(tok string, attempt int) string {
	parts := strings.Split(tok, ".")
	for i := 1; i < len(parts); i++ {
		if i == 1 {
			if claims, padded, err := httpx.DecodeSegment(parts[1]); err == nil {
				w := &jsonWalker{r: r, b: claims, keep: jwtKeepClaims}
				if out, ok := w.rewrite(true); ok {
					parts[1] = httpx.EncodeSegment(out, padded)
					continue
				}
			}
		}
		parts[i] = r.shape(parts[i], attempt)
	}
	return strings.Join(parts, ".")
}
