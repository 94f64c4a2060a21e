package io.edgewatch.inference.opencv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a cascade named by {@code inference.cascade} is read from: a file path as given; a name from the
 * folder {@code edgewatch.opencv.data} when it is set (the Debian package's unpacked
 * {@code /usr/share/edgewatch/opencv4}: nothing extracted; as it is or gzipped), otherwise from OpenCV's jar through JavaCPP's
 * cache.
 */
class CascadeDetectorTest {

    @TempDir
    Path dir;

    @AfterEach
    void clear() {
        System.clearProperty(CascadeDetector.DATA_PROPERTY);
    }

    @Test
    void aNamedCascadeIsReadFromTheDataFolderWhenThereIsOne() throws Exception {
        Path haar = Files.createDirectories(dir.resolve("haarcascades")).resolve("haarcascade_fullbody.xml");
        Path lbp = Files.createDirectories(dir.resolve("lbpcascades")).resolve("lbpcascade_frontalface.xml.gz");
        Files.copy(Path.of(CascadeDetector.locate("haarcascade_fullbody.xml")), haar);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(lbp))) {
            Files.copy(Path.of(CascadeDetector.locate("lbpcascade_frontalface.xml")), out);
        }
        System.setProperty(CascadeDetector.DATA_PROPERTY, dir.toString());

        assertThat(CascadeDetector.locate("haarcascade_fullbody.xml")).isEqualTo(haar.toString());
        assertThat(CascadeDetector.locate("lbpcascade_frontalface.xml")).isEqualTo(lbp.toString());
        // one the folder lacks still comes from the jar
        assertThat(CascadeDetector.locate("haarcascade_upperbody.xml")).doesNotStartWith(dir.toString())
                .endsWith("haarcascade_upperbody.xml");
        // OpenCV reads the gzipped one as it is
        try (CascadeDetector d = new CascadeDetector(new CascadeOptions("haarcascade_fullbody.xml", "person", 1.1, 3, 0));
                CascadeDetector z = new CascadeDetector(new CascadeOptions("lbpcascade_frontalface.xml", "face", 1.1, 3, 0))) {
            assertThat(d).isNotNull();
            assertThat(z).isNotNull();
        }
    }
}
