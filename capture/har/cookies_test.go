package har_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/har"
)

// The HAR cookies array is read with the one RFC 6265 parser: a two-digit
// year is an expiry (as every client reads it), and each line of Chrome's
// newline-joined Set-Cookie is a cookie of its own.
func TestHARCookiesArrayFollowsRFC6265(t *testing.T) {
	f := capturetest.NewFlow("POST", "https://idm.example.com/login", 200, capturetest.ID(1),
		capturetest.SetCookie("JSESSIONID=a1; Path=/; Expires=Wed, 09-Jun-21 10:18:14 GMT; HttpOnly"),
		capturetest.SetCookie("AWSALB=lb1; Path=/\nROUTEID=.2; Path=/app; Secure"),
		capturetest.Cookie(`x=1; q="two words"`))
	path := filepath.Join(t.TempDir(), "c.har")
	if err := har.WriteHAR(path, []*capture.Flow{f}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct {
			Entries []struct {
				Request  struct{ Cookies []map[string]any }
				Response struct{ Cookies []map[string]any }
			}
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	resp := doc.Log.Entries[0].Response.Cookies
	if len(resp) != 3 {
		t.Fatalf("response cookies %v, want JSESSIONID, AWSALB and ROUTEID", resp)
	}
	if resp[0]["name"] != "JSESSIONID" || resp[0]["expires"] != "2021-06-09T10:18:14Z" || resp[0]["httpOnly"] != true {
		t.Errorf("JSESSIONID = %v, want its 2021 expiry", resp[0])
	}
	if resp[1]["name"] != "AWSALB" || resp[2]["name"] != "ROUTEID" || resp[2]["path"] != "/app" || resp[2]["secure"] != true {
		t.Errorf("the joined Set-Cookie gave %v and %v", resp[1], resp[2])
	}
	req := doc.Log.Entries[0].Request.Cookies
	if len(req) != 2 || req[1]["name"] != "q" || req[1]["value"] != `"two words"` {
		t.Errorf("request cookies %v", req)
	}
}
