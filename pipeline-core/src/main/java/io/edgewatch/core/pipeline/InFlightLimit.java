package io.edgewatch.core.pipeline;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

import org.reactivestreams.Subscription;

import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * A camera's frames in inference at once, which a reload may change while the camera runs (the
 * detector-threads rule gives each camera its share of the cores, and that share changes when
 * cameras come and go). {@link #gate} lets frames through to the inference only while fewer than
 * the limit are in inference or waiting, in order, to be emitted: a frame's slot is given back
 * ({@link Gate#done()}) as its result leaves the ordered merge, exactly when the merge's own
 * concurrency would give it back. A lower limit takes effect as frames finish, a higher one at once.
 */
public final class InFlightLimit {

    private volatile int limit;
    private final Set<Gate<?>> gates = new CopyOnWriteArraySet<>();

    public InFlightLimit(int limit) {
        set(limit, false);
    }

    private void set(int limit, boolean wake) {
        if (limit < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, was " + limit);
        }
        this.limit = limit;
        if (wake) {
            gates.forEach(Gate::ask);
        }
    }

    /** Changes the limit; running gates follow it. */
    public void set(int limit) {
        set(limit, true);
    }

    public int get() {
        return limit;
    }

    /** {@code upstream} through a new gate of this limit; {@code done} gets the gate (to give slots back). */
    <T> Flux<T> gate(Flux<T> upstream, java.util.function.Consumer<Gate<T>> done) {
        return Flux.defer(() -> {
            Gate<T> gate = new Gate<>(this);
            done.accept(gate);
            return Flux.<T>from(s -> upstream.subscribe(gate.downstream(s)));
        });
    }

    /**
     * The gate of one subscription: asks upstream for no more than the downstream asked for, and
     * for no more than the limit less the frames in flight (delivered and not yet {@link #done()})
     * and those asked for and not yet delivered.
     */
    static final class Gate<T> implements CoreSubscriber<T>, Subscription {
        private final InFlightLimit limit;
        private CoreSubscriber<? super T> actual;
        private volatile Subscription upstream;
        /** Guarded by this. */
        private long demand;
        private long asked;
        private int inFlight;
        private boolean over;

        Gate(InFlightLimit limit) {
            this.limit = limit;
        }

        CoreSubscriber<T> downstream(org.reactivestreams.Subscriber<? super T> s) {
            this.actual = Operators.toCoreSubscriber(s);
            return this;
        }

        @Override
        public reactor.util.context.Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                limit.gates.add(this);
                actual.onSubscribe(this);
            }
        }

        @Override
        public void onNext(T t) {
            synchronized (this) {
                asked--;
                demand--;
                inFlight++;
            }
            actual.onNext(t);
        }

        @Override
        public void onError(Throwable t) {
            end();
            actual.onError(t);
        }

        @Override
        public void onComplete() {
            end();
            actual.onComplete();
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                synchronized (this) {
                    demand = Operators.addCap(demand, n);
                }
                ask();
            }
        }

        @Override
        public void cancel() {
            end();
            Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
        }

        /** A frame let through has left the inference (its result emitted in order): its slot is free. */
        void done() {
            synchronized (this) {
                inFlight--;
            }
            ask();
        }

        void ask() {
            long want;
            synchronized (this) {
                if (over || upstream == null) {
                    return;
                }
                want = Math.min(demand - asked, (long) limit.limit - inFlight - asked);
                if (want <= 0) {
                    return;
                }
                asked += want;
            }
            upstream.request(want);
        }

        private void end() {
            synchronized (this) {
                over = true;
            }
            limit.gates.remove(this);
        }
    }
}
