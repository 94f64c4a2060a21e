package io.edgewatch.daemon.health;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.daemon.health.alert.AlertEngine;
import io.edgewatch.daemon.health.alert.AlertEvent;

/**
 * What health must not forget over a restart, in SQLite ({@code health.db} in the storage folder):
 * each camera's learnt baseline (with the model it was learnt for) and the alert history. Reads
 * happen at start; writes go to one thread of their own, in order, so no pipeline thread waits on
 * the disk. A write that fails is logged; the daemon goes on.
 */
public final class HealthStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Connection db;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "edgewatch-health-store");
        t.setDaemon(true);
        return t;
    });

    private HealthStore(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    /** Opens (or creates) {@code folder/health.db}. */
    public static HealthStore open(Path folder) {
        Path file = folder.resolve("health.db");
        try {
            Files.createDirectories(folder);
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("CREATE TABLE IF NOT EXISTS baseline (camera TEXT PRIMARY KEY, model TEXT NOT NULL, "
                        + "learnt_at TEXT NOT NULL, json TEXT NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY AUTOINCREMENT, camera TEXT NOT NULL, "
                        + "signal TEXT NOT NULL, firing INTEGER NOT NULL, at TEXT NOT NULL, baseline REAL, current REAL, message TEXT)");
            }
            return new HealthStore(file, db);
        } catch (java.io.IOException | SQLException e) {
            throw new IllegalStateException("health store " + file + " cannot be opened: " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** The baseline kept for the camera, if it was learnt for this model; else null (learn again). */
    public synchronized AlertEngine.Baseline baseline(String camera, String model) {
        try (PreparedStatement q = db.prepareStatement("SELECT model, json FROM baseline WHERE camera = ?")) {
            q.setString(1, camera);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                if (!rs.getString(1).equals(model)) {
                    log.info("camera {}: the kept baseline was learnt for model {}, not {}: learning again", camera,
                            rs.getString(1), model);
                    return null;
                }
                return JSON.readValue(rs.getString(2), AlertEngine.Baseline.class);
            }
        } catch (SQLException | java.io.IOException e) {
            log.warn("camera {}: the kept baseline in {} cannot be read ({}): learning again", camera, file, e.getMessage());
            return null;
        }
    }

    /** Keeps a camera's baseline, replacing the one before. */
    public void saveBaseline(String camera, String model, AlertEngine.Baseline baseline) {
        write("baseline of " + camera, () -> {
            try (PreparedStatement u = db.prepareStatement("INSERT OR REPLACE INTO baseline VALUES (?, ?, ?, ?)")) {
                u.setString(1, camera);
                u.setString(2, model);
                u.setString(3, Instant.now().toString());
                u.setString(4, JSON.writeValueAsString(baseline));
                u.executeUpdate();
            }
        });
    }

    /** Appends an alert's start or clear to the history. */
    public void saveAlert(AlertEvent e) {
        write("alert " + e.signal() + " of " + e.cameraId(), () -> {
            try (PreparedStatement u = db.prepareStatement(
                    "INSERT INTO alerts (camera, signal, firing, at, baseline, current, message) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                u.setString(1, e.cameraId());
                u.setString(2, e.signal());
                u.setInt(3, e.firing() ? 1 : 0);
                u.setString(4, e.at().toString());
                u.setDouble(5, e.baseline());
                u.setDouble(6, e.current());
                u.setString(7, e.message());
                u.executeUpdate();
            }
        });
    }

    /** The last {@code limit} alert starts and clears, newest first. */
    public synchronized List<AlertEvent> recentAlerts(int limit) {
        List<AlertEvent> out = new ArrayList<>();
        try (PreparedStatement q = db.prepareStatement(
                "SELECT camera, signal, firing, at, baseline, current, message FROM alerts ORDER BY id DESC LIMIT ?")) {
            q.setInt(1, limit);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(new AlertEvent(rs.getString(1), rs.getString(2), rs.getInt(3) == 1, Instant.parse(rs.getString(4)),
                            rs.getDouble(5), rs.getDouble(6), rs.getString(7)));
                }
            }
        } catch (SQLException e) {
            log.warn("the alert history in {} cannot be read: {}", file, e.getMessage());
        }
        return out;
    }

    private interface Write {
        void run() throws Exception;
    }

    private void write(String what, Write w) {
        try {
            writer.execute(() -> {
                synchronized (this) {
                    try {
                        w.run();
                    } catch (Exception e) {
                        log.warn("{} could not be kept in {}: {}", what, file, e.getMessage());
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.warn("{} not kept: the health store {} is closed", what, file);
        }
    }

    /** Finishes the pending writes, then closes. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("health store {}: writes still pending at close", file);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            try {
                db.close();
            } catch (SQLException e) {
                log.warn("closing {} failed: {}", file, e.getMessage());
            }
        }
    }
}
