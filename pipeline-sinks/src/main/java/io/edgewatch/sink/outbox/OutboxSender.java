package io.edgewatch.sink.outbox;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Drains one destination of an {@link Outbox}: oldest first, several requests in flight at once
 * (at most {@code maxInFlight}) but never two of one camera, so each camera's entries arrive in
 * the order they were accepted, retries included: a camera's next entry is sent only once the one
 * before it is delivered or set aside. An entry is deleted only after its request succeeded.
 *
 * <ul>
 *   <li>Network failures, timeouts, 5xx and 429 are retried with capped exponential backoff and
 *       full jitter, never sooner than the server's {@code Retry-After} (itself capped at
 *       {@code retryMax}: a far date or "Infinity" does not stop the destination for good); while
 *       backing off nothing new is sent to the destination (what is in flight finishes), and a
 *       shorter backoff never replaces a longer one already set. Only a request sent after the
 *       last failure proves the destination works again: the success of one already in flight
 *       then (another camera's) neither resets the backoff nor ends a stop.</li>
 *   <li>401, 402, 403, 404, 423 (and a key that names no workspace) stop the destination: an error
 *       is logged once in the reference's words, the data stays, and the oldest entry is tried again
 *       every {@code probeInterval}, alone.</li>
 *   <li>Other 4xx mean the request itself will never be accepted: the entry moves to the dead-letter
 *       table (kept, counted, logged) so it cannot block the ones behind it. So does an entry that
 *       fails here, before any answer (a body that cannot be read, a kind this version does not
 *       know): any error of the transport that is not a {@link DeliveryException} nor a failure
 *       of the outbox's disk, with that error as its reason.</li>
 * </ul>
 *
 * <p>Entries are read from disk a page at a time, of at most 128 entries and {@value #PAGE_BYTES}
 * bytes of bodies (and one entry more), so a backlog of samples does not fill the heap. Deletes of delivered entries are committed in
 * groups (at most {@value #DELETE_BATCH}, and at once whenever nothing else is in flight), so a
 * crash can send up to that many delivered entries again: delivery is at least once.
 *
 * <p>All state lives on one thread of the sender's own; sending is non-blocking. {@link #wake()}
 * tells an idle sender that something was appended; a backing-off sender is not hurried.
 */
public final class OutboxSender implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutboxSender.class);
    private static final Duration IDLE_POLL = Duration.ofSeconds(1);
    /** How long {@link #close()} lets a delivery in flight finish and record its result. */
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(5);
    /** Requests in flight at once to one destination, over all its cameras ({@code storage.outbox_max_in_flight}). */
    public static final int DEFAULT_MAX_IN_FLIGHT = 4;
    /** Delivered entries whose delete may wait for a common commit. */
    static final int DELETE_BATCH = 32;
    /** Entries read from disk at a time. */
    private static final int PAGE = 128;
    /**
     * Bytes of bodies held in the queue at most (and one entry more): a page of 128 samples of up to 1 MB each, with
     * what was left of the last, held up to 191 MB against a heap of 192.
     */
    static final long PAGE_BYTES = 8L * 1024 * 1024;

    /** Sends one entry's kind and body; completes on success. */
    public interface Transport extends BiFunction<String, byte[], Mono<Void>> {

        /**
         * Sends {@code entry}; a delivery of several requests (an upload, then what refers to it)
         * calls {@code progress} after each step that succeeded, with what is left to send, and
         * goes on once it completes: the entry is then resumed there if a later step fails or the
         * process stops. One step (the default) sends the kind and body as they are.
         */
        default Mono<Void> send(OutboxEntry entry, Progress progress) {
            return apply(entry.kind(), entry.body());
        }
    }

    /** Where a transport of several steps records one done; completes once it is on disk. */
    @FunctionalInterface
    public interface Progress {
        Mono<Void> step(String kind, byte[] body);
    }

    private final Outbox outbox;
    private final String destination;
    private final Transport transport;
    private final Duration retryMin;
    private final Duration retryMax;
    private final Duration probeInterval;
    private final boolean logEveryResult;
    private final int maxInFlight;
    private final Scheduler worker;

    // touched only on the worker thread
    /** Read from disk, not in flight, by id. */
    private final TreeMap<Long, OutboxEntry> queued = new TreeMap<>();
    /** The bodies' bytes in {@link #queued}. */
    private long queuedBytes;
    private volatile long mostQueuedBytes;
    private final Map<Long, Disposable> inFlight = new HashMap<>();
    /** Entries in flight whose transport recorded a step: what a retry resumes from. */
    private final Map<Long, OutboxEntry> progressed = new ConcurrentHashMap<>();
    private final Set<String> busyCameras = new HashSet<>();
    /** Delivered, delete not yet committed. */
    private final Set<Long> toDelete = new LinkedHashSet<>();
    /** The highest id read from disk; entries after it are read at the next refill. */
    private long readUpTo;
    /** {@link Outbox#releases()} when last read: held entries released since are read again from the oldest. */
    private long releasesSeen;
    /** The outbox's count of dead letters put back when this sender last took them up, and when it last looked. */
    private long putBackSeen = -1;
    private long putBackLookedAt = Long.MIN_VALUE / 2;
    /** Whether disk may hold entries not yet read (something was appended, or the last page was full). */
    private boolean moreOnDisk = true;
    private boolean parked;
    private boolean backingOff;
    private Disposable pending;
    private int failures;
    /** When the current backoff ends, in the worker's time (ms); meaningful while {@link #backingOff}. */
    private long backoffUntil;
    /** Requests started since the start; each entry in flight's number among them. */
    private long sends;
    private final Map<Long, Long> sendNumbers = new HashMap<>();
    /** {@link #sends} when the last failure of the destination (retryable, or a stop) was sorted. */
    private long sendsAtLastFailure;
    private volatile boolean stopped;
    private boolean closed;
    private volatile String stopReason;
    /** Set on the worker when the stop's drain ends: no new delivery starts; those in flight may still finish. */
    private boolean closing;
    /** Set on the worker by {@link #close}: the queue is sent while it answers 2xx and the grace lasts. */
    private CompletableFuture<Void> drained;
    private long drainDeadline;
    private int sentDuringStop;
    private volatile int mostInFlight;

    public OutboxSender(Outbox outbox, String destination, Transport transport, Duration retryMin, Duration retryMax,
                        Duration probeInterval, boolean logEveryResult) {
        this(outbox, destination, transport, retryMin, retryMax, probeInterval, logEveryResult, DEFAULT_MAX_IN_FLIGHT);
    }

    public OutboxSender(Outbox outbox, String destination, Transport transport, Duration retryMin, Duration retryMax,
                        Duration probeInterval, boolean logEveryResult, int maxInFlight) {
        this(outbox, destination, transport, retryMin, retryMax, probeInterval, logEveryResult, maxInFlight,
                Schedulers.newSingle("edgewatch-outbox-" + destination));
    }

    /**
     * A sender whose state, backoff and polls run on {@code worker}, which must run one task at a time (a single
     * thread, or a virtual-time scheduler in tests); it is disposed by {@link #close}.
     */
    OutboxSender(Outbox outbox, String destination, Transport transport, Duration retryMin, Duration retryMax,
                 Duration probeInterval, boolean logEveryResult, int maxInFlight, Scheduler worker) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, not " + maxInFlight);
        }
        this.outbox = outbox;
        this.destination = destination;
        this.transport = transport;
        this.retryMin = retryMin;
        this.retryMax = retryMax;
        this.probeInterval = probeInterval;
        this.logEveryResult = logEveryResult;
        this.maxInFlight = maxInFlight;
        this.worker = worker;
    }

    /** Starts draining. */
    public OutboxSender start() {
        // a stop recorded by an earlier run is stale until this run is refused again
        worker.schedule(() -> recordState(false, null));
        worker.schedule(() -> {
            try {
                // what was put back before the start is read from the start anyway
                putBackSeen = outbox.putBack();
            } catch (RuntimeException e) {
                log.warn("{}: {}", destination, e.getMessage());
            }
        });
        worker.schedule(this::step);
        return this;
    }

    /** Something was appended: an idle sender looks now instead of at its next poll; a busy one reads it at its next step. */
    public void wake() {
        try {
            worker.schedule(() -> {
                if (closed) {
                    return;
                }
                moreOnDisk = true;
                if (parked) {
                    parked = false;
                    if (pending != null) {
                        pending.dispose();
                    }
                    step();
                } else if (!backingOff && !stopped) {
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

    /** The most requests that were in flight at once since the start. */
    public int mostInFlight() {
        return mostInFlight;
    }

    private void step() {
        if (closed || closing || backingOff) {
            return;
        }
        if (drained != null && (stopped || failures > 0 || System.nanoTime() - drainDeadline >= 0)) {
            endDrain();
            return;
        }
        try {
            lookForPutBack();
            refill();
        } catch (RuntimeException e) {
            log.error("{}: {}", destination, e.getMessage());
            later(retryMax);
            return;
        }
        int limit = stopped ? 1 : maxInFlight;
        if (inFlight.size() < limit && !queued.isEmpty()) {
            // oldest first; a camera with an entry in flight, or an older entry waiting, is passed over
            Set<String> taken = new HashSet<>(busyCameras);
            List<OutboxEntry> next = new ArrayList<>();
            for (OutboxEntry e : queued.values()) {
                if (inFlight.size() + next.size() >= limit) {
                    break;
                }
                if (taken.add(e.cameraId())) {
                    next.add(e);
                }
            }
            next.forEach(this::send);
        }
        if (inFlight.isEmpty() && queued.isEmpty()) {
            idle();
        }
    }

    /**
     * At most once a {@link #IDLE_POLL}, while sending: dead letters put back in the queue (by {@code edgewatch outbox
     * --retry-dead-letters}, another process) have old ids, below what this sender has read, so a busy sender would
     * not see them before its backlog was gone; when the outbox's count of them changed, they are read and queued in
     * their places. An idle sender reads from the start at its next look anyway.
     */
    private void lookForPutBack() {
        long now = worker.now(TimeUnit.MILLISECONDS);
        if (now - putBackLookedAt < IDLE_POLL.toMillis()) {
            return;
        }
        putBackLookedAt = now;
        long n = outbox.putBack();
        if (n == putBackSeen) {
            return;
        }
        List<OutboxEntry> back = outbox.before(destination, readUpTo + 1,
                id -> queued.containsKey(id) || inFlight.containsKey(id) || toDelete.contains(id), PAGE, PAGE_BYTES);
        back.forEach(this::enqueue);
        if (back.size() < PAGE) {
            // all of them read (more than a page: the rest at the next look)
            putBackSeen = n;
        }
        if (!back.isEmpty()) {
            log.info("{}: {} entr{} put back in the queue (dead letters retried) taken up", destination, back.size(),
                    back.size() == 1 ? "y" : "ies");
        }
    }

    /** Reads the next page from disk when the queue runs low and disk may hold more. */
    private void refill() {
        long releases = outbox.releases();
        if (releases != releasesSeen) {
            // entries held while the clock was wrong are released: they sit before what was read already
            releasesSeen = releases;
            readUpTo = 0;
            moreOnDisk = true;
        }
        if (!moreOnDisk || queued.size() >= PAGE / 2 || queuedBytes >= PAGE_BYTES / 2) {
            return;
        }
        long budget = PAGE_BYTES - queuedBytes;
        List<OutboxEntry> page = outbox.after(destination, readUpTo, PAGE, budget);
        long read = 0;
        for (OutboxEntry e : page) {
            readUpTo = Math.max(readUpTo, e.id());
            if (!toDelete.contains(e.id()) && !inFlight.containsKey(e.id())) {
                enqueue(e);
            }
            read += e.body().length;
        }
        moreOnDisk = page.size() == PAGE || read >= budget;
    }

    /** Puts {@code e} in the queue in its place (in place of an older copy of it). */
    private void enqueue(OutboxEntry e) {
        OutboxEntry old = queued.put(e.id(), e);
        queuedBytes += e.body().length - (old == null ? 0 : old.body().length);
        mostQueuedBytes = Math.max(mostQueuedBytes, queuedBytes);
    }

    private void dequeue(long id) {
        OutboxEntry old = queued.remove(id);
        if (old != null) {
            queuedBytes -= old.body().length;
        }
    }

    /** The most bytes of bodies the queue held at once since the start (read from disk, not yet in flight). */
    long mostQueuedBytes() {
        return mostQueuedBytes;
    }

    /** Nothing queued and nothing in flight: deletes committed, then a look again in a second (from the start). */
    private void idle() {
        if (!flushDeletes()) {
            return;
        }
        if (drained != null) {
            endDrain();
            return;
        }
        // from the start at the next look: entries put back by another process (dead letters retried) have old ids
        readUpTo = 0;
        parked = true;
        pending = worker.schedule(() -> {
            if (parked && !closed) {
                parked = false;
                moreOnDisk = true;
                step();
            }
        }, IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void send(OutboxEntry entry) {
        dequeue(entry.id());
        busyCameras.add(entry.cameraId());
        // a placeholder first: the transport may answer before subscribe returns
        inFlight.put(entry.id(), Disposables.single());
        sendNumbers.put(entry.id(), ++sends);
        mostInFlight = Math.max(mostInFlight, inFlight.size());
        Progress progress = (kind, body) -> Mono.<Void>fromRunnable(() -> {
            outbox.rewrite(entry.id(), kind, body);
            progressed.put(entry.id(), new OutboxEntry(entry.id(), entry.destination(), entry.cameraId(), kind, body,
                    entry.createdAtMillis(), entry.attempts()));
        }).subscribeOn(Schedulers.boundedElastic());
        Disposable d = Mono.defer(() -> transport.send(entry, progress))
                .publishOn(worker)
                .subscribe(null, e -> failed(entry, e), () -> delivered(entry));
        if (inFlight.containsKey(entry.id())) {
            inFlight.put(entry.id(), d);
        }
    }

    /** The entry's request has a result: its camera may send its next one. */
    private void settle(OutboxEntry entry) {
        progressed.remove(entry.id());
        sendNumbers.remove(entry.id());
        inFlight.remove(entry.id());
        busyCameras.remove(entry.cameraId());
    }

    /** Commits the deletes that wait; false (and a retry later) when the disk refuses. */
    private boolean flushDeletes() {
        if (toDelete.isEmpty()) {
            return true;
        }
        try {
            outbox.delete(toDelete);
            toDelete.clear();
            return true;
        } catch (RuntimeException e) {
            // delivered, but still on disk: kept out of the queue, deleted once the disk takes it (never sent twice by this run)
            log.warn("{}: {} delivered entries not yet deleted ({}); trying again in {}", destination, toDelete.size(),
                    e.getMessage(), retryMax);
            later(retryMax);
            return false;
        }
    }

    private void delivered(OutboxEntry entry) {
        if (closed) {
            return;
        }
        // sent after the last failure: evidence that the destination works again; one in flight since before is not
        boolean sentSinceFailure = sendNumbers.getOrDefault(entry.id(), Long.MAX_VALUE) > sendsAtLastFailure;
        settle(entry);
        toDelete.add(entry.id());
        if (toDelete.size() >= DELETE_BATCH || inFlight.isEmpty()) {
            flushDeletes();
        }
        if (sentSinceFailure && (stopped || failures > 0)) {
            log.info("{}: delivering again after {} failed attempt(s)", destination, failures);
        }
        if (logEveryResult) {
            log.info("{}: delivered {} of camera {} (entry {}, waited {} ms)", destination, entry.kind(), entry.cameraId(),
                    entry.id(), System.currentTimeMillis() - entry.createdAtMillis());
        }
        if (sentSinceFailure) {
            if (stopped) {
                recordState(false, null);
            }
            stopped = false;
            failures = 0;
        }
        if (drained != null) {
            sentDuringStop++;
        }
        if (closing) {
            drainEnded();
        } else {
            step();
        }
    }

    private void failed(OutboxEntry sent, Throwable error) {
        if (closed) {
            return;
        }
        // resumed where its transport got to
        OutboxEntry entry = progressed.getOrDefault(sent.id(), sent);
        settle(entry);
        // back in its place: it is its camera's oldest, so nothing of that camera goes before it
        enqueue(entry);
        try {
            sort(entry, error);
        } catch (RuntimeException e) {
            // the outbox could not record the result (a full disk): the entry stays and is tried again
            log.warn("{}: {}; trying again in {}", destination, e.getMessage(), retryMax);
            later(retryMax);
        }
        if (closing) {
            drainEnded();
        }
    }

    private void sort(OutboxEntry entry, Throwable error) {
        if (!(error instanceof DeliveryException) && local(error)) {
            // nothing was answered and nothing will change by trying again: the head of a one-at-a-time destination
            // would otherwise fail after every backoff, for ever, with everything behind it
            String reason = "cannot be sent as it is: " + error;
            outbox.deadLetter(entry.id(), 0, reason);
            dequeue(entry.id());
            log.error("{}: {} entry {} of camera {} {}; kept in the dead-letter table of {}", destination, entry.kind(), entry.id(),
                    entry.cameraId(), reason, outbox.file());
            step();
            return;
        }
        DeliveryException e = error instanceof DeliveryException de ? de
                : new DeliveryException(String.valueOf(error.getMessage()), 0, true, 0);
        if (e.retryable()) {
            outbox.failedAttempt(entry.id());
            // as on disk: a transport may tell a retry from a first attempt (an upload whose answer was lost)
            enqueue(new OutboxEntry(entry.id(), entry.destination(), entry.cameraId(), entry.kind(), entry.body(),
                    entry.createdAtMillis(), entry.attempts() + 1));
            failures++;
            sendsAtLastFailure = sends;
            long delay = Math.max(Math.min(e.retryAfterMillis(), retryMax.toMillis()), backoffMillis(failures));
            if (failures == 1 || logEveryResult || Integer.bitCount(failures) == 1) {
                log.warn("{}: {} of camera {} not delivered ({}); attempt {}, retrying in {} ms; {} waiting",
                        destination, entry.kind(), entry.cameraId(), e.getMessage(), failures, delay, outbox.stats().depth());
            }
            later(Duration.ofMillis(delay));
        } else if (e.rejected()) {
            // out of the queue only once it is aside: if that fails (a full disk), it stays its camera's next
            outbox.deadLetter(entry.id(), e.status(), e.getMessage());
            dequeue(entry.id());
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
            sendsAtLastFailure = sends;
            later(probeInterval);
        }
    }

    /**
     * An error of this process, not of the network or the far end: a runtime exception that is not the outbox failing to
     * read or write its disk (that passes, and is retried).
     */
    private static boolean local(Throwable error) {
        if (!(error instanceof RuntimeException)) {
            return false;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException) {
                return false;
            }
        }
        return true;
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

    /**
     * No new request for {@code delay} (what is in flight finishes); then the oldest entries go again. A backoff that
     * ends later than this one is kept.
     */
    private void later(Duration delay) {
        if (drained != null) {
            // stopping: a failing receiver is not waited for; what is left stays for the next start
            endDrain();
            return;
        }
        if (closing) {
            return;
        }
        long until = worker.now(TimeUnit.MILLISECONDS) + delay.toMillis();
        if (backingOff && until <= backoffUntil) {
            // a longer wait is set already (another camera's Retry-After): it stands
            return;
        }
        if (pending != null) {
            pending.dispose();
        }
        backingOff = true;
        backoffUntil = until;
        parked = false;
        pending = worker.schedule(() -> {
            backingOff = false;
            step();
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@link #close(Duration)} with {@link #DEFAULT_STOP_GRACE}. */
    @Override
    public void close() {
        close(DEFAULT_STOP_GRACE);
    }

    /** On the worker: no new delivery starts; the stop's wait is over once those in flight have their results. */
    private void endDrain() {
        closing = true;
        if (pending != null) {
            pending.dispose();
        }
        drainEnded();
    }

    private void drainEnded() {
        if (closing && inFlight.isEmpty()) {
            flushDeletes();
            if (drained != null) {
                drained.complete(null);
            }
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
        boolean timedOut = false;
        try {
            // on the worker, so the drain starts from a known state: in flight, parked or backing off
            worker.schedule(() -> {
                drained = done;
                drainDeadline = deadline;
                if (closed || closing) {
                    endDrain();
                } else if (!inFlight.isEmpty() && !backingOff) {
                    // in flight: their results go on with the drain (delivered) or end it (failed)
                } else if (parked) {
                    parked = false;
                    if (pending != null) {
                        pending.dispose();
                    }
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
            // said below, on the worker, only if a delivery is in flight: with no grace the wait ends before the drain looked
            timedOut = true;
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
        boolean waitedOut = timedOut;
        try {
            worker.schedule(() -> {
                if (waitedOut && !inFlight.isEmpty()) {
                    log.warn("{}: {} deliver{} still unanswered {} ms into the stop; {} in the outbox and sent again at the"
                            + " next start", destination, inFlight.size(), inFlight.size() == 1 ? "y was" : "ies were",
                            grace.toMillis(), inFlight.size() == 1 ? "its entry stays" : "their entries stay");
                }
                inFlight.values().forEach(Disposable::dispose);
                flushDeletes();
                closed = true;
            });
        } catch (RejectedExecutionException ignored) {
            // already closed
        }
        worker.disposeGracefully().onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(5));
    }
}
