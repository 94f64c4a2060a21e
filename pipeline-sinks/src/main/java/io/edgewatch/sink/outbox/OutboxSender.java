package io.edgewatch.sink.outbox;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Drains one destination of an {@link Outbox}: the oldest entry first, one at a time, so entries
 * arrive in the order they were accepted (per camera, and overall). An entry is deleted only after
 * its request succeeded.
 *
 * <ul>
 *   <li>Network failures, timeouts, 5xx and 429 are retried with capped exponential backoff and
 *       full jitter, never sooner than the server's {@code Retry-After}.</li>
 *   <li>401, 402, 403, 404, 423 (and a key that names no workspace) stop the destination: an error
 *       is logged once in the reference's words, the data stays, and the oldest entry is tried again
 *       every {@code probeInterval}.</li>
 *   <li>Other 4xx mean the request itself will never be accepted: the entry moves to the dead-letter
 *       table (kept, counted, logged) so it cannot block the ones behind it.</li>
 * </ul>
 *
 * <p>All state lives on one thread of the sender's own; sending is non-blocking. {@link #wake()}
 * tells an idle sender that something was appended; a backing-off sender is not hurried.
 */
public final class OutboxSender implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutboxSender.class);
    private static final Duration IDLE_POLL = Duration.ofSeconds(1);
    /** How long {@link #close()} lets a delivery in flight finish and record its result. */
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(5);

    /** Sends one entry's kind and body; completes on success. */
    public interface Transport extends BiFunction<String, byte[], Mono<Void>> {
    }

    private final Outbox outbox;
    private final String destination;
    private final Transport transport;
    private final Duration retryMin;
    private final Duration retryMax;
    private final Duration probeInterval;
    private final boolean logEveryResult;
    private final Scheduler worker;

    // touched only on the worker thread
    private boolean parked;
    private Disposable pending;
    private int failures;
    private boolean stopped;
    private boolean closed;
    private volatile Disposable inFlight;
    private volatile String stopReason;
    /** Completes when the delivery in flight has recorded its result (deleted, retried, dead-lettered or stopped). */
    private CompletableFuture<Void> settled = CompletableFuture.completedFuture(null);
    /** Set on the worker when the stop's drain ends: no new delivery starts; the one in flight may still finish. */
    private boolean closing;
    /** Set on the worker by {@link #close}: the queue is sent while it answers 2xx and the grace lasts. */
    private CompletableFuture<Void> drained;
    private long drainDeadline;
    private int sentDuringStop;

    public OutboxSender(Outbox outbox, String destination, Transport transport, Duration retryMin, Duration retryMax,
                        Duration probeInterval, boolean logEveryResult) {
        this.outbox = outbox;
        this.destination = destination;
        this.transport = transport;
        this.retryMin = retryMin;
        this.retryMax = retryMax;
        this.probeInterval = probeInterval;
        this.logEveryResult = logEveryResult;
        this.worker = Schedulers.newSingle("edgewatch-outbox-" + destination);
    }

    /** Starts draining. */
    public OutboxSender start() {
        // a stop recorded by an earlier run is stale until this run is refused again
        worker.schedule(() -> recordState(false, null));
        worker.schedule(this::step);
        return this;
    }

    /** Something was appended: an idle sender looks now instead of at its next poll. */
    public void wake() {
        try {
            worker.schedule(() -> {
                if (parked && !closed) {
                    parked = false;
                    if (pending != null) {
                        pending.dispose();
                    }
                    step();
                }
            });
        } catch (RejectedExecutionException ignored) {
            // closed
        }
    }

    /** True while a person is needed (bad key, no credits, a redirect): the sender only probes. */
    public boolean isStopped() {
        return stopped;
    }

    /** Why delivery is stopped (the far end's answer, credentials redacted); null while it is not. */
    public String stopReason() {
        return stopped ? stopReason : null;
    }

    private void step() {
        if (closed || closing) {
            return;
        }
        if (drained != null && (stopped || failures > 0 || System.nanoTime() - drainDeadline >= 0)) {
            endDrain();
            return;
        }
        List<OutboxEntry> next;
        try {
            next = outbox.oldest(destination, 1);
        } catch (RuntimeException e) {
            log.error("{}: {}", destination, e.getMessage());
            later(retryMax);
            return;
        }
        if (next.isEmpty() && drained != null) {
            endDrain();
            return;
        }
        if (next.isEmpty()) {
            parked = true;
            pending = worker.schedule(() -> {
                if (parked && !closed) {
                    parked = false;
                    step();
                }
            }, IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        OutboxEntry entry = next.get(0);
        CompletableFuture<Void> done = new CompletableFuture<>();
        settled = done;
        inFlight = Mono.defer(() -> transport.apply(entry.kind(), entry.body()))
                .publishOn(worker)
                .doFinally(signal -> done.complete(null))
                .subscribe(null, e -> failed(entry, e), () -> delivered(entry));
    }

    private void delivered(OutboxEntry entry) {
        if (closed) {
            return;
        }
        try {
            outbox.delete(entry.id());
        } catch (RuntimeException e) {
            // delivered, but still on disk: it is sent again once the disk takes the delete (a duplicate, never a loss)
            log.warn("{}: {} of camera {} delivered but not yet deleted ({}); trying again in {}", destination, entry.kind(),
                    entry.cameraId(), e.getMessage(), retryMax);
            later(retryMax);
            return;
        }
        if (stopped || failures > 0) {
            log.info("{}: delivering again after {} failed attempt(s)", destination, failures);
        }
        if (logEveryResult) {
            log.info("{}: delivered {} of camera {} (entry {}, waited {} ms)", destination, entry.kind(), entry.cameraId(),
                    entry.id(), System.currentTimeMillis() - entry.createdAtMillis());
        }
        if (stopped) {
            recordState(false, null);
        }
        stopped = false;
        failures = 0;
        if (drained != null) {
            sentDuringStop++;
        }
        step();
    }

    private void failed(OutboxEntry entry, Throwable error) {
        if (closed) {
            return;
        }
        try {
            sort(entry, error);
        } catch (RuntimeException e) {
            // the outbox could not record the result (a full disk): the entry stays and is tried again
            log.warn("{}: {}; trying again in {}", destination, e.getMessage(), retryMax);
            later(retryMax);
        }
    }

    private void sort(OutboxEntry entry, Throwable error) {
        DeliveryException e = error instanceof DeliveryException de ? de
                : new DeliveryException(String.valueOf(error.getMessage()), 0, true, 0);
        if (e.retryable()) {
            outbox.failedAttempt(entry.id());
            failures++;
            long delay = Math.max(e.retryAfterMillis(), backoffMillis(failures));
            if (failures == 1 || logEveryResult || Integer.bitCount(failures) == 1) {
                log.warn("{}: {} of camera {} not delivered ({}); attempt {}, retrying in {} ms; {} waiting",
                        destination, entry.kind(), entry.cameraId(), e.getMessage(), failures, delay, outbox.stats().depth());
            }
            later(Duration.ofMillis(delay));
        } else if (e.rejected()) {
            outbox.deadLetter(entry.id(), e.status(), e.getMessage());
            log.error("{}: the server will never accept {} entry {} of camera {} ({}); kept in the dead-letter table of {}",
                    destination, entry.kind(), entry.id(), entry.cameraId(), e.getMessage(), outbox.file());
            step();
        } else {
            if (!stopped || logEveryResult) {
                log.error("{}: stopped: {}. {} entries are kept and will be sent once this is fixed; trying again every {}",
                        destination, e.getMessage(), outbox.stats().depth(), probeInterval);
            }
            if (!stopped || !e.getMessage().equals(stopReason)) {
                recordState(true, e.getMessage());
            }
            stopped = true;
            stopReason = e.getMessage();
            failures++;
            later(probeInterval);
        }
    }

    private void recordState(boolean stop, String reason) {
        try {
            outbox.destinationState(destination, stop, reason);
        } catch (RuntimeException e) {
            log.warn("{}: {}", destination, e.getMessage());
        }
    }

    /** Full jitter: uniformly between 0 and min(max, min * 2^(n-1)), at least the minimum. */
    private long backoffMillis(int attempt) {
        long cap = retryMax.toMillis();
        long exp = retryMin.toMillis() << Math.min(30, attempt - 1);
        long ceiling = Math.min(cap, exp <= 0 ? cap : exp);
        return Math.max(retryMin.toMillis(), ThreadLocalRandom.current().nextLong(ceiling + 1));
    }

    private void later(Duration delay) {
        if (drained != null) {
            // stopping: a failing receiver is not waited for; what is left stays for the next start
            endDrain();
            return;
        }
        if (!closing) {
            pending = worker.schedule(this::step, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** {@link #close(Duration)} with {@link #DEFAULT_STOP_GRACE}. */
    @Override
    public void close() {
        close(DEFAULT_STOP_GRACE);
    }

    /** On the worker: no new delivery starts; the stop's wait is over. */
    private void endDrain() {
        closing = true;
        if (pending != null) {
            pending.dispose();
        }
        if (drained != null) {
            drained.complete(null);
        }
    }

    /**
     * Stops sending. While the receiver answers 2xx, what is queued (the windows the stop closed
     * among them) is still sent, oldest first, for up to {@code grace}; a receiver that fails or is
     * backing off is not waited for. The delivery in flight at the end gets the rest of the grace to
     * record its result, so an entry the receiver answered 2xx is deleted rather than sent again
     * after a restart. Whatever is unsent then stays in the outbox for the next start.
     */
    public void close(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            // on the worker, so the drain starts from a known state: in flight, parked or backing off
            worker.schedule(() -> {
                drained = done;
                drainDeadline = deadline;
                if (closed || closing) {
                    endDrain();
                } else if (!settled.isDone()) {
                    // in flight: its result goes on with the drain (delivered) or ends it (failed)
                } else if (parked) {
                    parked = false;
                    step();
                } else {
                    // backing off, stopped, or never started: nothing is sent during the stop
                    endDrain();
                }
            });
            // the drain ends between deliveries (or on a failure's result), never with one in flight
            done.get(grace.toMillis(), TimeUnit.MILLISECONDS);
            if (sentDuringStop > 0) {
                log.info("{}: {} queued entr{} sent during the stop", destination, sentDuringStop, sentDuringStop == 1 ? "y" : "ies");
            }
        } catch (RejectedExecutionException e) {
            // already closed
        } catch (TimeoutException e) {
            log.warn("{}: a delivery was still unanswered {} ms into the stop; its entry stays in the outbox and is sent again"
                    + " at the next start", destination, grace.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException ignored) {
            // never completed exceptionally
        }
        try {
            // the grace is over: nothing starts after this, whatever the drain was doing
            worker.schedule(this::endDrain);
        } catch (RejectedExecutionException ignored) {
            // already closed
        }
        Disposable d = inFlight;
        if (d != null) {
            d.dispose();
        }
        try {
            worker.schedule(() -> closed = true);
        } catch (RejectedExecutionException ignored) {
            // already closed
        }
        worker.disposeGracefully().onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(5));
    }
}
