package httpx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"time"
)

// JWTClaims are the registered claims of a JWT that say who and until when.
// The token is decoded, never verified: provtap explains, it does not judge
// signatures.
type JWTClaims struct {
	Exp, Iat, Nbf time.Time // zero when absent
	Sub, Iss, Aud string
	ClientID      string // client_id, azp or appid
}

// JWTPattern finds JSON Web Tokens in text: the JWS (three parts) and JWE
// (five parts) compact forms, base64url with or without "=" padding.
var JWTPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}={0,2}(?:\.[A-Za-z0-9_-]*={0,2}){2,4}`)

// DecodeSegment decodes one base64url part of a JWT, padded or not, and
// reports whether it was padded (to encode a replacement the same way).
func DecodeSegment(s string) (data []byte, padded bool, err error) {
	padded = strings.HasSuffix(s, "=")
	data, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	return data, padded, err
}

// EncodeSegment is DecodeSegment's inverse.
func EncodeSegment(data []byte, padded bool) string {
	if padded {
		return base64.URLEncoding.EncodeToString(data)
	}
	return base64.RawURLEncoding.EncodeToString(data)
}

// DecodeJWT decodes the payload of a JWS compact serialization
// (header.payload.signature, base64url). ok is false for anything else
// (opaque tokens, encrypted JWTs).
func DecodeJWT(token string) (JWTClaims, bool) {
	var c JWTClaims
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 || len(parts[1]) == 0 || len(parts[1]) > 16<<10 {
		return c, false
	}
	payload, _, err := DecodeSegment(parts[1])
	if err != nil {
		return c, false
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var claims map[string]any
	if dec.Decode(&claims) != nil {
		return c, false
	}
	c.Exp, c.Iat, c.Nbf = numericDate(claims["exp"]), numericDate(claims["iat"]), numericDate(claims["nbf"])
	c.Sub, c.Iss = str(claims["sub"]), str(claims["iss"])
	switch aud := claims["aud"].(type) {
	case string:
		c.Aud = aud
	case []any:
		if len(aud) > 0 {
			c.Aud = str(aud[0])
		}
	}
	for _, k := range []string{"client_id", "azp", "appid"} {
		if c.ClientID = str(claims[k]); c.ClientID != "" {
			break
		}
	}
	return c, true
}

// numericDate is RFC 7519 §2: seconds since the epoch, possibly fractional.
func numericDate(v any) time.Time {
	var secs float64
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return time.Time{}
		}
		secs = f
	case string: // seen in the wild: "exp": "1741082400"
		f, err := json.Number(v).Float64()
		if err != nil {
			return time.Time{}
		}
		secs = f
	default:
		return time.Time{}
	}
	if secs <= 0 || secs > 1e11 || math.IsNaN(secs) {
		return time.Time{}
	}
	whole, frac := math.Modf(secs)
	return time.Unix(int64(whole), int64(frac*1e9)).UTC()
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
