package io.edgewatch.daemon;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the configuration folder and the camera folder (the JDK's WatchService: inotify on
 * Linux) and runs a reload once the YAML files have been quiet for {@link #QUIET}: an editor's save
 * (write, rename, chmod) or a copied folder of camera files is one reload, not ten. Files other
 * than {@code .yaml}/{@code .yml} (editor swap files, backups) are not looked at and do not
 * delay the reload. A camera folder replaced by a rename (a deployment tool's atomic swap) or
 * deleted and made again is watched again, and counts as a change; one that cannot be watched any
 * more is logged. A reload that throws, even an {@link Error}, is logged and the watch goes on.
 */
final class ConfigWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
    /** How long the files must be quiet before the reload. */
    static final Duration QUIET = Duration.ofSeconds(1);

    private final WatchService watch;
    private final Path directory;
    private final Path cameras;
    private final Thread thread;

    private ConfigWatcher(WatchService watch, Path directory, Path cameras, Runnable reload) {
        this.watch = watch;
        this.directory = directory;
        this.cameras = cameras;
        this.thread = new Thread(() -> loop(reload), "edgewatch-config-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts watching; null (logged) when the folders cannot be watched: SIGHUP and POST /api/reload still work. */
    static ConfigWatcher start(Path directory, Path cameras, Runnable reload) {
        try {
            WatchService w = FileSystems.getDefault().newWatchService();
            Path dir = directory.toAbsolutePath().normalize();
            Path cams = cameras.toAbsolutePath().normalize();
            register(w, dir);
            if (!cams.equals(dir)) {
                register(w, cams);
            }
            return new ConfigWatcher(w, dir, cams, reload);
        } catch (IOException | RuntimeException e) {
            log.warn("cannot watch {} for changes ({}); reload with SIGHUP or POST /api/reload", cameras, e.getMessage());
            return null;
        }
    }

    private static void register(WatchService w, Path p) throws IOException {
        p.register(w, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                StandardWatchEventKinds.ENTRY_MODIFY);
    }

    private void loop(Runnable reload) {
        try {
            while (true) {
                if (!yamlChanged(watch.take())) {
                    continue;
                }
                // debounce: wait until no YAML file changed for QUIET (other files do not count)
                long quietFrom = System.nanoTime();
                long left;
                while ((left = QUIET.toNanos() - (System.nanoTime() - quietFrom)) > 0) {
                    WatchKey more = watch.poll(left, TimeUnit.NANOSECONDS);
                    if (more != null && yamlChanged(more)) {
                        quietFrom = System.nanoTime();
                    }
                }
                try {
                    reload.run();
                } catch (RuntimeException | Error e) {
                    // an Error too (a StackOverflowError from a deeply nested file): the watch must not end silently
                    log.error("reload after a change in the configuration folder failed: {}", e.toString());
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        } catch (RuntimeException | Error e) {
            log.error("the configuration folder is no longer watched ({}); reload with SIGHUP or POST /api/reload", e.toString());
        }
    }

    /** Consumes the key's events; true when one of them is a YAML file, the camera folder itself, or events were lost. */
    private boolean yamlChanged(WatchKey key) {
        boolean yaml = false;
        Path watched = key.watchable() instanceof Path p ? p : null;
        for (WatchEvent<?> e : key.pollEvents()) {
            if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
                yaml = true;
            } else if (e.context() instanceof Path p) {
                String name = p.getFileName().toString();
                yaml |= name.endsWith(".yaml") || name.endsWith(".yml");
                if (watched != null && watched.resolve(p).equals(cameras) && e.kind() == StandardWatchEventKinds.ENTRY_CREATE) {
                    // the camera folder was made again or swapped in by a rename: the old watch follows the old folder
                    watchAgain(cameras);
                    yaml = true;
                }
            }
        }
        if (!key.reset() && watched != null) {
            // the folder itself went away (deleted, or its file system unmounted): this key sees nothing more
            if (!watchAgain(watched)) {
                log.warn("{} is no longer watched (it was removed); when it is back, reload with SIGHUP or POST /api/reload,"
                        + " or change a file in {}", watched, directory);
            }
            yaml = true;
        }
        return yaml;
    }

    private boolean watchAgain(Path p) {
        if (!Files.isDirectory(p)) {
            return false;
        }
        try {
            register(watch, p);
            return true;
        } catch (IOException | RuntimeException e) {
            log.warn("cannot watch {} again ({}); reload with SIGHUP or POST /api/reload", p, e.getMessage());
            return false;
        }
    }

    @Override
    public void close() {
        try {
            watch.close();
        } catch (IOException ignored) {
            // closing
        }
        thread.interrupt();
    }
}
