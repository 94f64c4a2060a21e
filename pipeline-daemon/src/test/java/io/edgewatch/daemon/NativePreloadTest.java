package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.daemon.config.CameraConfig;
import io.edgewatch.daemon.config.ConfigLoader;

/** What the start loads beside the rest: only what the configuration uses, and classes that exist (a typo would skip a load silently). */
class NativePreloadTest {

    @TempDir
    Path dir;

    @Test
    void eachDetectorBringsItsOwnLibrariesAndOnlyThose() throws Exception {
        Path cfg = ConfigFolder.write(dir, "", ConfigFolder.PATTERN_CAMERA);
        Files.writeString(cfg.resolve("cameras/hog.yaml"), """
                id: hog
                source: {type: test_pattern}
                inference: {type: hog}
                samples:
                  strategies: [{name: all, type: random}]
                """);
        Files.writeString(cfg.resolve("cameras/off.yaml"), """
                id: off
                enabled: false
                source: {type: test_pattern}
                inference: {type: roboflow, model_id: people/1}
                """);
        List<CameraConfig> cameras = ConfigLoader.load(cfg).enabledCameras();
        assertThat(NativePreload.forCameras(cameras)).containsExactly("org.bytedeco.opencv.global.opencv_video",
                "org.bytedeco.opencv.global.opencv_objdetect", "org.bytedeco.opencv.global.opencv_imgcodecs");
        assertThat(NativePreload.forCameras(List.of(cameras.get(0)))).as("the motion camera alone")
                .containsExactly("org.bytedeco.opencv.global.opencv_video");
    }

    @Test
    void everyClassItLoadsIsOnTheClassPath() throws Exception {
        List<String> all = new ArrayList<>(NativePreload.COMMON);
        all.addAll(NativePreload.BY_DETECTOR.values());
        all.add(NativePreload.IMAGE_CODECS);
        all.add(NativePreload.SQLITE);
        assertThat(NativePreload.BY_DETECTOR.keySet()).as("every detector type but none")
                .containsExactlyInAnyOrder("motion", "hog", "cascade", "onnx", "roboflow");
        for (String name : all) {
            // found without initialising it: the test loads no library
            assertThat(Class.forName(name, false, NativePreload.class.getClassLoader())).as(name).isNotNull();
        }
        assertThat(Class.forName(NativePreload.SQLITE).getMethod("initialize")).isNotNull();
    }
}
