package har

import (
	"testing"
	"time"
)

// checkUTCTime: where parseUTCTime reads a time, time.Parse reads the same.
func checkUTCTime(t *testing.T, s string) {
	t.Helper()
	got, ok := parseUTCTime(s)
	if !ok {
		return
	}
	want, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || got != want {
		t.Fatalf("parseUTCTime(%q) = %v; time.Parse: %v, %v", s, got, want, err)
	}
}

var utcTimeCases = []string{
	"2026-11-30T22:00:03.738000Z", "2026-11-30T22:00:03Z", "2024-02-29T00:00:00.1Z", "2023-02-29T00:00:00Z",
	"2026-12-31T23:59:59.999999999Z", "2026-12-31T23:59:60Z", "2026-00-10T10:00:00Z", "2026-01-10T10:00:00.Z",
	"2026-01-10T10:00:00.1234567890Z", "0000-01-01T00:00:00Z", "2026-01-10t10:00:00Z", "2026-01-10T10:00:00+01:00",
	"1900-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-1-10T10:00:00.5Z",
}

func TestParseUTCTime(t *testing.T) {
	for _, s := range utcTimeCases {
		checkUTCTime(t, s)
	}
	if _, ok := parseUTCTime(utcTimeCases[0]); !ok {
		t.Errorf("parseUTCTime(%q) not read", utcTimeCases[0])
	}
}

func FuzzParseUTCTime(f *testing.F) {
	for _, s := range utcTimeCases {
		f.Add(s)
	}
	f.Fuzz(checkUTCTime)
}
