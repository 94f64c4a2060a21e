package io.edgewatch.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real, small file system that a test can fill and free: a tmpfs mounted on a folder (tests run
 * as root, as CI does). {@link #fill()} writes a file until the disk says it is full;
 * {@link #free()} deletes it. {@link #close()} unmounts.
 */
public final class SmallDisk implements AutoCloseable {

    private final Path mount;
    private final Path filler;

    private SmallDisk(Path mount) {
        this.mount = mount;
        this.filler = mount.resolve("filler");
    }

    /**
     * Mounts a tmpfs of {@code bytes} on {@code mount} (created when missing).
     *
     * @throws IllegalStateException when the mount is refused (not root), saying so
     */
    public static SmallDisk mount(Path mount, long bytes) throws IOException, InterruptedException {
        Files.createDirectories(mount);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("cannot mount a tmpfs on " + mount + " (the full-disk tests need root, as CI has): " + out);
        }
        return new SmallDisk(mount);
    }

    public Path path() {
        return mount;
    }

    /** Writes a file until the disk is full; returns how many bytes it took. */
    public long fill() throws IOException {
        long written = 0;
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
                written += block.length;
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("space")) {
                throw full;
            }
        }
        return written;
    }

    /** Deletes what {@link #fill()} wrote. */
    public void free() throws IOException {
        Files.deleteIfExists(filler);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        new ProcessBuilder("umount", "-l", mount.toString()).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
    }
}
