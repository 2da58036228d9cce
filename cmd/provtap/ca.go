package main

import (
	"fmt"
	"net"
	"os"
	"time"

	"github.com/provtap/provtap/capture/proxy"
)

func cmdCA(args []string) int {
	fs := newFlags("ca", "provtap ca [--pem] [--hints] [--regenerate] [--home DIR]",
		`Shows where provtap's certificate authority is. Clients must trust it to be
proxied over https (reverse mode with --target needs no trust). The CA is
created on first use, valid for one year; its key never leaves --home.`)
	pemOnly := fs.Bool("pem", false, "print the CA certificate (PEM) and nothing else")
	hints := fs.Bool("hints", false, "print copy-pasteable trust instructions (JVM keytool, Windows, .NET, Debian/RHEL, curl)")
	regen := fs.Bool("regenerate", false, "replace the CA with a new one (clients must trust the new one)")
	home := fs.String("home", proxy.DefaultHome(), "`directory` for the CA and captures ($PROVTAP_HOME)")
	listen := fs.String("listen", "127.0.0.1:8080", "proxy `address` to use in the hints")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return fail("ca", "unexpected argument %q", pos[0])
	}
	var ca *proxy.CA
	var err error
	if *regen {
		ca, err = proxy.CreateCA(*home)
	} else {
		ca, err = proxy.LoadOrCreateCA(*home)
	}
	if err != nil {
		return fail("ca", "%v", err)
	}
	if *pemOnly {
		os.Stdout.Write(ca.CertPEM())
		return 0
	}
	fmt.Printf("certificate  %s\nprivate key  %s (0600, keep it here)\nsubject      %s\nvalid until  %s\n",
		ca.CertFile, ca.KeyFile, ca.Cert.Subject.CommonName, ca.Cert.NotAfter.Local().Format(time.DateTime))
	if *regen {
		fmt.Println("\nA new CA was generated: clients that trusted the old one must import this one.")
	}
	if *hints {
		fmt.Print(trustHints(ca.CertFile, *listen))
	} else {
		fmt.Println("\nprovtap ca --hints   how to make a JVM, Windows, Linux or curl trust it")
	}
	return 0
}

// trustHints are the commands an engineer pastes to trust the CA and route
// a client through the proxy.
func trustHints(certFile, listen string) string {
	host, port := listen, "8080"
	if h, p, err := net.SplitHostPort(listen); err == nil {
		host, port = h, p
	}
	return fmt.Sprintf(`
JVM connector (Java 9+; Java 8: $JAVA_HOME/jre/lib/security/cacerts):
  keytool -importcert -noprompt -alias provtap -file %[1]s \
    -keystore "$JAVA_HOME/lib/security/cacerts" -storepass changeit
  # or a separate truststore, leaving the JDK's alone:
  keytool -importcert -noprompt -alias provtap -file %[1]s -keystore provtap.p12 -storetype PKCS12 -storepass changeit
  java -Djavax.net.ssl.trustStore=provtap.p12 -Djavax.net.ssl.trustStorePassword=changeit ...
  # route the JVM through provtap:
  -Dhttps.proxyHost=%[2]s -Dhttps.proxyPort=%[3]s -Dhttp.proxyHost=%[2]s -Dhttp.proxyPort=%[3]s -Dhttp.nonProxyHosts=

Windows (.NET connectors, PowerShell as administrator):
  certutil -addstore Root %[1]s
  # .NET Framework: in the connector's .config, <system.net><defaultProxy><proxy proxyaddress="http://%[2]s:%[3]s" bypassonlocal="false"/></defaultProxy></system.net>
  # .NET Core/5+: set HTTPS_PROXY=http://%[2]s:%[3]s and HTTP_PROXY=http://%[2]s:%[3]s for the service
  # remove later: certutil -delstore Root "provtap CA"

Debian / Ubuntu:
  sudo cp %[1]s /usr/local/share/ca-certificates/provtap.crt && sudo update-ca-certificates
RHEL / Fedora:
  sudo cp %[1]s /etc/pki/ca-trust/source/anchors/provtap.pem && sudo update-ca-trust

curl:
  curl --cacert %[1]s -x http://%[2]s:%[3]s https://target.example/...

No trust at all: reverse mode — provtap --target https://target.example and
point the connector's base URL at http://%[2]s:%[3]s.
`, certFile, host, port)
}
