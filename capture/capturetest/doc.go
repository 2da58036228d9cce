// Package capturetest is what tests of provtap's packages share, like
// net/http/httptest: a provtap proxy on loopback that collects its flows
// (StartProxy), a builder of flows and captures in code (NewFlow,
// NewCapture), and the seed connectors run by real clients — the curl
// binary (Curl) and the JDK's HttpClient (JDK) — against the scenario
// servers of internal/scenario. The scenario servers and their Go
// connectors live there, not here, because `provtap demo` ships them; this
// package imports testing and is never linked into a binary.
package capturetest
