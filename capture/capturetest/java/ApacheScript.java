// ApacheScript sends a script's requests, in order, with one Apache
// HttpClient 4.5 client and its own BasicCookieStore: what most JVM
// connectors (IdentityIQ's among them) are built on. Used by
// capturetest.ApacheCaller.
//
//   java -cp httpclient.jar:… ApacheScript.java SCRIPT BASE_URL [--proxy HOST:PORT] [--cookie-spec default|standard|none]
//
// SCRIPT and the output are as for ScriptConnector.java.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.http.Header;
import org.apache.http.HttpHost;
import org.apache.http.client.config.CookieSpecs;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.RequestBuilder;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.impl.client.BasicCookieStore;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;

public class ApacheScript {
    public static void main(String[] args) throws Exception {
        List<String[]> lines = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
            lines.add(line.split("\t", -1));
        }
        String base = args[1].replaceAll("/$", "");
        HttpClientBuilder b = HttpClients.custom().setDefaultCookieStore(new BasicCookieStore());
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("--proxy")) {
                String[] hp = args[++i].split(":");
                b.setProxy(new HttpHost(hp[0], Integer.parseInt(hp[1])));
            } else if (args[i].equals("--cookie-spec")) {
                switch (args[++i]) {
                    case "standard" -> b.setDefaultRequestConfig(RequestConfig.custom().setCookieSpec(CookieSpecs.STANDARD).build());
                    case "none" -> b.disableCookieManagement();
                    default -> {}
                }
            }
        }
        StringBuilder out = new StringBuilder();
        try (CloseableHttpClient client = b.build()) {
            for (int i = 0; i < lines.size(); i++) {
                String[] step = lines.get(i);
                if (!step[0].equals("STEP")) {
                    continue;
                }
                Thread.sleep(Long.parseLong(step[2]));
                RequestBuilder req = RequestBuilder.create(step[1]).setUri(base + step[3]);
                for (; i + 1 < lines.size() && !lines.get(i + 1)[0].equals("STEP"); i++) {
                    String[] f = lines.get(i + 1);
                    if (f[0].equals("H")) {
                        req.addHeader(f[1], f[2]);
                    } else if (f[0].equals("B")) {
                        // No content type of its own: the script's Content-Type header says it.
                        req.setEntity(new ByteArrayEntity(Base64.getDecoder().decode(f[1])));
                    }
                }
                try (CloseableHttpResponse resp = client.execute(req.build())) {
                    out.append("REPLY\t").append(resp.getStatusLine().getStatusCode()).append('\n');
                    for (Header h : resp.getAllHeaders()) {
                        out.append("H\t").append(h.getName()).append('\t').append(h.getValue().replace('\t', ' ')).append('\n');
                    }
                    byte[] body = resp.getEntity() == null ? new byte[0] : EntityUtils.toByteArray(resp.getEntity());
                    out.append("B\t").append(Base64.getEncoder().encodeToString(body)).append('\n');
                }
            }
        }
        System.out.print(out);
        System.out.flush();
    }
}
