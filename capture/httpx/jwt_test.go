package httpx

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"
)

func makeJWT(claims map[string]any, padded bool) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return EncodeSegment(b, padded)
	}
	return enc(map[string]string{"alg": "HS256", "typ": "JWT"}) + "." + enc(claims) + ".c2lnbmF0dXJl"
}

func TestDecodeJWT(t *testing.T) {
	for _, padded := range []bool{false, true} {
		tok := makeJWT(map[string]any{"exp": 1741082400.5, "iat": "1741082000", "aud": []string{"scim", "x"}, "azp": "conn"}, padded)
		c, ok := DecodeJWT(tok)
		if !ok || c.Exp != time.Date(2025, 3, 4, 10, 0, 0, 5e8, time.UTC) || c.Iat.Unix() != 1741082000 || c.Aud != "scim" || c.ClientID != "conn" {
			t.Errorf("DecodeJWT(padded %v) = %+v %v", padded, c, ok)
		}
		if m := JWTPattern.FindString("Bearer " + tok + " rest"); m != tok {
			t.Errorf("JWTPattern found %q in a token padded=%v, want the whole token", m, padded)
		}
	}
	for _, bad := range []string{"opaque", "a.b", "a.!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte("[1]")) + ".c", "a.b.c.d.e"} {
		if _, ok := DecodeJWT(bad); ok {
			t.Errorf("DecodeJWT(%q) ok", bad)
		}
	}
}
