package capturetest

import (
	"context"
	"strconv"
	"time"

	"github.com/provtap/provtap/internal/scenario"
)

// TargetRun is one scenario a JVM connector program (TargetConnector.java
// on the JDK's HttpClient, ApacheConnector.java on Apache HttpClient) runs
// against a Target: its threads start Stagger apart, each with its own
// cookie store and credentials, and provision their accounts in turn.
// One JVM runs several (RunTargets): a JVM takes seconds to start.
type TargetRun struct {
	Base    string // the scenario.Target's URL (or a reverse proxy's)
	Proxy   string // the proxy (http://host:port or host:port); "" for none, or the system's
	Stagger time.Duration
	// Client is how the program builds its clients and authenticates: one
	// of the JDK… or Apache… constants.
	Client  string
	Threads []TargetThread
}

// TargetThread is one connector thread: its service account and the
// identities it provisions, one after the other.
type TargetThread struct {
	User, Password string
	Accounts       []string
}

// How TargetConnector.java authenticates.
const (
	// JDKBasic sets Authorization: Basic on every call, as most JVM
	// connectors do.
	JDKBasic = "basic"
	// JDKAuthenticator gives each HttpClient a java.net.Authenticator: the
	// first request goes without credentials and the 401 challenge is
	// answered.
	JDKAuthenticator = "authenticator"
)

// SameAccount is n threads of one service account, each provisioning
// perThread new identities.
func SameAccount(n, perThread int, user, password string) []TargetThread {
	ts := make([]TargetThread, n)
	for i := range ts {
		ts[i] = TargetThread{User: user, Password: password}
		for k := 0; k < perThread; k++ {
			ts[i].Accounts = append(ts[i].Accounts, "t"+strconv.Itoa(i)+"-"+scenario.NewAccountName())
		}
	}
	return ts
}

// Accounts is every identity the run's threads provision.
func (r TargetRun) Accounts() []string {
	var out []string
	for _, t := range r.Threads {
		out = append(out, t.Accounts...)
	}
	return out
}

// RunTargets runs TargetConnector.java once for all the runs, one after
// the other (a run's threads together), each through its own proxy; j's
// Proxy is not used. It returns the first refused call as a *StepError,
// once every run has ended.
func (j JDK) RunTargets(ctx context.Context, runs ...TargetRun) error {
	j.Proxy = ""
	return j.run(ctx, "TargetConnector.java", targetArgs(runs))
}

// targetArgs is the runs as the programs' command line: GROUP_ID, then
// --run BASE PROXY STAGGER_MS CLIENT and --thread USER PASSWORD ACCOUNT….
func targetArgs(runs []TargetRun) []string {
	args := []string{scenario.TargetGroup}
	for _, r := range runs {
		proxy := proxyHostPort(r.Proxy)
		if proxy == "" {
			proxy = "-"
		}
		args = append(args, "--run", r.Base, proxy, strconv.FormatInt(r.Stagger.Milliseconds(), 10), r.Client)
		for _, t := range r.Threads {
			args = append(append(args, "--thread", t.User, t.Password), t.Accounts...)
		}
	}
	return args
}
