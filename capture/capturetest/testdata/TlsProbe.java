import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URL;
import java.security.cert.X509Certificate;
import javax.net.ssl.HttpsURLConnection;

/**
 * One https GET with the JDK's own TLS stack and trust manager, and what
 * certificate the server showed:
 *
 *   java -Djavax.net.ssl.trustStore=STORE ... TlsProbe.java URL [PROXYHOST:PORT]
 *
 * prints "OK status issuer-DN" or "FAIL exception (root cause)".
 */
public class TlsProbe {
    public static void main(String[] args) {
        try {
            URL url = new URL(args[0]);
            HttpURLConnection c;
            if (args.length > 1) {
                String[] hp = args[1].split(":");
                c = (HttpURLConnection) url.openConnection(new Proxy(Proxy.Type.HTTP, new InetSocketAddress(hp[0], Integer.parseInt(hp[1]))));
            } else {
                c = (HttpURLConnection) url.openConnection(Proxy.NO_PROXY);
            }
            int status = c.getResponseCode();
            X509Certificate leaf = (X509Certificate) ((HttpsURLConnection) c).getServerCertificates()[0];
            System.out.println("OK " + status + " " + leaf.getIssuerX500Principal().getName());
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            System.out.println("FAIL " + e + " (" + root + ")");
        }
    }
}
