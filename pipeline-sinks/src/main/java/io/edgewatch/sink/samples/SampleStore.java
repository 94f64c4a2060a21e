package io.edgewatch.sink.samples;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The samples kept on the box, bounded: {@code <folder>/<camera>/<id>.jpg} with its
 * {@code <id>.json} (the {@link Sample}). When a new sample would take the folder past its bound
 * the oldest samples (of any camera) are deleted first, and counted. A sample that cannot be
 * written (a full disk) is logged and counted, never thrown: the destinations still get it.
 * Thread-safe.
 */
public final class SampleStore implements SampleSink {

    private static final Logger log = LoggerFactory.getLogger(SampleStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Camera ids and sample ids as this store names files: nothing that could leave the folder. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private record Kept(String id, String camera, long bytes) {
    }

    private static final Comparator<Kept> OLDEST_FIRST = Comparator.comparing(Kept::id).thenComparing(Kept::camera);

    private final Path folder;
    private final long maxBytes;
    private final TreeSet<Kept> kept = new TreeSet<>(OLDEST_FIRST);
    private long bytes;
    private long evicted;
    private long failed;
    private long unreadable;

    private SampleStore(Path folder, long maxBytes) {
        this.folder = folder;
        this.maxBytes = maxBytes;
    }

    /**
     * The store in {@code folder} (made if missing), what an earlier run kept included, at most
     * {@code maxBytes}. A sample whose description cannot be read (a worn card's garbage, a cut
     * file, a camera folder that cannot be listed) is skipped, counted ({@link #stats()}) and named
     * in one log line: it is left where it is, outside the bound, for someone to look at. An image
     * without its description (a stop between the two writes) and a half-written {@code .tmp} are
     * deleted.
     */
    public static SampleStore open(Path folder, long maxBytes) {
        SampleStore store = new SampleStore(folder, maxBytes);
        List<String> skipped = new ArrayList<>();
        try {
            Files.createDirectories(folder);
            try (DirectoryStream<Path> cameras = Files.newDirectoryStream(folder, Files::isDirectory)) {
                for (Path camera : cameras) {
                    store.scan(camera, skipped);
                }
            }
            synchronized (store) {
                store.evictFor(0);
            }
        } catch (IOException | DirectoryIteratorException e) {
            log.warn("samples: the folder {} cannot be read ({}); samples are not kept on this box until it can", folder,
                    e.getMessage());
        }
        if (!skipped.isEmpty()) {
            log.warn("samples: {} kept in {}, {} could not be read and were skipped (left in place, outside the bound): {}",
                    store.kept.size(), folder, skipped.size(), skipped.size() > 5 ? skipped.subList(0, 5) + " ..." : skipped);
        }
        return store;
    }

    /** Adds a camera folder's readable samples; what cannot be read is counted in {@code skipped}. */
    private void scan(Path camera, List<String> skipped) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(camera, "*.{jpg,tmp}")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(file); // a write the last stop cut short
                    continue;
                }
                String id = name.substring(0, name.length() - 4);
                Path json = camera.resolve(id + ".json");
                if (!Files.exists(json)) {
                    Files.deleteIfExists(file);
                    continue;
                }
                try {
                    Sample sample = Sample.fromJson(JSON.readTree(json.toFile()));
                    if (!sample.id().equals(id) || !Files.isRegularFile(file)) {
                        throw new IOException("it describes sample " + sample.id());
                    }
                    add(new Kept(id, camera.getFileName().toString(), Files.size(file) + Files.size(json)));
                } catch (IOException | RuntimeException e) {
                    unreadable++;
                    skipped.add(camera.getFileName() + "/" + id + " (" + e.getClass().getSimpleName() + ")");
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            unreadable++;
            skipped.add(camera.getFileName() + "/ (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    private void add(Kept k) {
        kept.add(k);
        bytes += k.bytes();
    }

    public Path folder() {
        return folder;
    }

    @Override
    public synchronized void accept(Sample sample, byte[] jpeg) {
        if (!NAME.matcher(sample.cameraId()).matches() || !NAME.matcher(sample.id()).matches()) {
            throw new IllegalArgumentException("sample " + sample.id() + " of camera " + sample.cameraId() + " cannot be named");
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(sample.toJson());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        long size = jpeg.length + json.length;
        evictFor(size);
        Path dir = folder.resolve(sample.cameraId());
        try {
            Files.createDirectories(dir);
            // the image first: a JSON file names a complete sample
            write(dir.resolve(sample.id() + ".jpg"), jpeg);
            write(dir.resolve(sample.id() + ".json"), json);
            add(new Kept(sample.id(), sample.cameraId(), size));
        } catch (IOException e) {
            failed++;
            log.warn("samples: sample {} of camera {} not kept on this box ({}: {}); its destinations still get it",
                    sample.id(), sample.cameraId(), e.getClass().getSimpleName(), e.getMessage());
            try {
                Files.deleteIfExists(dir.resolve(sample.id() + ".jpg"));
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }

    private static void write(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes the oldest samples until {@code incoming} more bytes fit. */
    private void evictFor(long incoming) {
        while (!kept.isEmpty() && bytes + incoming > maxBytes) {
            Kept k = kept.pollFirst();
            bytes -= k.bytes();
            evicted++;
            Path dir = folder.resolve(k.camera());
            try {
                Files.deleteIfExists(dir.resolve(k.id() + ".json"));
                Files.deleteIfExists(dir.resolve(k.id() + ".jpg"));
            } catch (IOException e) {
                log.warn("samples: cannot delete the old sample {} of camera {}: {}", k.id(), k.camera(), e.getMessage());
            }
        }
    }

    /** The camera's samples, newest first, at most {@code limit}. */
    public List<Sample> list(String camera, int limit) {
        List<Kept> ids = new ArrayList<>();
        synchronized (this) {
            for (Kept k : kept.descendingSet()) {
                if (ids.size() >= limit) {
                    break;
                }
                if (k.camera().equals(camera)) {
                    ids.add(k);
                }
            }
        }
        List<Sample> out = new ArrayList<>();
        for (Kept k : ids) {
            try {
                out.add(Sample.fromJson(JSON.readTree(folder.resolve(camera).resolve(k.id() + ".json").toFile())));
            } catch (IOException | RuntimeException e) {
                // evicted meanwhile, or unreadable: not listed
            }
        }
        return out;
    }

    /** A sample's JPEG; empty when there is no such sample (or the names could leave the folder). */
    public Optional<byte[]> image(String camera, String id) {
        if (!NAME.matcher(camera).matches() || !NAME.matcher(id).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readAllBytes(folder.resolve(camera).resolve(id + ".jpg")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Samples kept, their bytes, how many were deleted to make room, could not be written, and
     * were found unreadable at the start (skipped).
     */
    public synchronized long[] stats() {
        return new long[] {kept.size(), bytes, evicted, failed, unreadable};
    }
}
