package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

import io.edgewatch.daemon.config.ConfigLoader;

/**
 * The status page in a real browser: Debian's chromium driven by its chromium-driver through
 * Selenium (both installed by {@code scripts/install-test-deps}). The daemon runs a test pattern
 * under motion detection, {@code ../shared/fixtures/vtest.avi} under HOG (the fixture folder as for
 * every fixture test, {@code -Dedgewatch.fixtures=DIR}) and a camera that cannot connect, behind a
 * token. Without the token every data path is refused; the page asks for it once, then lists the
 * cameras, shows snapshots of the frames' sizes and the samples kept, draws plots with something on them, shows the
 * broken camera's {@code source_down} on its timeline, and logs no console error. It writes
 * {@code target/status-page.png} (the one in {@code docs/} is a copy).
 */
class StatusPageBrowserTest {

    private static final String TOKEN = "status-page-token-5";

    @TempDir
    Path dir;


    private static Object js(WebDriver d, String script) {
        return ((JavascriptExecutor) d).executeScript(script);
    }

    @Test
    void thePageShowsTheCamerasTheirPicturesPlotsAndAlertsBehindItsToken() throws Exception {
        Path vtest = ConfigFolder.fixture("vtest.avi");
        // the pattern camera keeps its first three moving frames as samples
        Path cfg = ConfigFolder.write(dir, "", ConfigFolder.PATTERN_CAMERA + """
                samples:
                  strategies:
                    - {name: moving, type: classes, classes: [motion], limits: {day: 3}}
                """);
        Files.writeString(cfg.resolve("edgewatch.yaml"), Files.readString(cfg.resolve("edgewatch.yaml"))
                .replace("health:\n  port: 0\n", "health:\n  port: 0\n  token: " + TOKEN + "\n"));
        Files.writeString(cfg.resolve("cameras/lobby.yaml"), """
                id: lobby
                source:
                  type: file
                  path: %s
                  loop: true
                  max_fps: 2
                inference:
                  type: hog
                aggregation:
                  frequency: 1
                """.formatted(vtest));
        Files.writeString(cfg.resolve("cameras/door.yaml"), """
                id: door
                source:
                  type: rtsp
                  url: rtsp://127.0.0.1:%d/stream1
                  timeout: 1s
                  reconnect: {min_delay: 200ms, max_delay: 1s}
                inference:
                  type: none
                aggregation:
                  frequency: 1
                alerts:
                  source_down: 2s
                  sustain: 1s
                """.formatted(ConfigFolder.freePort()));
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            String url = daemon.healthUrl().orElseThrow();
            HttpClient http = HttpClient.newHttpClient();
            for (String path : List.of("/api/cameras", "/api/cameras/pattern/snapshot.jpg", "/api/cameras/pattern/history", "/healthz")) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(path + " without the token").isEqualTo(401);
            }
            WebDriver d = Chromium.start();
            try {
                d.get(url + "/");
                WebDriverWait wait = new WebDriverWait(d, Duration.ofSeconds(60));
                wait.until(x -> x.findElement(By.id("login")).isDisplayed());
                assertThat(d.findElements(By.cssSelector(".tile"))).as("nothing shown before the token").isEmpty();
                d.findElement(By.id("token")).sendKeys(TOKEN);
                d.findElement(By.cssSelector("#login button")).click();

                wait.until(x -> x.findElements(By.cssSelector(".tile")).size() == 3);
                // snapshots of the frames' own sizes: 160x120 pattern, 768x576 vtest
                wait.until(x -> Long.valueOf(160).equals(js(x,
                        "return document.querySelector('.camera[data-camera=pattern] img.snapshot').naturalWidth")));
                wait.until(x -> Long.valueOf(768).equals(js(x,
                        "return document.querySelector('.camera[data-camera=lobby] img.snapshot').naturalWidth")));
                assertThat(js(d, "return document.querySelector('.camera[data-camera=lobby] img.snapshot').naturalHeight"))
                        .isEqualTo(576L);
                // the pattern camera's samples, as thumbnails of the frame's size with what was seen; none for the others
                wait.until(x -> Long.valueOf(3).equals(js(x,
                        "return document.querySelectorAll('.camera[data-camera=pattern] .samples figure').length")));
                wait.until(x -> Long.valueOf(160).equals(js(x,
                        "return document.querySelector('.camera[data-camera=pattern] .samples figure:last-child img').naturalWidth")));
                assertThat(d.findElement(By.cssSelector(".camera[data-camera=pattern] .samples figcaption")).getText())
                        .startsWith("moving · ").contains("motion");
                assertThat(js(d, "return document.querySelector('.camera[data-camera=lobby] .samples').hidden")).isEqualTo(true);
                // plots with something drawn: coloured pixels on the fps plot's canvas
                String coloured = """
                        const c = document.querySelector('.camera[data-camera=%s] [data-plot=fps] canvas');
                        if (!c) return 0;
                        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                        let n = 0;
                        for (let i = 0; i < px.length; i += 4) { if (px[i + 3] > 0 && (px[i] !== px[i + 1] || px[i + 1] !== px[i + 2])) n++; }
                        return n;""";
                wait.until(x -> ((Long) js(x, coloured.formatted("pattern"))) > 50);
                wait.until(x -> ((Long) js(x, coloured.formatted("lobby"))) > 50);
                wait.until(x -> !x.findElements(By.cssSelector(".camera[data-camera=lobby] [data-plot=confidence] canvas")).isEmpty());
                // the broken camera's alert on its timeline and in its list
                wait.until(x -> !x.findElements(By.cssSelector(".camera[data-camera=door] .timeline i.firing")).isEmpty());
                assertThat(d.findElement(By.cssSelector(".camera[data-camera=door] .alert-list")).getText()).contains("source_down firing");
                assertThat(d.findElement(By.cssSelector(".tile[data-camera=door]")).getText()).contains("source_down");
                assertThat(d.findElement(By.id("box")).getText()).contains("version 0.1.0");
                // drops by reason in words (issue 31), not a JSON object
                assertThat(d.findElement(By.cssSelector(".camera[data-camera=pattern]")).getText()).contains("dropped: ")
                        .doesNotContain("dropped {");

                Files.createDirectories(Path.of("target"));
                Files.write(Path.of("target", "status-page.png"), ((TakesScreenshot) d).getScreenshotAs(OutputType.BYTES));
                List<String> errors = d.manage().logs().get(LogType.BROWSER).getAll().stream()
                        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage).toList();
                assertThat(errors).as("console errors").isEmpty();
            } finally {
                d.quit();
            }
        }
    }
}
