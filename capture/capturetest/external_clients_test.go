package capturetest

import (
	"context"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/provtap/provtap/internal/scenario"
)

// requireBinaries fails (never skips) when a client the acceptance tests
// need is missing: a skipped test would hide that nothing was checked.
// serverCAFile writes an httptest TLS server's certificate as a PEM file
// the external clients can trust.
func serverCAFile(t *testing.T, srv *scenario.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "server.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// externalRunner is one way to run the seed connectors.
type externalRunner interface {
	RunSeed1(ctx context.Context, baseURL string) error
	RunSeed2(ctx context.Context, baseURL string, s scenario.Seed2Client) error
}

func expectRefused(t *testing.T, err error, step string) {
	t.Helper()
	var se *scenario.StepError
	if !errors.As(err, &se) || se.Status != 401 || len(se.Step) < len(step) || se.Step[:len(step)] != step {
		t.Errorf("want %s refused with 401, got %v", step, err)
	}
}

// TestExternalClientsDirect checks the curl and JDK drivers against the seed
// servers without a proxy, over https: failing configurations fail where
// the scenarios say, correct ones succeed.
func TestExternalClientsDirect(t *testing.T) {
	t.Parallel()
	RequireTool(t, "curl", "java", "keytool")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	clients := map[string]func(ca string, keepCookies bool) externalRunner{
		"curl": func(ca string, keep bool) externalRunner {
			c := Curl{CAFile: ca}
			if keep {
				c.Jar = filepath.Join(t.TempDir(), "jar.txt")
			}
			return c
		},
		"jdk": func(ca string, keep bool) externalRunner { return JDK{CAFile: ca, CookieManager: keep} },
	}
	for name, client := range clients {
		t.Run(name, func(t *testing.T) {
			for _, keep := range []bool{false, true} {
				// A session left open by one run would refuse the next: a fresh server.
				s := scenario.Serve(scenario.NewSessionAPI(), true)
				err := client(serverCAFile(t, s), keep).RunSeed1(ctx, s.URL)
				s.Close()
				if keep && err != nil {
					t.Errorf("seed 1 keeping cookies: %v", err)
				} else if !keep {
					expectRefused(t, err, "PATCH /admin/usergroups/")
				}
			}
			gw := scenario.NewGateway()
			s := scenario.Serve(gw, true)
			defer s.Close()
			c := client(serverCAFile(t, s), false)
			expectRefused(t, c.RunSeed2(ctx, s.URL, scenario.Seed2ReadsOnly), "PATCH /Groups/")
			expectRefused(t, c.RunSeed2(ctx, s.URL, scenario.Seed2Client{KeyInHeader: true}), "PUT /Groups/")
			if err := c.RunSeed2(ctx, s.URL, scenario.Seed2Correct); err != nil || !gw.IsMember(scenario.GatewayNewMember) {
				t.Errorf("seed 2 correct: %v", err)
			}
		})
	}
}
