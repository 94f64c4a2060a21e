package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.logging.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.daemon.config.ConfigLoader;

/**
 * Issue 31, "the page shows only what it knows", in a real browser (Debian's chromium, as in
 * {@link StatusPageBrowserTest}): a daemon runs a test pattern for some seconds and stops; after a
 * real gap of ~16 s a second daemon starts on the same storage. On the page's 15-minute range the
 * fps plot draws nothing over the gap (before, a straight line joined its two sides), the stop and
 * the restart are marked on the camera's timeline, and the source state strip still begins before
 * the restart (before, it began empty at every start).
 */
class StatusPageGapBrowserTest {

    @TempDir
    Path dir;

    private static Object js(WebDriver d, String script) {
        return ((JavascriptExecutor) d).executeScript(script);
    }

    /** Coloured pixels of the pattern camera's fps plot in the canvas column of time {@code t} (epoch seconds), inside the plot area. */
    private static long colouredAt(WebDriver d, double t) {
        return (Long) js(d, """
                const u = document.querySelector('.camera[data-camera=pattern] [data-plot=fps]').uplot;
                const x = Math.round(u.valToPos(%f, 'x', true));
                const b = u.bbox;
                let n = 0;
                for (let dx = -1; dx <= 1; dx++) {
                  const px = u.ctx.getImageData(x + dx, b.top, 1, b.height).data;
                  for (let i = 0; i < px.length; i += 4) { if (px[i + 3] > 0 && (px[i] !== px[i + 1] || px[i + 1] !== px[i + 2])) n++; }
                }
                return n;""".formatted(t));
    }

    @Test
    void thePlotBreaksOverARealGapAndTheRestartIsMarkedAndTheStripSurvivesIt() throws Exception {
        Path cfg = ConfigFolder.write(dir, "", ConfigFolder.PATTERN_CAMERA);
        try (Daemon first = Daemon.start(ConfigLoader.load(cfg))) {
            Thread.sleep(8_000); // eight 1 s windows
        }
        Thread.sleep(16_000); // nothing runs: four points of the 15-minute range's 4 s step
        try (Daemon again = Daemon.start(ConfigLoader.load(cfg))) {
            String url = again.healthUrl().orElseThrow();
            Thread.sleep(8_000);
            long now = Instant.now().getEpochSecond();
            JsonNode h = new ObjectMapper().readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(url + "/api/cameras/pattern/history?from=" + (now - 900) + "&to=" + now + "&step=4")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            long stop = -1;
            long start = -1;
            for (JsonNode m : h.get("marks")) {
                if (m.get("kind").asText().equals("stop")) {
                    stop = m.get("t").asLong();
                } else if (m.get("kind").asText().equals("start") && stop >= 0) {
                    start = m.get("t").asLong();
                }
            }
            assertThat(stop).as("the first daemon's stop is kept").isPositive();
            assertThat(start - stop).as("the gap between the stop and the restart, s").isGreaterThanOrEqualTo(15);

            WebDriver d = Chromium.start();
            try {
                d.get(url + "/");
                WebDriverWait wait = new WebDriverWait(d, Duration.ofSeconds(60));
                wait.until(x -> !x.findElements(By.cssSelector(".camera[data-camera=pattern] [data-plot=fps] canvas")).isEmpty());
                d.findElement(By.cssSelector("#ranges button[data-range='900']")).click();
                long s0 = stop;
                long s1 = start;
                // the plot is drawn on both sides of the gap: the line crosses a column before and after it
                wait.until(x -> colouredAt(x, s0 - 3) > 0 && colouredAt(x, s1 + 6) > 0);
                assertThat(colouredAt(d, (s0 + s1) / 2.0)).as("coloured pixels in the middle of the gap").isZero();
                // the stop and the restart on the timeline
                wait.until(x -> !x.findElements(By.cssSelector(".camera[data-camera=pattern] .timeline b.mark.stop")).isEmpty());
                assertThat(d.findElements(By.cssSelector(".camera[data-camera=pattern] .timeline b.mark.start")).size())
                        .as("both starts in the range").isEqualTo(2);
                assertThat(d.findElement(By.cssSelector(".camera[data-camera=pattern] .timeline b.mark.stop")).getAttribute("title"))
                        .startsWith("edgewatch stopped at ");
                // the strip: the first run's state before the restart, none across the gap, the second run's after it
                @SuppressWarnings("unchecked")
                List<List<Number>> spans = (List<List<Number>>) js(d, """
                        return [...document.querySelectorAll('.camera[data-camera=pattern] .strip span')]
                          .map(s => [parseFloat(s.style.left), parseFloat(s.style.left) + parseFloat(s.style.width)]);""");
                double restartAt = 100.0 * (start - (now - 900)) / 900;
                assertThat(spans).as("state spans").hasSizeGreaterThanOrEqualTo(2);
                assertThat(spans.get(0).get(0).doubleValue()).as("the strip begins before the restart").isLessThan(restartAt - 1);
                double stopAt = 100.0 * (stop - (now - 900)) / 900;
                assertThat(spans).as("no state drawn across the gap").noneMatch(s -> s.get(0).doubleValue() < stopAt + 0.5 && s.get(1).doubleValue() > restartAt - 0.5);

                List<String> errors = d.manage().logs().get(LogType.BROWSER).getAll().stream()
                        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage).toList();
                assertThat(errors).as("console errors").isEmpty();
            } finally {
                d.quit();
            }
        }
    }

}
