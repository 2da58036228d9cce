package capturetest

import (
	"context"

	"github.com/provtap/provtap/internal/scenario"
)

// Provision is the Provisioner's three steps for account with curl, one
// process per call as a script connector runs them: create the account,
// add it to TargetGroup, read it back, each call with user's Basic
// credentials (sent only to answer the challenge with AnyAuth) and, with a
// Jar, the cookies the calls before were given. The first refused call
// ends it with a *StepError.
func (c Curl) Provision(ctx context.Context, baseURL, user, pass, account string) error {
	return c.provision(ctx, baseURL, user, pass, `{"name":"`+account+`"}`, scenario.TargetGroup, account)
}
