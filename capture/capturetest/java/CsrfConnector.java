// A connector provisioning an account in an SAP Gateway-style OData service,
// on the JDK's HttpClient: fetch a CSRF token (X-CSRF-Token: Fetch), create
// the account with it. Basic auth on every call.
//
// usage: java CsrfConnector.java BASE_URL USER PASSWORD ACCOUNT [--cookie-manager] [--no-token] [--fetch-twice] [--proxy HOST:PORT]
//   --cookie-manager  keep the session cookie between calls (the token is bound to it)
//   --no-token        do not send the fetched token on the write
//   --fetch-twice     fetch again on a second read, but write with the first token
// Exit status 0: done; 3: a call was refused (stderr says which); 1: other failure.

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

public class CsrfConnector {
    static final String SERVICE = "/sap/opu/odata/sap/API_USERS_SRV";

    public static void main(String[] args) throws Exception {
        String base = args[0].replaceAll("/$", "") + SERVICE;
        String auth = "Basic " + Base64.getEncoder().encodeToString((args[1] + ":" + args[2]).getBytes(StandardCharsets.UTF_8));
        String account = args[3];
        boolean sendToken = true, fetchTwice = false;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
        for (int i = 4; i < args.length; i++) {
            switch (args[i]) {
                case "--cookie-manager":
                    b.cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL));
                    break;
                case "--no-token":
                    sendToken = false;
                    break;
                case "--fetch-twice":
                    fetchTwice = true;
                    break;
                case "--proxy":
                    String[] hp = args[++i].split(":");
                    b.proxy(ProxySelector.of(new InetSocketAddress(hp[0], Integer.parseInt(hp[1]))));
                    break;
                default:
                    System.err.println("unknown flag " + args[i]);
                    System.exit(1);
            }
        }
        HttpClient client = b.build();

        String token = call(client, auth, "GET", base + "/Users?$top=1", "Fetch", null);
        if (fetchTwice) {
            String filter = URLEncoder.encode("UserName eq '" + account + "'", StandardCharsets.UTF_8).replace("+", "%20");
            call(client, auth, "GET", base + "/Users?$filter=" + filter, "Fetch", null);
        }
        call(client, auth, "POST", base + "/Users", sendToken ? token : null, "{\"UserName\":\"" + account + "\"}");
    }

    // call sends one request and returns the response's x-csrf-token.
    static String call(HttpClient client, String auth, String method, String url, String csrf, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", auth)
                .header("Accept", "application/json")
                .timeout(Duration.ofSeconds(30));
        if (csrf != null) {
            r.header("X-CSRF-Token", csrf);
        }
        if (body != null) {
            r.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            r.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> resp = client.send(r.build(), HttpResponse.BodyHandlers.ofString());
        String path = URI.create(url).getPath();
        System.out.println(method + " " + path + " " + resp.statusCode());
        if (resp.statusCode() >= 400) {
            System.err.println("REFUSED " + method + " " + path + " " + resp.statusCode() + " " + resp.body().trim());
            System.exit(3);
        }
        return resp.headers().firstValue("x-csrf-token").orElse(null);
    }
}
