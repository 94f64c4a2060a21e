package io.edgewatch.sink;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.clock.ClockFloor;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.sink.json.ReportJson;
import io.edgewatch.sink.outbox.JsonRestamper;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Appends one window report per line to a file (JSON Lines), flushed after every line so that a
 * reader tailing the file, or a crash, sees whole reports. Writes run on a single thread of the
 * sink's own, in the order {@link #write} was called; the caller's thread never touches the disk.
 * Per-camera metadata is added to the lines of that camera under {@code metadata}.
 *
 * <p>A report of a window that opened while the wall clock was known wrong (earlier than the
 * floor, the build's time: {@link #open(Path, String, Map, ClockFloor)}) is written at once, as
 * stamped, with {@code "clock_suspect": true}: a file is not held back as the outbox holds a
 * request, and the report the correcting step closes says by how much in {@code clock_step_s}.
 */
public final class JsonlSink implements ReportSink {

    private final Path path;
    private final Map<String, Map<String, String>> metadataByCamera;
    private final String deviceId;
    private final Scheduler writer;
    private final ClockFloor floor;
    private final BufferedWriter out;
    private final ObjectMapper mapper = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    private boolean closed;

    private JsonlSink(Path path, String deviceId, Map<String, Map<String, String>> metadataByCamera, ClockFloor floor)
            throws IOException {
        this.path = path;
        this.floor = floor;
        this.deviceId = deviceId;
        // read at each report, not copied: a reload updates it (a thread-safe map then)
        this.metadataByCamera = metadataByCamera;
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        this.out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        this.writer = Schedulers.newSingle("edgewatch-jsonl");
    }

    /**
     * Opens (creating folders and the file, appending to what is there) {@code path}.
     *
     * @throws UncheckedIOException naming the path when it cannot be opened
     */
    public static JsonlSink open(Path path, String deviceId, Map<String, Map<String, String>> metadataByCamera) {
        return open(path, deviceId, metadataByCamera, ClockFloor.NONE);
    }

    /**
     * Opens {@code path}, flagging ({@code "clock_suspect": true}) the reports of windows that opened before {@code floor}.
     *
     * @throws UncheckedIOException naming the path when it cannot be opened
     */
    public static JsonlSink open(Path path, String deviceId, Map<String, Map<String, String>> metadataByCamera, ClockFloor floor) {
        try {
            return new JsonlSink(path, deviceId, metadataByCamera, floor);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open JSONL report file " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "jsonl:" + path;
    }

    @Override
    public Mono<Void> write(WindowReport report) {
        return Mono.defer(() -> isClosed() ? Mono.error(closedError()) : Mono.<Void>fromRunnable(() -> {
            synchronized (this) {
                if (closed) {
                    throw closedError();
                }
                try {
                    Map<String, Object> line = ReportJson.of(report, deviceId,
                            metadataByCamera.getOrDefault(report.cameraId(), Map.of()));
                    if (floor.wrong(report.windowStart())) {
                        line.put(JsonRestamper.FLAG, true);
                    }
                    out.write(mapper.writeValueAsString(line));
                    out.write('\n');
                    out.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write to " + path + ": " + e.getMessage(), e);
                }
            }
        }).subscribeOn(writer));
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private IllegalStateException closedError() {
        return new IllegalStateException("JSONL sink " + path + " is closed");
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + path + ": " + e.getMessage(), e);
        } finally {
            writer.dispose();
        }
    }
}
