package io.edgewatch.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The detector-threads rule, on configurations read from files as the daemon reads them. */
class ThreadRuleTest {

    @TempDir
    Path dir;

    private EdgewatchConfig config(String inference, String... cameras) throws Exception {
        Files.createDirectories(dir.resolve("cameras"));
        Files.writeString(dir.resolve("edgewatch.yaml"), "sinks:\n  jsonl:\n    path: out/r.jsonl\n"
                + (inference.isEmpty() ? "" : "inference:\n" + inference));
        for (int i = 0; i < cameras.length; i++) {
            Files.writeString(dir.resolve("cameras/c" + i + ".yaml"), "id: c" + i + "\nsource:\n  type: test_pattern\ninference:\n"
                    + cameras[i]);
        }
        return new ConfigLoader(Map.of()).read(dir);
    }

    private static ThreadRule rule(EdgewatchConfig c, int cores) {
        return ThreadRule.of(c.inference(), cores, c.enabledCameras());
    }

    @Test
    void oneHogCameraOnTwoCoresSpreadsEachFrameOverBothAndKeepsOneFrameInFlight() throws Exception {
        EdgewatchConfig c = config("  workers: 2\n", "  type: hog\n");
        ThreadRule rule = rule(c, 2);
        assertThat(rule.opencvThreads()).isEqualTo(2);
        assertThat(rule.maxInFlight(c.enabledCameras().get(0).inference())).isEqualTo(1);
    }

    @Test
    void asManyThreadedCamerasAsCoresKeepOneThreadPerCallAndFramesInParallel() throws Exception {
        EdgewatchConfig c = config("  workers: 2\n", "  type: hog\n", "  type: hog\n");
        ThreadRule rule = rule(c, 2);
        assertThat(rule.opencvThreads()).isEqualTo(1);
        assertThat(c.enabledCameras()).allSatisfy(cam -> assertThat(rule.maxInFlight(cam.inference())).isEqualTo(2));
    }

    @Test
    void camerasWithoutThreadsOfTheirOwnDoNotCountAndKeepTheirOwnBounds() throws Exception {
        // motion runs one frame at a time and never splits one: three of them leave the HOG camera the cores
        EdgewatchConfig c = config("  workers: 8\n", "  type: hog\n", "  type: motion\n", "  type: motion\n", "  type: motion\n");
        ThreadRule rule = rule(c, 8);
        assertThat(rule.cameras()).isEqualTo(1);
        assertThat(rule.opencvThreads()).isEqualTo(8);
        assertThat(rule.maxInFlight(c.enabledCameras().get(0).inference())).isEqualTo(1);
        assertThat(c.enabledCameras().subList(1, 4)).allSatisfy(cam -> assertThat(rule.maxInFlight(cam.inference())).isEqualTo(1));
    }

    @Test
    void threeCamerasOnEightCoresGetTwoThreadsAndOneFrameEach() throws Exception {
        EdgewatchConfig c = config("  workers: 8\n", "  type: hog\n", "  type: hog\n", "  type: hog\n");
        ThreadRule rule = rule(c, 8);
        assertThat(rule.opencvThreads()).isEqualTo(2);
        assertThat(rule.onnxThreads()).isEqualTo(2);
        assertThat(c.enabledCameras()).allSatisfy(cam -> assertThat(rule.maxInFlight(cam.inference())).isEqualTo(1));
    }

    @Test
    void whatTheFilesSayWinsOverTheRule() throws Exception {
        EdgewatchConfig c = config("  workers: 2\n  opencv_threads: 1\n", "  type: hog\n", "  type: hog\n  max_in_flight: 3\n");
        ThreadRule rule = rule(c, 4);
        assertThat(rule.opencvThreads()).isEqualTo(1);
        // one thread per call by hand: frames are the parallelism again
        assertThat(rule.maxInFlight(c.enabledCameras().get(0).inference())).isEqualTo(2);
        assertThat(rule.maxInFlight(c.enabledCameras().get(1).inference())).isEqualTo(3);
    }
}
