package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folder watch on a real file system: what it reloads on, and that it keeps watching. */
class ConfigWatcherTest {

    private static final long WAIT_SECONDS = 20;

    @TempDir
    Path dir;

    private static boolean within(long seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    private Path cameras() throws Exception {
        Path cams = dir.resolve("cameras");
        Files.createDirectories(cams);
        Files.writeString(cams.resolve("a.yaml"), "id: a\n");
        return cams;
    }

    @Test
    void aCameraFolderSwappedInByARenameIsWatchedAgain() throws Exception {
        Path cams = cameras();
        AtomicInteger reloads = new AtomicInteger();
        ConfigWatcher w = ConfigWatcher.start(dir, cams, reloads::incrementAndGet);
        try {
            Path next = Files.createDirectories(dir.resolve("cameras.new"));
            Files.writeString(next.resolve("b.yaml"), "id: b\n");
            Files.move(cams, dir.resolve("cameras.old"), StandardCopyOption.ATOMIC_MOVE);
            Files.move(next, cams, StandardCopyOption.ATOMIC_MOVE);
            assertThat(within(WAIT_SECONDS, () -> reloads.get() >= 1)).as("the swap is a change").isTrue();
            int before = reloads.get();
            Files.writeString(cams.resolve("c.yaml"), "id: c\n");
            assertThat(within(WAIT_SECONDS, () -> reloads.get() > before)).as("a file added to the new folder is seen").isTrue();
        } finally {
            w.close();
        }
    }

    @Test
    void filesOtherThanYamlNeitherReloadNorHoldAReloadBack() throws Exception {
        Path cams = cameras();
        AtomicInteger reloads = new AtomicInteger();
        ConfigWatcher w = ConfigWatcher.start(dir, cams, reloads::incrementAndGet);
        try {
            Files.writeString(cams.resolve("a.yaml"), "id: a\nenabled: true\n");
            // an editor's swap file written all along: it must not keep postponing the reload
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            int swaps = 0;
            while (reloads.get() == 0 && System.nanoTime() < deadline) {
                Files.writeString(cams.resolve(".a.yaml.swp"), "swap " + swaps++);
                Thread.sleep(200);
            }
            assertThat(reloads.get()).as("reloads while a swap file kept changing").isEqualTo(1);
            int before = reloads.get();
            Files.writeString(cams.resolve("notes.txt"), "not configuration");
            assertThat(within(3, () -> reloads.get() > before)).as("a text file reloads nothing").isFalse();
        } finally {
            w.close();
        }
    }

    @Test
    void aReloadThatThrowsAnErrorLeavesTheWatchRunning() throws Exception {
        Path cams = cameras();
        AtomicInteger reloads = new AtomicInteger();
        ConfigWatcher w = ConfigWatcher.start(dir, cams, () -> {
            if (reloads.incrementAndGet() == 1) {
                throw new StackOverflowError("a deeply nested file");
            }
        });
        try {
            Files.writeString(cams.resolve("a.yaml"), "id: a\nenabled: false\n");
            assertThat(within(WAIT_SECONDS, () -> reloads.get() >= 1)).isTrue();
            Files.writeString(cams.resolve("a.yaml"), "id: a\nenabled: true\n");
            assertThat(within(WAIT_SECONDS, () -> reloads.get() >= 2)).as("the next change still reloads").isTrue();
        } finally {
            w.close();
        }
    }
}
