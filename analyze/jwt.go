package analyze

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"time"
)

// jwtClaims are the registered claims of a JWT that say who and until when.
// The token is decoded, never verified: provtap explains, it does not judge
// signatures.
type jwtClaims struct {
	Exp, Iat, Nbf time.Time // zero when absent
	Sub, Iss, Aud string
	ClientID      string // client_id, azp or appid
}

// decodeJWT decodes the payload of a JWS compact serialization
// (header.payload.signature, base64url). ok is false for anything else
// (opaque tokens, encrypted JWTs).
func decodeJWT(token string) (jwtClaims, bool) {
	var c jwtClaims
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 || len(parts[1]) == 0 || len(parts[1]) > 16<<10 {
		return c, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
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
