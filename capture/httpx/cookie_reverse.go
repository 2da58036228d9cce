package httpx

import (
	"cmp"
	"strings"
)

// ForReverseClient is a Set-Cookie line as a reverse proxy passes it to a
// client that reaches it over plain http on a host of its own: without
// Secure (the client would never send the cookie back over http) and
// Domain (it names the target's host, which the client would refuse), and
// with a Path under the target's base path made relative to it, as the
// client's URLs are. The cookie then comes back exactly when it would go
// to the target directly. basePath is the target URL's path without its
// trailing slash ("" for none).
//
// A __Secure- or __Host- cookie is passed as it is: its name demands
// Secure, and a client that checks prefixes rejects it either way.
func ForReverseClient(line, basePath string) string {
	pair, attrs, ok := strings.Cut(line, ";")
	if !ok {
		return line
	}
	name := strings.TrimSpace(pair)
	if strings.HasPrefix(name, "__Secure-") || strings.HasPrefix(name, "__Host-") {
		return line
	}
	var b strings.Builder
	b.WriteString(pair)
	changed := false
	for _, a := range strings.Split(attrs, ";") {
		attr := strings.TrimSpace(a)
		key, value, _ := strings.Cut(attr, "=")
		key = strings.TrimSpace(key)
		switch {
		case strings.EqualFold(key, "secure"), strings.EqualFold(key, "domain"):
			changed = true
			continue
		case strings.EqualFold(key, "path") && basePath != "":
			if p := strings.TrimSpace(value); p == basePath || strings.HasPrefix(p, basePath+"/") {
				attr = key + "=" + cmp.Or(strings.TrimPrefix(p, basePath), "/")
				changed = true
			}
		}
		if attr != "" {
			b.WriteString("; ")
			b.WriteString(attr)
		}
	}
	if !changed {
		return line
	}
	return b.String()
}
