package analyze

import "testing"

// envelopeKeys is the cheap test before decoding a 2xx: it must let
// through every envelope jsonErrorInSuccess reads, in any case, and no
// plain resource.
func TestEnvelopeKeys(t *testing.T) {
	for body, want := range map[string]bool{
		`{"error":"x"}`: true, `{ "Error" : {} }`: true, `{"errorMessage":"x"}`: true, `{"error_description":"x"}`: true,
		`{"Success":false}`: true, `{"ok":false}`: true, `{"code": 401}`: true, `{"StatusCode":"403"}`: true, `{"status_code":500}`: true,
		`{"id":"u1","userName":"a","meta":{"location":"https://x/Users/u1","created":"2026-01-01T10:00:00Z"}}`: false,
		`{"status":"active","code":"US"}`: false, `{"statusReason":"x"}`: false, `{"status": 200}`: false,
	} {
		if got := envelopeKeys([]byte(body)); got != want {
			t.Errorf("envelopeKeys(%s) = %v, want %v", body, got, want)
		}
	}
}
