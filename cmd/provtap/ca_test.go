package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestCAPemHintsAndRegenerate(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	bin := provtapBinary(t)
	pem1, err := exec.Command(bin, "ca", "--pem", "--home", home).Output()
	if err != nil || !bytes.HasPrefix(pem1, []byte("-----BEGIN CERTIFICATE-----")) {
		t.Fatalf("ca --pem: %v %q", err, pem1)
	}
	hints, err := exec.Command(bin, "ca", "--hints", "--home", home).Output()
	if err != nil {
		t.Fatalf("ca --hints: %v", err)
	}
	for _, want := range []string{"keytool -importcert", "cacerts", "-Dhttps.proxyHost=127.0.0.1", "certutil -addstore Root", "update-ca-certificates", "--cacert"} {
		if !strings.Contains(string(hints), want) {
			t.Errorf("hints lack %q", want)
		}
	}
	if _, err := exec.Command(bin, "ca", "--regenerate", "--home", home).Output(); err != nil {
		t.Fatal(err)
	}
	pem2, err := exec.Command(bin, "ca", "--pem", "--home", home).Output()
	if err != nil || !bytes.HasPrefix(pem2, []byte("-----BEGIN CERTIFICATE-----")) {
		t.Fatalf("ca --pem after --regenerate: %v %q", err, pem2)
	}
	if bytes.Equal(pem1, pem2) {
		t.Error("--regenerate kept the old CA")
	}
	if st, err := os.Stat(home + "/ca-key.pem"); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("regenerated key: %v %v", st, err)
	}
}
