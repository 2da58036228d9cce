// The web-services connector of seed 1 (the session it did not keep), on the JDK's HttpClient:
// create an account, add it to a group, read it back, Basic auth on every
// call. With --cookie-manager the client keeps the session cookie between
// calls (and works); without, the server refuses the second call.
//
// usage: java Seed1Connector.java BASE_URL USER PASSWORD ACCOUNT GROUP_ID [--cookie-manager] [--proxy HOST:PORT]
// Exit status 0: done; 3: a call was refused (stderr says which); 1: other failure.

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Seed1Connector {
    public static void main(String[] args) throws Exception {
        String base = args[0].replaceAll("/$", "");
        String auth = "Basic " + Base64.getEncoder().encodeToString((args[1] + ":" + args[2]).getBytes(StandardCharsets.UTF_8));
        String account = args[3], group = args[4];
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
        for (int i = 5; i < args.length; i++) {
            if (args[i].equals("--cookie-manager")) {
                b.cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL));
            } else if (args[i].equals("--proxy")) {
                String[] hp = args[++i].split(":");
                b.proxy(ProxySelector.of(new InetSocketAddress(hp[0], Integer.parseInt(hp[1]))));
            }
        }
        HttpClient client = b.build();

        String created = call(client, auth, "POST", base + "/admin/users",
                "{\"name\":\"" + account + "\",\"email\":\"" + account + "@example.com\"}");
        Matcher m = Pattern.compile("\"uuid\"\\s*:\\s*\"([^\"]+)\"").matcher(created);
        if (!m.find()) {
            System.err.println("POST /admin/users: unexpected answer " + created);
            System.exit(1);
        }
        call(client, auth, "PATCH", base + "/admin/usergroups/" + group, "{\"addUsers\":[\"" + m.group(1) + "\"]}");
        call(client, auth, "GET", base + "/admin/users/" + account, null);
    }

    static String call(HttpClient client, String auth, String method, String url, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", auth)
                .header("Accept", "application/json")
                .timeout(Duration.ofSeconds(30));
        if (body != null) {
            r.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            r.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> resp = client.send(r.build(), HttpResponse.BodyHandlers.ofString());
        System.out.println(method + " " + URI.create(url).getPath() + " " + resp.statusCode());
        if (resp.statusCode() >= 400) {
            System.err.println("REFUSED " + method + " " + URI.create(url).getPath() + " " + resp.statusCode() + " " + resp.body().trim());
            System.exit(3);
        }
        return resp.body();
    }
}
