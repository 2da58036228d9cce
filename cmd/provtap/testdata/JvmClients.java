import java.io.InputStream;
import java.net.Authenticator;
import java.net.HttpURLConnection;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;

/**
 * The Java HTTP clients a JVM connector uses, run with the JVM options
 * `provtap ca --hints --for jvm` prints. Each call prints one line,
 * "OK client status body" or "FAIL client reason"; the exit status is 1 when
 * a call that should work failed.
 *
 *   java -cp <Apache HttpClient jars> JvmClients.java MODE BEHIND DIRECT USER PASS
 *
 * BEHIND is an https base URL reached through the proxy the options name,
 * DIRECT one reached directly (a server not behind provtap), USER and PASS
 * the proxy credentials a connector would have in its own settings. MODE:
 *   all          every client (Apache createSystem before an Authenticator is
 *                installed, so it can only use the -D proxy credentials)
 *   huc          HttpURLConnection alone, with the Authenticator
 *   huc-no-auth  HttpURLConnection alone, without an Authenticator
 */
public class JvmClients {
    static boolean failed;

    public static void main(String[] args) throws Exception {
        String mode = args[0], behind = args[1], direct = args[2], user = args[3], pass = args[4];
        switch (mode) {
            case "all":
                apache("apache-createSystem", HttpClients.createSystem(), behind + "/apache-system");
                authenticator(user, pass);
                huc("HttpURLConnection", behind + "/huc", null);
                jnh(behind + "/java-net-http");
                apache("apache-createDefault", HttpClients.createDefault(), direct + "/apache-default");
                huc("HttpURLConnection-NO_PROXY", direct + "/huc-direct", Proxy.NO_PROXY);
                break;
            case "huc":
                authenticator(user, pass);
                huc("HttpURLConnection", behind + "/huc-again", null);
                break;
            case "huc-no-auth":
                huc("HttpURLConnection", behind + "/huc-no-auth", null);
                break;
            default:
                throw new IllegalArgumentException(mode);
        }
        System.exit(failed ? 1 : 0);
    }

    /** The proxy credentials a connector configures: answered for the proxy only. */
    static void authenticator(String user, String pass) {
        Authenticator.setDefault(new Authenticator() {
            @Override
            protected PasswordAuthentication getPasswordAuthentication() {
                if (getRequestorType() != RequestorType.PROXY) {
                    return null;
                }
                return new PasswordAuthentication(user, pass.toCharArray());
            }
        });
    }

    static void huc(String name, String url, Proxy proxy) {
        try {
            URL u = new URL(url);
            HttpURLConnection c = (HttpURLConnection) (proxy == null ? u.openConnection() : u.openConnection(proxy));
            int status = c.getResponseCode();
            InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();
            String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            report(name, status, body);
        } catch (Exception e) {
            fail(name, e);
        }
    }

    static void jnh(String url) {
        try {
            HttpClient.Builder b = HttpClient.newBuilder();
            if (Authenticator.getDefault() != null) {
                b.authenticator(Authenticator.getDefault());
            }
            HttpResponse<String> r = b.build().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            report("java.net.http", r.statusCode(), r.body());
        } catch (Exception e) {
            fail("java.net.http", e);
        }
    }

    static void apache(String name, CloseableHttpClient client, String url) {
        try (CloseableHttpClient c = client; CloseableHttpResponse r = c.execute(new HttpGet(url))) {
            report(name, r.getStatusLine().getStatusCode(), EntityUtils.toString(r.getEntity()));
        } catch (Exception e) {
            fail(name, e);
        }
    }

    static void report(String name, int status, String body) {
        System.out.println("OK " + name + " " + status + " " + body.replace('\n', ' '));
        if (status != 200) {
            failed = true;
        }
    }

    static void fail(String name, Exception e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        System.out.println("FAIL " + name + " " + e + (root != e ? " (" + root + ")" : ""));
        failed = true;
    }
}
