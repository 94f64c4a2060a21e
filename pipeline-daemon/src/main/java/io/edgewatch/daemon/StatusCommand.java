package io.edgewatch.daemon;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.daemon.config.EdgewatchConfig;
import io.edgewatch.daemon.config.HealthConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * {@code edgewatch status}: a running daemon as a person reads it, from its local endpoint (the
 * configuration says where, and the token): version and uptime, each camera's state, fps and last
 * window, active alerts, the outbox. Exit 0 when the daemon answers and is ok, 1 when it is
 * degraded, 3 when it does not answer: a health check for scripts.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Summarises a running daemon from its local endpoint; exits 0 ok, 1 degraded, 2 bad configuration, 3 unreachable.")
final class StatusCommand implements Callable<Integer> {

    static final int DEGRADED = 1;
    static final int UNREACHABLE = 3;
    /** Made when the command runs, not when picocli builds the command line of every run. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
    private static final Pattern OUTBOX = Pattern.compile("(?m)^edgewatch_outbox_(depth|oldest_age_seconds)(?:\\{[^}]*\\})? ([0-9.eE+-]+)$");

    @CommandLine.Mixin
    Edgewatch.ConfigOption options;

    @Override
    public Integer call() {
        PrintWriter out = options.spec.commandLine().getOut();
        PrintWriter err = options.spec.commandLine().getErr();
        EdgewatchConfig c = Edgewatch.loadOrReport(options.config, err);
        if (c == null) {
            return Edgewatch.INVALID;
        }
        HealthConfig h = c.health();
        if (h == null) {
            err.println("edgewatch status: health.enabled is false in " + options.config.resolve("edgewatch.yaml")
                    + ": the daemon serves no status");
            err.flush();
            return UNREACHABLE;
        }
        String host = h.host().equals("0.0.0.0") || h.host().equals("::") ? "127.0.0.1" : h.host();
        String base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + h.port();
        HttpClient client = HttpClient.create().responseTimeout(Duration.ofSeconds(5))
                .headers(hs -> {
                    if (!h.token().isEmpty()) {
                        hs.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + h.token().reveal());
                    }
                });
        JsonNode healthz;
        JsonNode cameras;
        JsonNode alerts;
        String metrics;
        try {
            healthz = Json.MAPPER.readTree(get(client, base + "/healthz"));
            cameras = Json.MAPPER.readTree(get(client, base + "/api/cameras"));
            alerts = Json.MAPPER.readTree(get(client, base + "/api/alerts"));
            metrics = get(client, base + "/metrics");
        } catch (Exception e) {
            err.println("edgewatch status: no answer from " + base + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() != null ? ": " + e.getMessage() : "") + "); is the daemon running with this configuration?");
            err.flush();
            return UNREACHABLE;
        }
        String status = healthz.path("status").asText("unknown");
        out.printf(Locale.ROOT, "edgewatch %s at %s: %s, up %s%n", healthz.path("version").asText("?"), base, status,
                human(healthz.path("uptime_s").asLong()));
        for (JsonNode cam : cameras.path("cameras").isArray() ? cameras.path("cameras") : cameras) {
            JsonNode w = cam.path("last_window");
            JsonNode src = cam.path("source");
            out.printf(Locale.ROOT, "  %-20s %-9s %-12s %s%n", cam.path("camera_id").asText(), cam.path("status").asText(),
                    src.path("state").asText("-"), !w.has("window_end") ? "no window yet"
                            : String.format(Locale.ROOT, "%.1f fps seen, %.1f inferred, last window ended %s",
                                    w.path("fps_seen").asDouble(), w.path("fps_inferred").asDouble(), w.path("window_end").asText())
                            + (src.hasNonNull("decoder") ? ", decoder " + src.path("decoder").asText() : "")
                            + (cam.path("inference").hasNonNull("provider") ? ", on " + cam.path("inference").path("provider").asText() : ""));
            if (src.hasNonNull("last_error") && !src.path("state").asText().equals("streaming")) {
                out.printf("  %-20s last error: %s%n", "", src.path("last_error").asText());
            }
        }
        JsonNode active = alerts.path("active");
        out.printf("alerts: %s%n", active.isEmpty() ? "none active" : active.size() + " active");
        for (JsonNode a : active) {
            out.printf("  %s %s since %s: %s%n", a.path("camera_id").asText("-"), a.path("signal").asText(), a.path("at").asText(),
                    a.path("message").asText());
        }
        Matcher m = OUTBOX.matcher(metrics);
        Double depth = null;
        Double age = null;
        while (m.find()) {
            if (m.group(1).equals("depth")) {
                depth = Double.parseDouble(m.group(2));
            } else {
                age = Double.parseDouble(m.group(2));
            }
        }
        out.println(depth == null ? "outbox: none (no Roboflow reporting, broker or webhook)"
                : String.format(Locale.ROOT, "outbox: %d waiting, oldest %s", depth.longValue(),
                        human(age == null ? 0 : age.longValue())));
        healthz.path("destinations").properties().forEach(d -> {
            JsonNode v = d.getValue();
            out.printf(Locale.ROOT, "destination %s: %s to %s; %d sent, %d acknowledged, %d retried%n", d.getKey(),
                    v.path("state").asText("?"), v.path("where").asText("?"), v.path("sent").asLong(), v.path("acknowledged").asLong(),
                    v.path("retried").asLong());
        });
        for (JsonNode problem : healthz.path("problems")) {
            out.println("problem: " + problem.asText());
        }
        out.flush();
        return status.equals("ok") ? Edgewatch.OK : DEGRADED;
    }

    private static String get(HttpClient client, String url) {
        return client.get().uri(url).responseSingle((res, body) -> {
            if (res.status().code() != 200) {
                return Mono.error(new IllegalStateException("HTTP " + res.status().code() + " from " + url));
            }
            return body.asString();
        }).block(Duration.ofSeconds(10));
    }

    /** Seconds as {@code 3h 12m}, {@code 4m 5s}, {@code 12s}. */
    private static String human(long seconds) {
        if (seconds >= 86_400) {
            return seconds / 86_400 + "d " + seconds % 86_400 / 3600 + "h";
        }
        if (seconds >= 3600) {
            return seconds / 3600 + "h " + seconds % 3600 / 60 + "m";
        }
        if (seconds >= 60) {
            return seconds / 60 + "m " + seconds % 60 + "s";
        }
        return seconds + "s";
    }
}
