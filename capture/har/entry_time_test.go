package har

import (
	"testing"
	"time"
)

// referenceParseUTCTime is parseUTCTime as it was, with time.Date.
func referenceParseUTCTime(s string) (time.Time, bool) {
	if len(s) < 20 || len(s) > 30 || s[len(s)-1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := digitsAt(s, 0, 4)
	month, ok2 := digitsAt(s, 5, 2)
	day, ok3 := digitsAt(s, 8, 2)
	hour, ok4 := digitsAt(s, 11, 2)
	minute, ok5 := digitsAt(s, 14, 2)
	sec, ok6 := digitsAt(s, 17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if frac := s[19 : len(s)-1]; frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		n, ok := digitsAt(frac, 1, len(frac)-1)
		if !ok {
			return time.Time{}, false
		}
		for i := len(frac) - 1; i < 9; i++ {
			n *= 10
		}
		nsec = n
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true
}

// checkUTCTime: parseUTCTime reads what referenceParseUTCTime reads, and
// where it reads a time, time.Parse reads the same.
func checkUTCTime(t *testing.T, s string) {
	t.Helper()
	got, ok := parseUTCTime(s)
	if ref, refOK := referenceParseUTCTime(s); got != ref || ok != refOK {
		t.Fatalf("parseUTCTime(%q) = %v, %v; reference: %v, %v", s, got, ok, ref, refOK)
	}
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
	"0000-02-29T23:59:59Z", "0000-03-01T00:00:00Z", "0001-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00Z",
	"1600-02-29T12:00:00Z", "9999-12-31T23:59:59.999999999Z", "2100-02-28T00:00:00Z", "2026-02-3xT00:00:00Z", "2026-0:-01T00:00:00Z",
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
