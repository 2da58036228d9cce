package httpx

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

func TestParseChallenges(t *testing.T) {
	cases := []struct {
		in   []string
		want string // scheme{param=value,…}[token68] …
	}{
		{[]string{`Basic realm="SCIM"`}, `Basic{realm=SCIM}`},
		// Restlet's (seed 1): two schemes without a comma.
		{[]string{`Token Basic realm="IdentityAdmin"`}, `Token{} Basic{realm=IdentityAdmin}`},
		{[]string{`Token, Basic realm="IdentityAdmin"`}, `Token{} Basic{realm=IdentityAdmin}`},
		// RFC 9110 §11.6.1's example.
		{[]string{`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`},
			`Newauth{realm=apps,title=Login to "apps",type=1} Basic{realm=simple}`},
		{[]string{`Bearer realm="scim", error="invalid_token", error_description="The access token expired"`},
			`Bearer{error=invalid_token,error_description=The access token expired,realm=scim}`},
		{[]string{`Negotiate`, `NTLM`}, `Negotiate{} NTLM{}`},
		{[]string{`Negotiate oYH1MIHyoAMKAQChCwYJKoZIgvcSAQICooHdBIHa==`}, `Negotiate{}[oYH1MIHyoAMKAQChCwYJKoZIgvcSAQICooHdBIHa==]`},
		{[]string{`Negotiate abc=, Basic realm=x`}, `Negotiate{}[abc=] Basic{realm=x}`},
		{[]string{`Basic realm="a", Bearer realm="b" , Digest realm="c", nonce="n", qop="auth"`},
			`Basic{realm=a} Bearer{realm=b} Digest{nonce=n,qop=auth,realm=c}`},
		{[]string{`Bearer`}, `Bearer{}`},
		{[]string{`Foo Bar realm=x`}, `Foo{} Bar{realm=x}`},
		{[]string{`Basic realm = "spaced" , charset="UTF-8"`}, `Basic{charset=UTF-8,realm=spaced}`},
		{[]string{``, ` , `}, ``},
		{[]string{`"junk" Basic`}, `junk{} Basic{}`},
		// Quoted values without escapes are the text between the quotes;
		// one cut off runs to the end.
		{[]string{`Basic realm="", charset="UTF-8"`}, `Basic{charset=UTF-8,realm=}`},
		{[]string{`Basic realm="a\\b", charset="cut`}, `Basic{charset=cut,realm=a\b}`},
	}
	for _, c := range cases {
		if got := formatChallenges(ParseChallenges(c.in)); got != c.want {
			t.Errorf("ParseChallenges(%q)\n got  %s\n want %s", c.in, got, c.want)
		}
	}
}

func formatChallenges(cs []Challenge) string {
	var parts []string
	for _, c := range cs {
		var ps []string
		for k, v := range c.Params {
			ps = append(ps, k+"="+v)
		}
		sort.Strings(ps)
		s := fmt.Sprintf("%s{%s}", c.Scheme, strings.Join(ps, ","))
		if c.Token68 != "" {
			s += "[" + c.Token68 + "]"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestBearerErrorAndScheme(t *testing.T) {
	code, desc := BearerError(ParseChallenges([]string{`Basic realm="x", Bearer error="invalid_token", error_description="expired"`}))
	if code != "invalid_token" || desc != "expired" {
		t.Errorf("bearerError = %q %q", code, desc)
	}
	if s, c := AuthScheme("  Bearer  eyJ.a.b "); s != "Bearer" || c != "eyJ.a.b" {
		t.Errorf("authScheme = %q %q", s, c)
	}
	if !Offers(ParseChallenges([]string{`token BASIC realm=x`}), "Basic") {
		t.Error("schemes are case-insensitive")
	}
}

func FuzzParseChallenges(f *testing.F) {
	for _, s := range []string{`Token Basic realm="x"`, `Negotiate abc==`, `a b c=d, e="f\"g"`, `,,,`, `x="unterminated`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range ParseChallenges([]string{s}) {
			if c.Scheme == "" {
				t.Fatalf("empty scheme from %q", s)
			}
		}
	})
}
