package io.edgewatch.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The plain Python OpenCV loop ({@code scripts/cv2-loop.py} on Debian's {@code python3-opencv}) as a
 * contender: one Python process serves every run over its standard input, so that neither Python's
 * start nor cv2's import is timed, only the decode and the detections, as for the other contenders.
 */
final class PythonLoop implements AutoCloseable {

    private final Process process;
    private final PrintWriter in;
    private final BufferedReader out;
    final String version;

    private PythonLoop(Process process) throws IOException {
        this.process = process;
        this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        if (ready == null || !ready.startsWith("ready ")) {
            process.destroyForcibly();
            throw new IOException("scripts/cv2-loop.py did not start (is Debian's python3-opencv installed? scripts/install-bench-deps): "
                    + ready);
        }
        this.version = ready.substring("ready ".length());
    }

    /** The loop, or null (said on standard output) when Debian's Python or its OpenCV is missing. */
    static PythonLoop start(Path script) {
        Path python = Path.of("/usr/bin/python3");
        if (script == null || !Files.isReadable(script) || !Files.isExecutable(python)) {
            System.out.println("   (no Python baseline: " + (script == null ? "no script given" : python + " or " + script + " missing") + ")");
            return null;
        }
        try {
            return new PythonLoop(new ProcessBuilder(python.toString(), script.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start());
        } catch (IOException e) {
            System.out.println("   (no Python baseline: " + e.getMessage() + ")");
            return null;
        }
    }

    /** HOG on every {@code every}-th of the first {@code maxFrames} frames of {@code clip}; the frames detected on. */
    long hog(Path clip, int maxFrames, int every, int threads) {
        in.println("hog " + clip.toAbsolutePath() + " " + maxFrames + " " + every + " " + threads);
        try {
            String answer = out.readLine();
            if (answer == null || answer.startsWith("error")) {
                throw new IllegalStateException("scripts/cv2-loop.py: " + answer);
            }
            return Long.parseLong(answer.split(" ")[0]);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        in.println();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
