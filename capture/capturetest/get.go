package capturetest

import (
	"io"
	"net/http"
	"testing"
)

// Get fetches u with c and returns the status and body; a transport error
// fails the test.
func Get(tb testing.TB, c *http.Client, u string) (status int, body string) {
	tb.Helper()
	res, err := c.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
