package capturetest

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"os"
	"os/exec"

	"github.com/provtap/provtap/internal/scenario"
)

//go:embed python/*.py
var pythonSources embed.FS

// DebianPython is the interpreter Debian's python3-requests installs for:
// not whichever python3 comes first on PATH (a pyenv one lacks requests).
const DebianPython = "/usr/bin/python3"

// Python runs python/provision.py, a connector on python-requests, as one
// process provisioning its accounts against a Target.
type Python struct {
	Proxy  string // proxy URL (http://127.0.0.1:port), as requests' proxies=; "" to connect directly
	CAFile string // PEM CA to trust for https (verify=), provtap's
	// Session makes every call with one requests.Session (its own cookie
	// jar and connections); without, each call is requests.post/patch/get
	// and no cookie is kept.
	Session bool
}

// Provision runs the connector for accounts with user's credentials; the
// first refused call ends it with a *StepError.
func (p Python) Provision(ctx context.Context, baseURL, user, pass string, accounts ...string) error {
	if _, err := os.Stat(DebianPython); err != nil {
		return fmt.Errorf("%s is not installed (Debian's python3, python3-requests; bash .ci/run installs them): %w", DebianPython, err)
	}
	src, err := pythonSources.ReadFile("python/provision.py")
	if err != nil {
		return err
	}
	// "-" reads the program from stdin: nothing to write or clean up.
	args := append([]string{"-", baseURL, user, pass, scenario.TargetGroup}, accounts...)
	if p.Session {
		args = append(args, "--session")
	}
	if p.Proxy != "" {
		args = append(args, "--proxy", p.Proxy)
	}
	if p.CAFile != "" {
		args = append(args, "--ca", p.CAFile)
	}
	cmd := exec.CommandContext(ctx, DebianPython, args...)
	cmd.Stdin = bytes.NewReader(src)
	return runConnector(cmd, "python3 provision.py")
}
