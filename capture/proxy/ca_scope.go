package proxy

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// Scope is the DNS domains the CA's certificate is constrained to, nil for
// an unconstrained CA.
func (ca *CA) Scope() []string {
	if ca == nil || len(ca.Cert.PermittedDNSDomains) == 0 {
		return nil
	}
	return append([]string(nil), ca.Cert.PermittedDNSDomains...)
}

// InScope reports whether the CA may sign for host, as a client checking
// its name constraints decides: always for an unconstrained CA; for a
// constrained one, a name equal to a domain or below it (below only, for a
// domain written with a leading dot), and never an IP address.
func (ca *CA) InScope(host string) bool {
	scope := ca.Scope()
	if len(scope) == 0 {
		return true
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" || net.ParseIP(host) != nil {
		return false
	}
	for _, d := range scope {
		d = strings.ToLower(d)
		if sub, ok := strings.CutPrefix(d, "."); ok {
			if strings.HasSuffix(host, "."+sub) {
				return true
			}
		} else if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// ParseScope reads a --limit-to list: DNS domains separated by commas
// ("example.com,.corp.example"). A domain covers itself and every name
// below it; with a leading dot only the names below it. The result is
// lower case, in the order given, without repeats. Wildcards, IP addresses,
// URLs and names that are not DNS names are refused with the reason.
func ParseScope(list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, raw := range strings.Split(list, ",") {
		d := strings.ToLower(strings.TrimSpace(raw))
		if d == "" {
			if strings.TrimSpace(list) == "" {
				return nil, errors.New("no domain given: want a list like example.com,.corp.example")
			}
			return nil, fmt.Errorf("an empty domain in %q: separate domains with single commas", list)
		}
		if err := checkScopeDomain(d); err != nil {
			return nil, err
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out, nil
}

func checkScopeDomain(d string) error {
	switch {
	case net.ParseIP(strings.Trim(d, "[]")) != nil:
		return fmt.Errorf("%s is an IP address: a name-constrained CA covers DNS names only, and hosts called by address are tunnelled", d)
	case strings.Contains(d, "://") || strings.ContainsAny(d, "/:"):
		return fmt.Errorf("%s is not a domain: give the host name only, like example.com", d)
	case strings.Contains(d, "*"):
		return fmt.Errorf("%s: no wildcards; example.com already covers every name below it (.example.com only those below)", d)
	}
	name := strings.TrimPrefix(d, ".")
	if strings.HasSuffix(name, ".") {
		return fmt.Errorf("%s: leave out the trailing dot", d)
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("%s is not a DNS name (an empty or too long label)", d)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
			case c == '-' && i > 0 && i < len(label)-1:
			case c >= 0x80:
				return fmt.Errorf("%s: write an international name in its xn-- (punycode) form, as certificates carry it", d)
			default:
				return fmt.Errorf("%s is not a DNS name (%q is not allowed in it)", d, c)
			}
		}
	}
	return nil
}
