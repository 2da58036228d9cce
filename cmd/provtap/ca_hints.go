package main

import (
	"crypto/sha1"
	"fmt"
	"net"
	"path/filepath"
	"strings"

	"github.com/provtap/provtap/capture/proxy"
)

// How to trust provtap's CA on each platform: provtap ca --hints.

// hintEnv is what the hints are written for: where provtap runs (its paths
// and shell), its CA, and the proxy address clients use.
type hintEnv struct {
	goos       string // runtime.GOOS of the machine provtap runs on
	certFile   string // the CA's PEM, absolute
	trustStore string // the JVM truststore the hints create, absolute
	cn         string // the CA certificate's subject CN, as certificate stores show it
	sha1       string // its SHA-1 thumbprint (upper-case hex), as Windows and macOS name it
	host, port string // the proxy
	needsAuth  bool   // the listener is off loopback: provtap requires --proxy-auth
	scope      []string
}

// newHintEnv is the hints for a provtap on goos with ca (its PEM at
// certFile), the JVM truststore to make at trustStore (both absolute) and
// clients to point at listen.
func newHintEnv(goos string, ca *proxy.CA, certFile, trustStore, listen string) hintEnv {
	host, port, _ := net.SplitHostPort(listen)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "PROVTAP-HOST" // listening on every address: clients need one of them
	}
	sum := sha1.Sum(ca.Cert.Raw)
	return hintEnv{goos: goos, certFile: certFile, trustStore: trustStore,
		cn: ca.Cert.Subject.CommonName, sha1: fmt.Sprintf("%X", sum[:]), host: host, port: port,
		needsAuth: checkListen(listen, "") != nil, scope: ca.Scope()}
}

// absPath is p made absolute: hints are pasted in other directories.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func (e hintEnv) proxyAddr() string { return net.JoinHostPort(e.host, e.port) }
func (e hintEnv) proxyURL() string  { return "http://" + e.proxyAddr() }
func (e hintEnv) windows() bool     { return e.goos == "windows" }

// trustHints are the commands an engineer pastes to trust the CA, route a
// client through the proxy and undo both: every platform, or only forWhat.
func trustHints(e hintEnv, forWhat string) string {
	var b strings.Builder
	if len(e.scope) > 0 {
		fmt.Fprintf(&b, "\nThis CA is limited to %s: clients trust it for those names only.\n", strings.Join(e.scope, ", "))
	}
	if e.needsAuth {
		fmt.Fprintf(&b, "\nprovtap listens off loopback here, so it runs with --proxy-auth USER:PASS: the hints\n"+
			"below pass USER and PASS as proxy credentials; put in the ones you gave provtap.\n")
	}
	sections := map[string]func(*strings.Builder, hintEnv){
		"jvm": jvmHints, "windows": windowsHints, "linux": linuxHints, "macos": macosHints, "curl": curlHints,
	}
	for _, p := range hintPlatforms {
		if forWhat == "" || forWhat == p {
			sections[p](&b, e)
		}
	}
	if forWhat == "" {
		fmt.Fprintf(&b, "\nNo trust at all: reverse mode, provtap on the connector's host, in front of the target:\n"+
			"  provtap --target https://TARGET --listen 127.0.0.1:%s\n"+
			"and the connector's base URL changed from https://TARGET/… to http://127.0.0.1:%s/….\n", e.port, e.port)
	}
	return b.String()
}

// jvmHints: a truststore that is a copy of the JDK's cacerts plus the CA,
// the JVM options, where Tomcat takes them, which clients honour them,
// proxy credentials, and the undo.
func jvmHints(b *strings.Builder, e hintEnv) {
	keytool, cacerts, rm, java8 := `"$JAVA_HOME/bin/keytool"`, `"$JAVA_HOME/lib/security/cacerts"`, "rm -f", "$JAVA_HOME/jre/lib/security/cacerts"
	if e.windows() {
		keytool, cacerts, rm, java8 = `"%JAVA_HOME%\bin\keytool"`, `"%JAVA_HOME%\lib\security\cacerts"`, "del", `%JAVA_HOME%\jre\lib\security\cacerts`
	}
	store := quoteArg(e.trustStore)
	fmt.Fprintf(b, `
JVM connectors (IdentityIQ, Tomcat, any Java program)

1. Which Java HTTP clients take the proxy from JVM options:
  yes: HttpURLConnection (and what is built on it), java.net.http.HttpClient, and Apache
       HttpClient's HttpClients.createSystem() / HttpClientBuilder.create().useSystemProperties()
  no:  Apache HttpClient's HttpClients.createDefault() and HttpClientBuilder.create().build():
       they connect directly, and provtap sees nothing from them. For those, reverse mode,
       with provtap on the connector's host in front of the target, and no truststore:
         provtap --target https://TARGET --listen 127.0.0.1:%[1]s
       then change the connector's base URL from https://TARGET/… to http://127.0.0.1:%[1]s/…
       (TARGET is the host[:port] the connector calls). Steps 2-4 are for the others.
`, e.port)
	fmt.Fprintf(b, `
2. A truststore that is a copy of the JDK's cacerts plus provtap's CA: the JVM keeps
   trusting every server it trusted before, and the JDK's own cacerts stays as it is.
   JAVA_HOME is the JDK the connector runs on (Tomcat prints it as JRE_HOME at start-up;
   Java 8: %[5]s). Run again after provtap ca --regenerate.
  %[6]s %[3]s
  %[1]s -importkeystore -noprompt -srckeystore %[2]s -srcstorepass changeit -destkeystore %[3]s -deststoretype PKCS12 -deststorepass changeit
  %[1]s -importcert -noprompt -alias provtap -file %[4]s -keystore %[3]s -storetype PKCS12 -storepass changeit
  # A JVM that already runs with -Djavax.net.ssl.trustStore=FILE: copy FILE instead of cacerts.
  # A JVM running as another user (a Tomcat service) must be able to read the copy: put it
  # where that user can and use that path below.
`, keytool, cacerts, store, quoteArg(e.certFile), java8, rm)

	opts := jvmOptions(e)
	fmt.Fprintf(b, `
3. The JVM options (HTTP and HTTPS through provtap, loopback included):
  %s
`, strings.Join(opts.trust, " "))
	fmt.Fprintf(b, "  %s\n", strings.Join(opts.proxy, " "))
	authIntro := "With provtap --proxy-auth USER:PASS (required when it listens off loopback), also:"
	if e.needsAuth {
		authIntro = "Proxy credentials (provtap requires them on this address):"
	}
	fmt.Fprintf(b, `  %s
  %s
  # Apache HttpClient's createSystem() sends them from these options. HttpURLConnection and
  # java.net.http do not read them: they ask the java.net.Authenticator the program installs
  # (a connector's own proxy user/password setting), and answer a CONNECT with Basic only
  # when jdk.http.auth.tunneling.disabledSchemes is empty, as set here. A connector with no
  # such setting: run provtap on its host on 127.0.0.1 (no --proxy-auth there), or use
  # reverse mode (step 1).
`, authIntro, strings.Join(opts.auth, " "))

	all := opts.all(e.needsAuth)
	if e.windows() {
		fmt.Fprintf(b, `
4. Where they go, then restart the JVM (it reads them only at start):
  Tomcat as a Windows service: tomcat9w.exe //ES//Tomcat9 (the service's name after //ES//),
    Java tab, Java Options: one option per line; or in cmd.exe as administrator:
    "%%CATALINA_HOME%%\bin\tomcat9.exe" //US//Tomcat9 ++JvmOptions="%[1]s"
    then: Restart-Service Tomcat9 (PowerShell), or net stop Tomcat9 and net start Tomcat9
  Tomcat started by startup.bat: in %%CATALINA_BASE%%\bin\setenv.bat (create it if missing):
    set "CATALINA_OPTS=%%CATALINA_OPTS%% %[2]s"
  Any other JVM: on its java command line, or in the JAVA_TOOL_OPTIONS environment variable.
`, strings.Join(all, ";"), strings.Join(all, " "))
	} else {
		fmt.Fprintf(b, `
4. Where they go, then restart the JVM (it reads them only at start):
  Tomcat (IdentityIQ): in $CATALINA_BASE/bin/setenv.sh (create it if missing):
    CATALINA_OPTS="$CATALINA_OPTS %[1]s"
    then: sudo systemctl restart tomcat9 (or the service's name), or bin/shutdown.sh and bin/startup.sh
  Tomcat as a Windows service: run provtap ca --hints --for jvm on that host (provtap.exe);
    it prints these steps with Windows paths and the service's Java Options (tomcat9w.exe).
  Any other JVM: on its java command line, or in the JAVA_TOOL_OPTIONS environment variable.
`, strings.Join(all, " "))
	}

	setenv := "setenv.sh"
	if e.windows() {
		setenv = "setenv.bat"
	}
	fmt.Fprintf(b, `
5. Undo: remove the options from %s or the service's Java Options, restart the JVM,
   and delete the copy: %s %s
`, setenv, rm, store)
}

// jvmOpts are the -D options of the JVM hints, in groups.
type jvmOpts struct{ trust, proxy, auth []string }

func jvmOptions(e hintEnv) jvmOpts {
	h, p := e.host, e.port
	return jvmOpts{
		trust: []string{"-Djavax.net.ssl.trustStore=" + e.trustStore, "-Djavax.net.ssl.trustStorePassword=changeit", "-Djavax.net.ssl.trustStoreType=PKCS12"},
		proxy: []string{"-Dhttps.proxyHost=" + h, "-Dhttps.proxyPort=" + p, "-Dhttp.proxyHost=" + h, "-Dhttp.proxyPort=" + p, "-Dhttp.nonProxyHosts="},
		auth: []string{"-Dhttps.proxyUser=USER", "-Dhttps.proxyPassword=PASS", "-Dhttp.proxyUser=USER", "-Dhttp.proxyPassword=PASS",
			"-Djdk.http.auth.tunneling.disabledSchemes="},
	}
}

// all are the options to configure: the proxy credentials when provtap needs them.
func (o jvmOpts) all(withAuth bool) []string {
	out := append(append([]string{}, o.trust...), o.proxy...)
	if withAuth {
		out = append(out, o.auth...)
	}
	return out
}

// windowsHints: the machine store with the certificate's exact name, the
// ways a .NET service takes a proxy, credentials, and the undo.
func windowsHints(b *strings.Builder, e hintEnv) {
	cert, copyNote := e.certFile, ""
	if !e.windows() {
		cert = `C:\provtap\ca.pem`
		copyNote = fmt.Sprintf("   First copy %s from this machine to the Windows host, as %s.\n", e.certFile, cert)
	}
	proxyURL := e.proxyURL()
	fmt.Fprintf(b, `
Windows (.NET connectors such as One Identity Manager's; cmd.exe or PowerShell as administrator)

1. Trust the CA in the machine store:
%[1]s  certutil -addstore Root %[2]s
   It shows in certlm.msc, Trusted Root Certification Authorities, as "%[3]s"
   (thumbprint %[4]s). .NET, PowerShell and curl.exe use this store.

2. Send the service's calls through provtap (the one that matches how it calls HTTP),
   then restart it: Restart-Service NAME (PowerShell), or net stop NAME and net start NAME.
  .NET Framework: in the service's NAME.exe.config (next to its .exe; One Identity Manager's
  service is JobService.exe), inside <configuration>:
    <system.net>
      <defaultProxy enabled="true" useDefaultCredentials="false">
        <proxy proxyaddress="%[5]s" bypassonlocal="False" usesystemdefault="False" />
      </defaultProxy>
    </system.net>
  .NET Core 3.0 and .NET 5+: HTTPS_PROXY and HTTP_PROXY in that service's environment only
  (reg query first: /f replaces an Environment value the service already has):
    reg query HKLM\SYSTEM\CurrentControlSet\Services\NAME /v Environment
    reg add HKLM\SYSTEM\CurrentControlSet\Services\NAME /v Environment /t REG_MULTI_SZ /d "HTTPS_PROXY=%[6]s\0HTTP_PROXY=%[6]s" /f
  WinHTTP's machine-wide proxy (programs and services that use it; it changes all of them):
    netsh winhttp show proxy
    netsh winhttp set proxy proxy-server="%[7]s"
`, copyNote, quoteArg(cert), e.cn, e.sha1, proxyURL, authProxyURL(e), e.proxyAddr())
	fmt.Fprintf(b, `
3. Proxy credentials (provtap --proxy-auth, required when it listens off loopback):
  .NET Framework's defaultProxy cannot carry a user name and password (useDefaultCredentials
  sends the service account's Windows logon, which provtap does not take), and neither can
  netsh winhttp. What works:
  - .NET Core 3.0 and .NET 5+: the credentials in the variable, as above:
    HTTPS_PROXY=http://USER:PASS@%[1]s (percent-encode @ : / %% in them)
  - any .NET: provtap on the Windows host itself (provtap.exe --listen 127.0.0.1:%[2]s needs
    no --proxy-auth), or a local port forwarded to a provtap that listens on 127.0.0.1 of its
    own host: ssh -N -L %[2]s:127.0.0.1:%[2]s USER@PROVTAP-HOST (Windows' OpenSSH client), with
    the proxy set to http://127.0.0.1:%[2]s.

4. Undo:
  certutil -delstore Root "%[3]s"
  (only this CA: certutil -delstore Root %[4]s; provtap CAs made later on this host have the same name)
  remove the <system.net> block, or: reg delete HKLM\SYSTEM\CurrentControlSet\Services\NAME /v Environment /f
  netsh winhttp reset proxy (or set back what show proxy said); then restart the service.
`, e.proxyAddr(), e.port, e.cn, e.sha1)
}

// authProxyURL is the proxy URL a .NET service gets in HTTPS_PROXY: with
// credentials when provtap requires them.
func authProxyURL(e hintEnv) string {
	if e.needsAuth {
		return "http://USER:PASS@" + e.proxyAddr()
	}
	return e.proxyURL()
}

func linuxHints(b *strings.Builder, e hintEnv) {
	cert := quoteArg(e.certFile)
	fmt.Fprintf(b, `
Linux system store (curl, Python's ssl, Go and most programs; not the JVM's cacerts
unless the distribution derives it from the system store, as Debian's does)
  Debian / Ubuntu:
    sudo cp %[1]s /usr/local/share/ca-certificates/provtap.crt && sudo update-ca-certificates
    undo: sudo rm /usr/local/share/ca-certificates/provtap.crt && sudo update-ca-certificates --fresh
  RHEL / Fedora:
    sudo cp %[1]s /etc/pki/ca-trust/source/anchors/provtap.pem && sudo update-ca-trust
    undo: sudo rm /etc/pki/ca-trust/source/anchors/provtap.pem && sudo update-ca-trust
  Python requests uses its own bundle: REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
  (Debian, after the step above) or REQUESTS_CA_BUNDLE=%[1]s for provtap's CA alone.
  Route a program through provtap: HTTPS_PROXY=%[2]s HTTP_PROXY=%[2]s (and NO_PROXY unset).
`, cert, authProxyURL(e))
}

func macosHints(b *strings.Builder, e hintEnv) {
	fmt.Fprintf(b, `
macOS (the System keychain: Safari, Chrome, Swift and Objective-C programs; a JVM: see above)
  sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain %[1]s
  undo: sudo security delete-certificate -Z %[2]s /Library/Keychains/System.keychain
  ("%[3]s" in Keychain Access)
`, quoteArg(e.certFile), e.sha1, e.cn)
}

func curlHints(b *strings.Builder, e hintEnv) {
	user := ""
	if e.needsAuth {
		user = " --proxy-user USER:PASS"
	}
	fmt.Fprintf(b, `
curl (nothing to undo)
  curl --cacert %[1]s -x %[2]s%[3]s https://TARGET/…
  (with provtap --proxy-auth USER:PASS, add --proxy-user USER:PASS)
  Windows' curl.exe checks the Windows store: after certutil -addstore above it needs no --cacert.
`, quoteArg(e.certFile), e.proxyURL(), user)
}

// quoteArg is a path as one argument in bash, zsh, cmd.exe and PowerShell:
// double-quoted when it has a space or a character those shells treat
// specially.
func quoteArg(p string) string {
	if strings.ContainsAny(p, " \t&()[]{}^=;!'+,`~$%@#|<>*?\"") {
		return `"` + p + `"`
	}
	return p
}
