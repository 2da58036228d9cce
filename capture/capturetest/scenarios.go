package capturetest

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/provtap/provtap/internal/scenario"
)

// The JDK and curl runs of the scenarios beyond the two seeds: the same
// connectors as scenario.RunBearer, RunCSRF and RunMoved, on other clients.

// RunBearer runs BearerConnector.java: the same connector on the JDK's
// HttpClient.
func (j JDK) RunBearer(ctx context.Context, baseURL string, c scenario.BearerClient) error {
	args := []string{baseURL, scenario.TokenClientID, scenario.TokenClientSecret, scenario.TokenGroup, scenario.TokenNewMember,
		"--wait-ms", strconv.FormatInt(c.Wait.Milliseconds(), 10)}
	if c.Refresh {
		args = append(args, "--refresh")
	}
	if c.Basic {
		args = append(args, "--basic")
	}
	return j.run(ctx, "BearerConnector.java", args)
}

// RunCSRF runs CsrfConnector.java: the same connector on the JDK's
// HttpClient (with a CookieManager when c.KeepCookies).
func (j JDK) RunCSRF(ctx context.Context, baseURL string, c scenario.CSRFClient, account string) error {
	args := []string{baseURL, scenario.CSRFUser, scenario.CSRFPassword, account}
	if c.KeepCookies {
		args = append(args, "--cookie-manager")
	}
	if !c.EchoToken {
		args = append(args, "--no-token")
	}
	if c.FetchTwice {
		args = append(args, "--fetch-twice")
	}
	return j.run(ctx, "CsrfConnector.java", args)
}

// RunMoved is `curl -L -u user:password MovedURL(baseURL)`: curl follows the
// redirect and sends the credentials only to the host it was given.
func (c Curl) RunMoved(ctx context.Context, baseURL string) error {
	bin, err := exec.LookPath("curl")
	if err != nil {
		return fmt.Errorf("the curl binary is not installed: %w", err)
	}
	args := append([]string{"-sS", "-L", "-u", scenario.MovedUser + ":" + scenario.MovedPassword, "-H", "Accept: " + scenario.SCIMType,
		"-w", "\n%{http_code}"}, c.connArgs()...)
	url := scenario.MovedURL(baseURL)
	out, err := exec.CommandContext(ctx, bin, append(args, url)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return fmt.Errorf("curl -L %s: %v: %s", url, err, strings.TrimSpace(string(ee.Stderr)))
		}
		return fmt.Errorf("curl -L %s: %w", url, err)
	}
	text := string(out)
	i := strings.LastIndexByte(text, '\n')
	status, err := strconv.Atoi(strings.TrimSpace(text[i+1:]))
	if i < 0 || err != nil {
		return fmt.Errorf("curl -L %s: unexpected output %q", url, text)
	}
	if status >= 400 {
		return &scenario.StepError{Step: "GET " + stepPath(url), Status: status, Body: text[:i]}
	}
	return nil
}
