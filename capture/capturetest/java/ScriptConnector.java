// ScriptConnector sends a script's requests, in order, with one
// java.net.http.HttpClient: one logical client, as a JVM connector's
// operation does. Used by capturetest.JDKCaller.
//
//   java ScriptConnector.java SCRIPT BASE_URL [--proxy HOST:PORT] [--cookie-manager]
//
// SCRIPT is the step file capturetest writes (STEP/H/B lines, tab-separated,
// bodies in base64); each reply is printed as REPLY/H/B lines on stdout.
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

public class ScriptConnector {
    record Step(String method, long pauseMillis, String path, List<String[]> headers, byte[] body) {}

    static List<Step> read(Path script) throws Exception {
        List<Step> steps = new ArrayList<>();
        for (String line : Files.readAllLines(script, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            switch (f[0]) {
                case "STEP" -> steps.add(new Step(f[1], Long.parseLong(f[2]), f[3], new ArrayList<>(), null));
                case "H" -> steps.get(steps.size() - 1).headers().add(new String[] {f[1], f[2]});
                case "B" -> {
                    Step s = steps.remove(steps.size() - 1);
                    steps.add(new Step(s.method(), s.pauseMillis(), s.path(), s.headers(), Base64.getDecoder().decode(f[1])));
                }
                default -> {}
            }
        }
        return steps;
    }

    public static void main(String[] args) throws Exception {
        List<Step> steps = read(Path.of(args[0]));
        String base = args[1].replaceAll("/$", "");
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(20));
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("--proxy")) {
                String[] hp = args[++i].split(":");
                b.proxy(ProxySelector.of(new InetSocketAddress(hp[0], Integer.parseInt(hp[1]))));
            } else if (args[i].equals("--cookie-manager")) {
                b.cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL));
            }
        }
        HttpClient client = b.build();
        StringBuilder out = new StringBuilder();
        for (Step s : steps) {
            Thread.sleep(s.pauseMillis());
            HttpRequest.BodyPublisher body = s.body() == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(s.body());
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + s.path())).method(s.method(), body)
                    .timeout(Duration.ofSeconds(30));
            for (String[] h : s.headers()) {
                req.header(h[0], h[1]);
            }
            HttpResponse<byte[]> resp = client.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            out.append("REPLY\t").append(resp.statusCode()).append('\n');
            for (Map.Entry<String, List<String>> e : resp.headers().map().entrySet()) {
                for (String v : e.getValue()) {
                    out.append("H\t").append(e.getKey()).append('\t').append(v.replace('\t', ' ').replace('\n', ' ')).append('\n');
                }
            }
            out.append("B\t").append(Base64.getEncoder().encodeToString(resp.body())).append('\n');
        }
        System.out.print(out);
        System.out.flush();
    }
}
