package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.testkit.DaemonProcess;

class WatchdogTest {

    @Test
    void withoutNotifySocketNothingIsSent() {
        ServiceNotifier n = ServiceNotifier.fromEnvironment(Map.of("WATCHDOG_USEC", "1000000"));
        assertThat(n).isSameAs(ServiceNotifier.NONE);
        assertThat(n.watchdogInterval()).isZero();
    }

    @Test
    void aWatchdogOfAnotherProcessIsNotOurs(@TempDir Path dir) {
        try (NotifySocket socket = new NotifySocket(dir.resolve("notify"));
             ServiceNotifier n = ServiceNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.path(),
                     "WATCHDOG_USEC", "1000000", "WATCHDOG_PID", "1"))) {
            assertThat(n.watchdogInterval()).isZero();
        }
    }

    @Test
    void readyWatchdogAndStoppingReachTheSocket(@TempDir Path dir) throws Exception {
        try (NotifySocket socket = new NotifySocket(dir.resolve("notify"));
             ServiceNotifier n = ServiceNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.path(), "WATCHDOG_USEC", "4000000"))) {
            assertThat(n.watchdogInterval()).isEqualTo(Duration.ofSeconds(4));
            n.ready("2 camera(s)");
            n.watchdog();
            n.stopping();
            waitFor(() -> socket.messages.size() == 3);
            assertThat(socket.messages).containsExactly("READY=1\nSTATUS=2 camera(s)", "WATCHDOG=1", "STOPPING=1\nSTATUS=stopping");
        }
    }

    @Test
    void pingsStopWhileTheDaemonMakesNoProgressAndComeBackWithIt(@TempDir Path dir) throws Exception {
        AtomicBoolean stuck = new AtomicBoolean();
        AtomicInteger stuckChecks = new AtomicInteger();
        try (NotifySocket socket = new NotifySocket(dir.resolve("notify"));
             ServiceNotifier n = ServiceNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.path(), "WATCHDOG_USEC", "100000"));
             Watchdog w = Watchdog.start(n, () -> {
                 if (stuck.get()) {
                     stuckChecks.incrementAndGet();
                     return Optional.of("camera a closed no window");
                 }
                 return Optional.empty();
             })) {
            waitFor(() -> socket.count("WATCHDOG=1") >= 3);
            stuck.set(true);
            waitFor(() -> stuckChecks.get() >= 2);
            long before = socket.count("WATCHDOG=1");
            int checks = stuckChecks.get();
            waitFor(() -> stuckChecks.get() >= checks + 3);
            assertThat(socket.count("WATCHDOG=1")).as("pings while stuck").isEqualTo(before);

            stuck.set(false);
            waitFor(() -> socket.count("WATCHDOG=1") >= before + 2);
        }
    }

    @Test
    void aCheckThatHangsIsAMissedPing(@TempDir Path dir) throws Exception {
        CountDownLatch hang = new CountDownLatch(1);
        AtomicBoolean hanging = new AtomicBoolean();
        try (NotifySocket socket = new NotifySocket(dir.resolve("notify"));
             ServiceNotifier n = ServiceNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.path(), "WATCHDOG_USEC", "100000"));
             Watchdog w = Watchdog.start(n, () -> {
                 if (hanging.get()) {
                     try {
                         hang.await();
                     } catch (InterruptedException e) {
                         Thread.currentThread().interrupt();
                     }
                 }
                 return Optional.empty();
             })) {
            waitFor(() -> socket.count("WATCHDOG=1") >= 2);
            hanging.set(true);
            // a tick may be on its way already; from the next one on, nothing
            Thread.sleep(300);
            long before = socket.count("WATCHDOG=1");
            Thread.sleep(1_000);
            assertThat(socket.count("WATCHDOG=1")).as("pings while a check hangs").isEqualTo(before);
            hang.countDown();
            waitFor(() -> socket.count("WATCHDOG=1") > before);
        }
    }

    @Test
    void aDaemonStartedAsANotifyServiceSaysReadyPingsWhileItsCamerasRunAndSaysStopping(@TempDir Path dir) throws Exception {
        Path cfg = ConfigFolder.write(dir, "", ConfigFolder.PATTERN_CAMERA);
        Path log = dir.resolve("daemon.log");
        try (NotifySocket socket = new NotifySocket(dir.resolve("notify"))) {
            Process daemon = DaemonProcess.run(Edgewatch.class, cfg, log,
                    Map.of("NOTIFY_SOCKET", socket.path(), "WATCHDOG_USEC", "2000000"));
            try {
                waitFor(() -> socket.count("WATCHDOG=1") >= 3);
                assertThat(socket.messages.get(0)).as("the first thing said").isEqualTo("READY=1\nSTATUS=1 camera(s) running");
                assertThat(socket.count("STOPPING=1")).isZero();
                daemon.destroy();
                assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as("the daemon stops on SIGTERM").isTrue();
            } finally {
                daemon.destroyForcibly();
            }
            assertThat(daemon.exitValue()).as(Files.readString(log)).isZero();
            waitFor(() -> socket.count("STOPPING=1") == 1);
            assertThat(Files.readString(log)).contains("systemd watchdog every 2000 ms");
        }
    }

    @Test
    void aCameraIsStuckAfterTwoWindowsAndTheSlackWithoutOne() {
        AtomicLong now = new AtomicLong();
        Watchdog.Heartbeats beats = new Watchdog.Heartbeats(now::get);
        beats.started("dock", Duration.ofSeconds(5));
        now.addAndGet(Duration.ofSeconds(19).toNanos());
        assertThat(beats.stuck()).isEmpty();
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(beats.stuck()).hasValueSatisfying(why -> assertThat(why).contains("camera dock closed no window for 21 s"));
        beats.beat("dock");
        assertThat(beats.stuck()).isEmpty();
        beats.ended("dock");
        now.addAndGet(Duration.ofHours(1).toNanos());
        assertThat(beats.stuck()).isEmpty();
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 2 minutes").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
