package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.edgewatch.daemon.config.ConfigLoader;
import io.edgewatch.testkit.RoboflowStandIn;

/**
 * Prometheus's own tool on what we ship: {@code promtool check metrics} on a real scrape (HOG on
 * {@code ../shared/fixtures/vtest.avi}, reporting to a Roboflow stand-in so the outbox's series are
 * there) must say nothing about edgewatch's series; the alert rules in {@code deploy/prometheus}
 * must pass {@code promtool check rules} and their unit tests; every metric the Grafana dashboard
 * and the rules query must be in that scrape. promtool is Debian's {@code prometheus} package,
 * installed by {@code scripts/install-test-deps}; the fixture folder is set as for every fixture
 * test ({@code -Dedgewatch.fixtures=DIR}).
 */
class PrometheusToolsTest {

    private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
    private static final Pattern SERIES = Pattern.compile("\\b((?:edgewatch|jvm|process)_[a-z_]+)\\b");
    private static String scrape;

    @TempDir
    static Path dir;

    record Run(int code, String out) {
    }

    static Run promtool(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("promtool");
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).directory(DEPLOY.resolve("prometheus").toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("promtool is not installed: run scripts/install-test-deps (Debian's prometheus package)", e);
        }
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @BeforeAll
    static void scrapeARealRun() throws Exception {
        Path vtest = ConfigFolder.fixture("vtest.avi");
        try (RoboflowStandIn roboflow = new RoboflowStandIn("ws")) {
            Path cfg = ConfigFolder.write(dir, "", """
                    id: lobby
                    source:
                      type: file
                      path: %s
                      max_fps: 1
                    inference:
                      type: hog
                      max_in_flight: 2
                    aggregation:
                      frequency: 2
                    """.formatted(vtest));
            Files.writeString(cfg.resolve("edgewatch.yaml"), Files.readString(cfg.resolve("edgewatch.yaml")) + """
                    roboflow:
                      api_key: rf_promtool_key_1
                      api_url: %s
                      workspace: ws
                    """.formatted(roboflow.url()));
            try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
                daemon.completion().block(Duration.ofMinutes(5));
                HttpResponse<String> r = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create(daemon.healthUrl().orElseThrow() + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                scrape = r.body();
            }
        }
        assertThat(scrape).contains("edgewatch_latency_seconds_bucket").contains("edgewatch_prediction_confidence_bucket")
                .contains("edgewatch_outbox_depth");
    }

    @Test
    void promtoolFindsNothingWrongWithEdgewatchsOwnSeries() throws Exception {
        Run r = promtool(scrape, "check", "metrics");
        // printed for the record: what it says of the JVM's and the system's series (Micrometer's binders) is not ours
        System.out.println("promtool check metrics (exit " + r.code() + "):\n" + r.out());
        assertThat(r.out().lines().filter(l -> l.contains("edgewatch_")).toList()).as(r.out()).isEmpty();
    }

    @Test
    void theAlertRulesPassPromtoolAndTheirUnitTests() throws Exception {
        Run check = promtool(null, "check", "rules", "edgewatch-rules.yml");
        assertThat(check.code()).as(check.out()).isZero();
        assertThat(check.out()).contains("SUCCESS");
        Run test = promtool(null, "test", "rules", "edgewatch-rules.test.yml");
        assertThat(test.code()).as(test.out()).isZero();
    }

    @Test
    void everyMetricTheDashboardAndTheRulesQueryIsInARealScrape() throws Exception {
        Set<String> queried = new TreeSet<>();
        JsonNode dashboard = new ObjectMapper().readTree(DEPLOY.resolve("grafana/edgewatch-dashboard.json").toFile());
        dashboard.findValues("expr").forEach(e -> names(e.asText(), queried));
        dashboard.findValues("query").forEach(e -> names(e.asText(), queried));
        int fromDashboard = queried.size();
        JsonNode rules = new YAMLMapper().readTree(DEPLOY.resolve("prometheus/edgewatch-rules.yml").toFile());
        rules.findValues("expr").forEach(e -> names(e.asText(), queried));
        assertThat(fromDashboard).as("the dashboard queries edgewatch's series").isGreaterThan(10);
        List<String> missing = queried.stream()
                .filter(name -> !Pattern.compile("^" + name + "[{ ]", Pattern.MULTILINE).matcher(scrape).find()).toList();
        assertThat(missing).as("queried but not in the scrape: %s", queried).isEmpty();
        // each panel the issue asks for is there
        List<String> titles = dashboard.get("panels").findValues("title").stream().map(JsonNode::asText).toList();
        assertThat(String.join("|", titles)).contains("Frames per second").contains("dropped").contains("Latency p95 by stage")
                .contains("confidence by class").contains("Alerts").contains("Outbox depth");
    }

    private static void names(String expr, Set<String> into) {
        Matcher m = SERIES.matcher(expr);
        while (m.find()) {
            into.add(m.group(1));
        }
    }
}
