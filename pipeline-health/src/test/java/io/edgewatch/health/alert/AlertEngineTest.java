package io.edgewatch.health.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.LongFunction;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.source.SourceStatus;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Each alert on synthetic window sequences, one window every 5 s of virtual time: the first 10
 * teach the baseline, conditions must hold 30 s (6 windows) to fire and be gone 30 s to clear.
 */
class AlertEngineTest {

    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    /** The windows' length: 5 s. */
    private static final Duration WINDOW = Duration.ofSeconds(5);
    private static final AlertOptions OPTIONS = new AlertOptions(WINDOW.multipliedBy(10), 0.15, 0.25, 4, 2.0, 0.5, 0.2, Duration.ofSeconds(30),
            Duration.ofSeconds(20));

    /** A window: {@code classes} maps class to {count, mean confidence}. */
    private static WindowReport window(long i, long seen, long inferred, long errors, double p95, Map<String, double[]> classes) {
        Instant end = T0.plusSeconds(5 * (i + 1));
        List<ClassStats> stats = new ArrayList<>();
        classes.forEach((cls, a) -> stats.add(new ClassStats(cls, (long) a[0], (long) a[0], a[1], a[1], a[1])));
        LatencyStats lat = new LatencyStats(inferred, p95 / 2, p95 / 2, p95, p95, p95);
        return new WindowReport("cam-1", "m/1", "object-detection", end.minusSeconds(5), end, seen, inferred, 0, errors,
                Map.of(), errors == 0 ? Map.of() : Map.of("timeout", errors), List.of(), stats, lat, lat, lat);
    }

    private static WindowReport normal(long i, double confidence) {
        return window(i, 50, 50, 0, 20, Map.of("person", new double[] {45, confidence}, "car", new double[] {5, 0.7}));
    }

    /** Windows {@code 0..count-1} at 5 s of virtual time each. */
    private static Flux<WindowReport> windows(long count, LongFunction<WindowReport> make) {
        return Flux.interval(Duration.ofSeconds(5)).take(count).map(make::apply);
    }

    private static Flux<AlertEvent> alerts(Flux<WindowReport> windows) {
        return AlertEngine.alerts(windows, "cam-1", OPTIONS, WINDOW);
    }

    @Test
    void aConfidenceSlideFiresAfterItHeldAndClearsAfterItWasGone() {
        // 10 learning windows at 0.80, 20 at 0.55, 20 at 0.80 again
        StepVerifier.withVirtualTime(() -> alerts(windows(50, i -> normal(i, i >= 10 && i < 30 ? 0.55 : 0.80))))
                .thenAwait(Duration.ofMinutes(5))
                .assertNext(e -> {
                    assertThat(e.signal()).isEqualTo("confidence_slide:person");
                    assertThat(e.firing()).isTrue();
                    // first low window ends at 55 s; held 30 s at the window ending 85 s
                    assertThat(e.at()).isEqualTo(T0.plusSeconds(85));
                    assertThat(e.baseline()).isCloseTo(0.80, within(1e-9));
                    assertThat(e.current()).isCloseTo(0.55, within(1e-9));
                    assertThat(e.message()).contains("person", "0.550", "0.800");
                })
                .assertNext(e -> {
                    assertThat(e.signal()).isEqualTo("confidence_slide:person");
                    assertThat(e.firing()).isFalse();
                    assertThat(e.at()).isEqualTo(T0.plusSeconds(155 + 30));
                })
                .verifyComplete();
    }

    @Test
    void noiseAndAFlickeringConditionStayQuiet() {
        Random random = new Random(7);
        // confidence wanders 0.70..0.90 around a 0.80 baseline; every other window dips to 0.5 and comes back
        StepVerifier.withVirtualTime(() -> alerts(windows(80, i -> normal(i,
                        i >= 10 && i % 2 == 0 ? 0.5 : 0.70 + 0.2 * random.nextDouble()))))
                .thenAwait(Duration.ofMinutes(10))
                .verifyComplete();
    }

    @Test
    void aClassMixThatShiftsFiresClassShift() {
        StepVerifier.withVirtualTime(() -> alerts(windows(30, i -> i < 15 ? normal(i, 0.8)
                        : window(i, 50, 50, 0, 20, Map.of("person", new double[] {15, 0.8}, "car", new double[] {35, 0.7})))))
                .thenAwait(Duration.ofMinutes(5))
                .assertNext(e -> {
                    assertThat(e.signal()).isEqualTo("class_shift");
                    assertThat(e.firing()).isTrue();
                    assertThat(e.current()).isGreaterThan(0.25);
                })
                .verifyComplete();
    }

    @Test
    void latencyCreepThroughputDropAndErrorsFireOnTheirOwn() {
        List<AlertEvent> latency = AlertEngine.alerts(Flux.range(0, 30).map(i -> window(i, 50, 50, 0, i < 12 ? 20 : 45,
                Map.of("person", new double[] {45, 0.8}))), "cam-1", OPTIONS, WINDOW).collectList().block();
        assertThat(latency).extracting(AlertEvent::signal).containsExactly("latency_creep");
        assertThat(latency.get(0).baseline()).isEqualTo(20);

        List<AlertEvent> slow = AlertEngine.alerts(Flux.range(0, 30).map(i -> window(i, 50, i < 12 ? 50 : 20, 0, 20,
                Map.of("person", new double[] {i < 12 ? 45 : 18, 0.8}))), "cam-1", OPTIONS, WINDOW).collectList().block();
        assertThat(slow).extracting(AlertEvent::signal).containsExactly("throughput_drop");
        assertThat(slow.get(0).current()).isCloseTo(4.0, within(1e-9));

        // errors need no baseline: they fire during learning too
        List<AlertEvent> errors = AlertEngine.alerts(Flux.range(0, 9).map(i -> window(i, 50, 20, 30, 20, Map.of())),
                "cam-1", OPTIONS, WINDOW).collectList().block();
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.signal()).isEqualTo("error_rate");
            assertThat(e.message()).contains("60 % of frames failed", "timeout");
        });
    }

    @Test
    void malformedAnswersFireEvenWhenTooFewForTheErrorRateAndClearWhenTheyStop() {
        // 10 clean windows, 10 with one malformed answer in 50 (2 %: far below the 20 % error rate), 10 clean
        Function<Integer, WindowReport> make = i -> {
            WindowReport w = normal(i, 0.8);
            boolean bad = i >= 10 && i < 20;
            return new WindowReport(w.cameraId(), w.modelId(), w.modelType(), w.windowStart(), w.windowEnd(), 50, bad ? 49 : 50,
                    0, bad ? 1 : 0, Map.of(), bad ? Map.of("malformed", 1L) : Map.of(), List.of(), w.classStats(),
                    w.inferenceLatency(), w.callLatency(), w.endToEndLatency());
        };
        List<AlertEvent> events = AlertEngine.alerts(Flux.range(0, 30).map(make), "cam-1", OPTIONS, WINDOW).collectList().block();
        assertThat(events).extracting(AlertEvent::signal, AlertEvent::firing)
                .containsExactly(tuple("malformed", true), tuple("malformed", false));
        // first malformed window ends at 55 s, held 30 s; first clean one at 105 s, gone 30 s
        assertThat(events.get(0).at()).isEqualTo(T0.plusSeconds(85));
        assertThat(events.get(0).current()).isCloseTo(0.02, within(1e-9));
        assertThat(events.get(0).message()).contains("1 of 50 answers of model m/1 were malformed");
        assertThat(events.get(1).at()).isEqualTo(T0.plusSeconds(135));

        // with a limit of 5 %, the same windows stay quiet
        AlertOptions tolerant = new AlertOptions(true, WINDOW.multipliedBy(10), 0.15, 0.25, 4, 2.0, 0.5, 0.2, Duration.ofSeconds(30),
                Duration.ofSeconds(20), 0.05, null, null);
        assertThat(AlertEngine.alerts(Flux.range(0, 30).map(make), "cam-1", tolerant, WINDOW).collectList().block()).isEmpty();
    }

    @Test
    void aSourceDownLongerThanTheLimitFiresAtOnceAndClearsWhenItStreamsAgain() {
        AlertEngine engine = new AlertEngine("cam-1", OPTIONS, WINDOW);
        SourceStatus up = new SourceStatus(
                SourceStatus.State.STREAMING, T0, 0, null);
        SourceStatus down = new SourceStatus(
                SourceStatus.State.RECONNECTING, T0.plusSeconds(60), 2, "connection refused");
        List<AlertEvent> events = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            // windows end at 5 s, 10 s, ...; down from 60 s to 100 s (empty windows meanwhile)
            boolean isDown = 5 * (i + 1) > 60 && 5 * (i + 1) <= 100;
            events.addAll(engine.onWindow(isDown ? window(i, 0, 0, 0, 0, Map.of()) : normal(i, 0.8), isDown ? down : up));
        }
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).satisfies(e -> {
            assertThat(e.signal()).isEqualTo("source_down");
            assertThat(e.firing()).isTrue();
            assertThat(e.at()).isEqualTo(T0.plusSeconds(80)); // down 20 s: the limit
            assertThat(e.message()).contains("source reconnecting, not streaming for 20 s", "connection refused");
        });
        assertThat(events.get(1)).satisfies(e -> {
            assertThat(e.firing()).isFalse();
            assertThat(e.at()).isEqualTo(T0.plusSeconds(105)); // the first window streaming again
            assertThat(e.message()).isEqualTo("cleared: source streaming again");
        });
        // 40 s without frames is also a throughput drop, but the source being down already says why
    }

    @Test
    void aSourceThatKeepsRetryingIsDownSinceItLastStreamedNotSinceItsLastAttempt() {
        AlertEngine engine = new AlertEngine("cam-1", OPTIONS, WINDOW);
        SourceStatus s = new SourceStatus(
                SourceStatus.State.STREAMING, T0, 0, null);
        List<AlertEvent> events = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Instant end = T0.plusSeconds(5L * (i + 1));
            // lost at 5 s; from then on a new attempt every 5 s, each state shorter than the 20 s limit
            if (i >= 1) {
                s = s.next(i % 2 == 0 ? SourceStatus.State.RECONNECTING
                        : SourceStatus.State.CONNECTING, end.minusSeconds(5), i, "connection refused");
            }
            events.addAll(engine.onWindow(window(i, 0, 0, 0, 0, Map.of()), s));
        }
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.signal()).isEqualTo("source_down");
            assertThat(e.at()).isEqualTo(T0.plusSeconds(25)); // down since 5 s: 20 s at the window ending 25 s
        });
    }

    @Test
    void theBaselineIsLearntFromTheFirstWindowsWithInferredFramesOnly() {
        AlertEngine engine = new AlertEngine("cam-1", OPTIONS, WINDOW);
        engine.onWindow(window(0, 0, 0, 0, 0, Map.of())); // still connecting: teaches nothing
        for (int i = 0; i < 9; i++) {
            engine.onWindow(normal(i, 0.8));
        }
        assertThat(engine.baseline()).isNull();
        engine.onWindow(normal(9, 0.8));
        AlertEngine.Baseline b = engine.baseline();
        assertThat(b.windows()).isEqualTo(10);
        assertThat(b.meanConfidence()).containsEntry("person", 0.8).containsEntry("car", 0.7);
        assertThat(b.share().get("person")).isCloseTo(0.9, within(1e-9));
        assertThat(b.fps()).isCloseTo(10, within(1e-9));
        engine.onWindow(normal(10, 0.1));
        assertThat(engine.baseline()).isSameAs(b);
    }

    @Test
    void psiIsZeroForTheSameMixAndGrowsWithTheShift() {
        Map<String, Double> expected = Map.of("a", 0.5, "b", 0.5);
        assertThat(AlertEngine.psi(expected, List.of(Map.of("a", 50L, "b", 50L)))).isCloseTo(0, within(1e-12));
        double small = AlertEngine.psi(expected, List.of(Map.of("a", 55L, "b", 45L)));
        double large = AlertEngine.psi(expected, List.of(Map.of("a", 90L, "b", 10L)));
        assertThat(small).isLessThan(0.1);
        assertThat(large).isGreaterThan(0.25).isGreaterThan(small);
        assertThat(AlertEngine.psi(expected, List.of(Map.of("a", 50L, "c", 50L)))).isGreaterThan(1);
    }
}
