package analyze

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/provtap/provtap/capture"
)

// refusal is whether a server refused a request, and in its own words why.
type refusal struct {
	Refused bool
	Status  int
	Reason  string // e.g. "Access denied due to missing subscription key. …"
	// text is the lower-cased body and WWW-Authenticate, for keyword checks.
	text string
}

// refusalStatuses are the answers that mean "not with these credentials or
// this session": 401, 403, 407 (proxy), 409 (session conflict), 419 (Laravel
// session/CSRF expired), 440 (IIS login time-out).
var refusalStatuses = map[int]bool{401: true, 403: true, 407: true, 409: true, 419: true, 440: true}

// refusalPhrases in an error body mark a refusal whatever the status (a 400
// or 500 that says "invalid session").
var refusalPhrases = []string{
	"unauthori", "unauthenticated", "not authenticated", "requires user authentication",
	"authentication required", "authentication failed", "access denied", "permission denied",
	"subscription key", "invalid token", "invalid_token", "token expired", "token has expired",
	"session expired", "session has expired", "invalid session", "session already exists",
	"not logged in", "login required", "invalid credentials", "invalid api key", "csrf",
}

// maxRefusalBody bounds how much of a body is searched for a reason.
const maxRefusalBody = 64 << 10

// judgeRefusal decides whether f's response was a refusal.
func judgeRefusal(f *capture.Flow) refusal {
	r := refusal{Status: f.Status}
	if f.Status < 400 {
		return r
	}
	body, _ := capture.DecodedBody(f.ResponseBody, f.ResponseHeader("Content-Encoding"))
	if len(body) > maxRefusalBody {
		body = body[:maxRefusalBody]
	}
	challenge := strings.Join(f.ResponseHeaderValues("WWW-Authenticate"), ", ")
	r.text = strings.ToLower(string(body) + "\n" + challenge)
	r.Refused = refusalStatuses[f.Status] || challenge != ""
	if !r.Refused {
		for _, p := range refusalPhrases {
			if strings.Contains(r.text, p) {
				r.Refused = true
				break
			}
		}
	}
	if r.Refused {
		r.Reason = reasonFrom(body, f.ResponseHeader("Content-Type"))
		if r.Reason == "" && challenge != "" {
			r.Reason = "WWW-Authenticate: " + challenge
		}
	}
	return r
}

// Summary is "401 Access denied due to missing subscription key" for details.
func (r refusal) Summary() string {
	s := strconv.Itoa(r.Status)
	if r.Reason != "" {
		s += " “" + r.Reason + "”"
	}
	return s
}

// says reports whether the refusal's words contain any of the phrases.
func (r refusal) says(phrases ...string) bool {
	for _, p := range phrases {
		if p != "" && strings.Contains(r.text, strings.ToLower(p)) {
			return true
		}
	}
	return false
}

// reasonFields are where APIs put the human explanation, in order of preference.
var reasonFields = []string{"message", "description", "error_description", "detail", "errorMessage", "error", "title", "reason", "faultstring"}

var (
	tagPattern   = regexp.MustCompile(`<[^>]*>`)
	spacePattern = regexp.MustCompile(`\s+`)
)

// reasonFrom extracts one short sentence from a refusal body: a JSON message
// field, or the text of a short plain/XML body.
func reasonFrom(body []byte, contentType string) string {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return ""
	}
	if strings.HasPrefix(trimmed, "{") {
		var doc map[string]any
		if json.Unmarshal([]byte(trimmed), &doc) == nil {
			if s := jsonReason(doc, 0); s != "" {
				return shorten(s, 160)
			}
		}
		return ""
	}
	if strings.Contains(strings.ToLower(contentType), "html") || strings.HasPrefix(strings.ToLower(trimmed), "<!doctype") {
		return ""
	}
	text := strings.TrimSpace(spacePattern.ReplaceAllString(tagPattern.ReplaceAllString(trimmed, " "), " "))
	return shorten(text, 160)
}

func jsonReason(doc map[string]any, depth int) string {
	for _, k := range reasonFields {
		for dk, v := range doc {
			if !strings.EqualFold(dk, k) {
				continue
			}
			switch v := v.(type) {
			case string:
				if v != "" {
					return v
				}
			case map[string]any:
				if depth < 2 {
					if s := jsonReason(v, depth+1); s != "" {
						return s
					}
				}
			}
		}
	}
	return ""
}
