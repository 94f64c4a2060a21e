package io.edgewatch.daemon;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
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
 * than {@code .yaml}/{@code .yml} (editor swap files, backups) are not looked at.
 */
final class ConfigWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
    /** How long the files must be quiet before the reload. */
    static final Duration QUIET = Duration.ofSeconds(1);

    private final WatchService watch;
    private final Thread thread;

    private ConfigWatcher(WatchService watch, Runnable reload) {
        this.watch = watch;
        this.thread = new Thread(() -> loop(reload), "edgewatch-config-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts watching; null (logged) when the folders cannot be watched: SIGHUP and POST /api/reload still work. */
    static ConfigWatcher start(Path directory, Path cameras, Runnable reload) {
        try {
            WatchService w = FileSystems.getDefault().newWatchService();
            for (Path p : cameras.toAbsolutePath().normalize().equals(directory.toAbsolutePath().normalize())
                    ? new Path[] {directory} : new Path[] {directory, cameras}) {
                p.register(w, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                        StandardWatchEventKinds.ENTRY_MODIFY);
            }
            return new ConfigWatcher(w, reload);
        } catch (IOException | RuntimeException e) {
            log.warn("cannot watch {} for changes ({}); reload with SIGHUP or POST /api/reload", cameras, e.getMessage());
            return null;
        }
    }

    private void loop(Runnable reload) {
        try {
            while (true) {
                if (!yamlChanged(watch.take())) {
                    continue;
                }
                // debounce: wait until nothing changed for QUIET
                WatchKey more;
                while ((more = watch.poll(QUIET.toMillis(), TimeUnit.MILLISECONDS)) != null) {
                    yamlChanged(more);
                }
                try {
                    reload.run();
                } catch (RuntimeException e) {
                    log.error("reload after a change in the configuration folder failed: {}", e.getMessage());
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    /** Consumes the key's events; true when one of them is a YAML file (or events were lost). */
    private static boolean yamlChanged(WatchKey key) {
        boolean yaml = false;
        for (WatchEvent<?> e : key.pollEvents()) {
            if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
                yaml = true;
            } else if (e.context() instanceof Path p) {
                String name = p.getFileName().toString();
                yaml |= name.endsWith(".yaml") || name.endsWith(".yml");
            }
        }
        key.reset();
        return yaml;
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
