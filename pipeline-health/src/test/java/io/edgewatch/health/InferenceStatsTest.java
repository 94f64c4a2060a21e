package io.edgewatch.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.ConfidenceHistogram;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.testkit.SmallDisk;

/**
 * Roboflow's statistics from kept windows: windows go through a real health store (SQLite) and
 * come back as §5's JSON, for the period and the one before it.
 */
class InferenceStatsTest {

    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    @TempDir
    Path dir;

    /** A window ending at {@code end}: {@code inferred} frames at {@code callMs} each, {@code empty} of them with nothing. */
    private static WindowReport window(String cam, String model, Instant end, long inferred, long empty, long errors,
                                       double callMs, ClassStats... classes) {
        LatencyStats call = new LatencyStats(inferred, callMs, callMs, callMs, callMs, callMs);
        return new WindowReport(cam, model, "object-detection", end.minusSeconds(60), end, inferred + errors, inferred, empty,
                empty * callMs, 0, errors, Map.of(), errors == 0 ? Map.of() : Map.of("timeout", errors), List.of(),
                List.of(classes), LatencyStats.EMPTY, LatencyStats.EMPTY, call, call, call);
    }

    /** A class seen {@code count} times over {@code frames} frames, confidences as given (count of them). */
    private static ClassStats cls(String name, long frames, double callMs, double... confidences) {
        long[] bins = new long[ConfidenceHistogram.BINS];
        double sum = 0;
        double min = 1;
        double max = 0;
        for (double c : confidences) {
            bins[ConfidenceHistogram.bin(c)]++;
            sum += c;
            min = Math.min(min, c);
            max = Math.max(max, c);
        }
        ConfidenceHistogram h = ConfidenceHistogram.of(bins);
        return new ClassStats(name, confidences.length, frames, min, sum / confidences.length, max,
                h.quantile(0.5, min, max), h, callMs);
    }

    private JsonNode stats(HealthStore store, String start, String end, String models, Instant now) {
        InferenceStats.Query q = InferenceStats.Query.parse(start, end, models, now, UTC);
        store.flush(Duration.ofMinutes(2)); // thousands of windows and their roll-ups: a loaded box takes a while
        return InferenceStats.compute(q, store.windows(q.from(), q.to()), store.windows(q.previousFrom(), q.from()));
    }

    @Test
    void figuresOfThePeriodAndTheOneBeforeInRoboflowsShape() {
        try (HealthStore store = HealthStore.open(dir)) {
            // the period before: 10:00-11:00; the period asked: 11:00-12:00
            store.saveWindow(window("cam-1", "people/3", T0.plusSeconds(1800), 10, 2, 1, 100,
                    cls("person", 8, 100, 0.9, 0.8, 0.7, 0.6, 0.5, 0.9, 0.9, 0.9)), "edgewatch-0.1.0");
            store.saveWindow(window("cam-1", "people/3", T0.plusSeconds(3600 + 60), 4, 1, 0, 50,
                    cls("person", 3, 40, 0.95, 0.85, 0.75), cls("dog", 1, 80, 0.3)), "edgewatch-0.1.0");
            store.saveWindow(window("cam-2", "people/3", T0.plusSeconds(3600 + 120), 6, 0, 2, 20,
                    cls("person", 6, 20, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96)), "edgewatch-0.2.0");
            store.saveWindow(window("cam-3", "cars/1", T0.plusSeconds(3600 + 180), 5, 5, 0, 10), "edgewatch-0.1.0");
            // a window ending exactly at 12:00 belongs to the next period
            store.saveWindow(window("cam-1", "people/3", T0.plusSeconds(7200), 99, 0, 0, 1,
                    cls("person", 99, 1, 0.1)), "edgewatch-0.1.0");

            JsonNode s = stats(store, "2026-11-23 11:00:00", "2026-11-23 12:00:00", null, T0.plusSeconds(9000));
            List<String> keys = new ArrayList<>();
            s.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).containsExactly("num_inferences", "prev_num_inferences", "num_errors", "prev_num_errors",
                    "avg_confidence", "prev_avg_confidence", "avg_response_time", "prev_avg_response_time", "inference_stats");
            assertThat(s.get("num_inferences").asLong()).isEqualTo(15);
            assertThat(s.get("prev_num_inferences").asLong()).isEqualTo(10);
            assertThat(s.get("num_errors").asLong()).isEqualTo(2);
            assertThat(s.get("prev_num_errors").asLong()).isEqualTo(1);
            double confidences = 0.95 + 0.85 + 0.75 + 0.3 + 0.91 + 0.92 + 0.93 + 0.94 + 0.95 + 0.96;
            assertThat(s.get("avg_confidence").asDouble()).isCloseTo(confidences / 10, within(1e-9));
            assertThat(s.get("prev_avg_confidence").asDouble()).isCloseTo(6.2 / 8, within(1e-9));
            // seconds: (4 x 50 + 6 x 20 + 5 x 10) ms over 15 inferences
            assertThat(s.get("avg_response_time").asDouble()).isCloseTo(0.370 / 15, within(1e-9));
            assertThat(s.get("prev_avg_response_time").asDouble()).isCloseTo(0.1, within(1e-9));

            JsonNode rows = s.get("inference_stats");
            assertThat(rows).hasSize(4);
            List<String> rowKeys = new ArrayList<>();
            rows.get(0).fieldNames().forEachRemaining(rowKeys::add);
            assertThat(rowKeys).containsExactly("model_name", "predicted_class", "num_inferences", "prev_num_inferences",
                    "num_errors", "prev_num_errors", "avg_confidence", "prev_avg_confidence", "avg_response_time",
                    "prev_avg_response_time", "median_confidence", "class_count", "deployment_types",
                    "inference_server_versions", "model_num_inferences", "prev_model_num_inferences");
            Iterator<JsonNode> it = rows.elements();
            JsonNode cars = it.next();
            assertThat(cars.get("model_name").asText()).isEqualTo("cars/1");
            assertThat(cars.get("predicted_class").asText()).isEmpty();
            assertThat(cars.get("num_inferences").asLong()).isEqualTo(5);
            assertThat(cars.get("class_count").asLong()).isZero();
            assertThat(cars.get("avg_confidence").isNull()).isTrue();
            assertThat(cars.get("median_confidence").isNull()).isTrue();
            assertThat(cars.get("avg_response_time").asDouble()).isCloseTo(0.010, within(1e-9));
            assertThat(cars.get("prev_model_num_inferences").asLong()).isZero();

            JsonNode person = it.next();
            assertThat(person.get("model_name").asText()).isEqualTo("people/3");
            assertThat(person.get("predicted_class").asText()).isEqualTo("person");
            assertThat(person.get("class_count").asLong()).isEqualTo(9);
            assertThat(person.get("num_inferences").asLong()).isEqualTo(9);
            assertThat(person.get("prev_num_inferences").asLong()).isEqualTo(8);
            assertThat(person.get("num_errors").isNull()).isTrue();
            assertThat(person.get("prev_num_errors").isNull()).isTrue();
            assertThat(person.get("avg_confidence").asDouble()).isCloseTo((0.95 + 0.85 + 0.75 + 0.91 + 0.92 + 0.93 + 0.94 + 0.95 + 0.96) / 9,
                    within(1e-9));
            assertThat(person.get("prev_avg_confidence").asDouble()).isCloseTo(6.2 / 8, within(1e-9));
            // exact median of the nine: 0.93; the histogram's is within a bin
            assertThat(person.get("median_confidence").asDouble()).isCloseTo(0.93, within(0.01));
            // (3 x 40 + 6 x 20) ms over 9 inferences
            assertThat(person.get("avg_response_time").asDouble()).isCloseTo(0.240 / 9, within(1e-9));
            assertThat(person.get("deployment_types").asText()).isEqualTo("edge");
            assertThat(person.get("inference_server_versions").asText()).isEqualTo("edgewatch-0.1.0,edgewatch-0.2.0");
            assertThat(person.get("model_num_inferences").asLong()).isEqualTo(10);
            assertThat(person.get("prev_model_num_inferences").asLong()).isEqualTo(10);

            JsonNode dog = it.next();
            assertThat(dog.get("predicted_class").asText()).isEqualTo("dog");
            assertThat(dog.get("prev_num_inferences").asLong()).isZero();
            assertThat(dog.get("prev_avg_confidence").isNull()).isTrue();
            assertThat(dog.get("median_confidence").asDouble()).isEqualTo(0.3);

            JsonNode nothing = it.next();
            assertThat(nothing.get("model_name").asText()).isEqualTo("people/3");
            assertThat(nothing.get("predicted_class").asText()).isEmpty();
            assertThat(nothing.get("num_inferences").asLong()).isEqualTo(1);
            assertThat(nothing.get("prev_num_inferences").asLong()).isEqualTo(2);

            JsonNode cars2 = stats(store, "2026-11-23 11:00:00", "2026-11-23 12:00:00", "cars/1, other", T0.plusSeconds(9000));
            assertThat(cars2.get("num_inferences").asLong()).isEqualTo(5);
            assertThat(cars2.get("num_errors").asLong()).isZero();
            assertThat(cars2.get("avg_confidence").isNull()).isTrue();
            assertThat(cars2.get("inference_stats")).hasSize(1);
        }
    }

    @Test
    void emptyTimesMeanTheLast24HoursAndNow() {
        Instant now = T0.plusSeconds(3600);
        try (HealthStore store = HealthStore.open(dir)) {
            store.saveWindow(window("cam-1", "m/1", now.minusSeconds(60), 3, 0, 0, 10, cls("a", 3, 10, 0.5, 0.5, 0.5)), "v");
            store.saveWindow(window("cam-1", "m/1", now.minus(Duration.ofHours(25)), 7, 0, 0, 10, cls("a", 7, 10, 0.5)), "v");
            store.saveWindow(window("cam-1", "m/1", now.minus(Duration.ofHours(49)), 11, 0, 0, 10, cls("a", 11, 10, 0.5)), "v");
            JsonNode s = stats(store, "", null, "", now);
            assertThat(s.get("num_inferences").asLong()).isEqualTo(3);
            assertThat(s.get("prev_num_inferences").asLong()).isEqualTo(7);
        }
        InferenceStats.Query q = InferenceStats.Query.parse(null, "2026-11-23 10:30:00", null, now, UTC);
        assertThat(q.from()).isEqualTo(now.minus(Duration.ofHours(24)));
        assertThat(q.to()).isEqualTo(T0.plusSeconds(1800));
        assertThat(q.models()).isEmpty();
        assertThat(InferenceStats.Query.parse(null, null, "b/1,a/2", now, UTC).models()).isEqualTo(Set.of("a/2", "b/1"));
        // the zone is the daemon's: 11:00 in Paris is 10:00 UTC
        assertThat(InferenceStats.Query.parse("2026-11-23 11:00:00", null, null, now, ZoneId.of("Europe/Paris")).from())
                .isEqualTo(T0);
    }

    @Test
    void badParametersSayWhichAndWhy() {
        Instant now = T0;
        assertThatThrownBy(() -> InferenceStats.Query.parse("2026-11-23T10:00:00", null, null, now, UTC))
                .isInstanceOf(InferenceStats.BadRequest.class)
                .hasMessageContaining("startTime").hasMessageContaining("YYYY-MM-DD HH:mm:ss");
        assertThatThrownBy(() -> InferenceStats.Query.parse(null, "2026-02-30 10:00:00", null, now, UTC))
                .isInstanceOf(InferenceStats.BadRequest.class).hasMessageContaining("endTime");
        assertThatThrownBy(() -> InferenceStats.Query.parse("2026-11-23 10:00:00", "2026-11-23 09:00:00", null, now, UTC))
                .isInstanceOf(InferenceStats.BadRequest.class).hasMessageContaining("must be before endTime");
        assertThatThrownBy(() -> InferenceStats.Query.parse(null, "2026-11-20 10:00:00", null, now, UTC))
                .isInstanceOf(InferenceStats.BadRequest.class).hasMessageContaining("24 hours ago");
    }

    @Test
    void windowsOlderThanADayAreRolledUpIntoHoursAndTheStatisticsOfWholeHoursStayTheSame() throws Exception {
        Instant day = Instant.parse("2026-11-20T00:00:00Z");
        try (HealthStore store = HealthStore.open(dir)) {
            // two hours of 5 s windows on two cameras (10:00-12:00), classes and empty frames varying
            for (int i = 0; i < 1440; i++) {
                Instant end = day.plusSeconds(36_000 + 5L * i);
                double c = 0.5 + (i % 40) / 100.0;
                store.saveWindow(window(i % 2 == 0 ? "cam-1" : "cam-2", "m/1", end, 10, i % 3, i % 7 == 0 ? 1 : 0, 10 + i % 5,
                        cls("person", 6, 12, c, c + 0.05, c - 0.1), cls(i % 4 == 0 ? "dog" : "cat", 1, 30, c)), "v1");
            }
            store.flush();
            InferenceStats.Query all = InferenceStats.Query.parse("2026-11-20 10:00:00", "2026-11-20 12:00:00", null,
                    day.plusSeconds(86_400 * 3), UTC);
            InferenceStats.Query firstHour = InferenceStats.Query.parse("2026-11-20 10:00:00", "2026-11-20 11:00:00", null,
                    day.plusSeconds(86_400 * 3), UTC);
            JsonNode before = InferenceStats.compute(all, store.windows(all.from(), all.to()), List.of());
            JsonNode beforeFirst = InferenceStats.compute(firstHour, store.windows(firstHour.from(), firstHour.to()), List.of());
            assertThat(store.windows(all.from(), all.to())).hasSize(1440);

            // two days later: the next window written rolls everything older than a day up
            store.saveWindow(window("cam-1", "m/1", day.plusSeconds(86_400 * 3), 1, 0, 0, 10), "v2");
            store.flush();
            List<StoredWindow> rolled = store.windows(all.from(), all.to());
            // one row per camera and hour
            assertThat(rolled).hasSize(4);
            assertThat(rolled).extracting(StoredWindow::camera).containsExactlyInAnyOrder("cam-1", "cam-2", "cam-1", "cam-2");
            assertThat(rolled).extracting(StoredWindow::inferred).containsOnly(3600L); // 360 windows of 10 inferences a camera and hour
            JsonNode after = InferenceStats.compute(all, rolled, List.of());
            JsonNode afterFirst = InferenceStats.compute(firstHour, store.windows(firstHour.from(), firstHour.to()), List.of());
            assertSameStats(after, before);
            assertSameStats(afterFirst, beforeFirst);
            // and a later compaction leaves rolled rows alone
            store.saveWindow(window("cam-1", "m/1", day.plusSeconds(86_400 * 4), 1, 0, 0, 10), "v2");
            store.flush();
            assertThat(store.windows(all.from(), all.to())).hasSize(4);
        }
    }

    /** Counts equal; averages and medians equal but for the order floating-point sums were taken in. */
    private static void assertSameStats(JsonNode actual, JsonNode expected) {
        List<String> keys = new ArrayList<>();
        expected.fieldNames().forEachRemaining(keys::add);
        for (String k : keys) {
            JsonNode e = expected.get(k);
            JsonNode a = actual.get(k);
            if (e.isArray()) {
                assertThat(a).hasSameSizeAs(e);
                for (int i = 0; i < e.size(); i++) {
                    assertSameStats(a.get(i), e.get(i));
                }
            } else if (e.isFloatingPointNumber()) {
                assertThat(a.asDouble()).as(k).isCloseTo(e.asDouble(), within(1e-9));
            } else {
                assertThat(a).as(k).isEqualTo(e);
            }
        }
    }

    @Test
    void windowsOlderThanTheRetentionArePruned() {
        try (HealthStore store = HealthStore.open(dir, Duration.ofHours(2))) {
            store.saveWindow(window("cam-1", "m/1", T0, 1, 1, 0, 1), "v");
            store.saveWindow(window("cam-1", "m/1", T0.plusSeconds(3 * 3600), 2, 2, 0, 1), "v");
            store.flush();
            assertThat(store.windows(Instant.EPOCH, T0.plusSeconds(86_400))).extracting(StoredWindow::inferred).containsExactly(2L);
        }
        // and what is kept is there after a reopen
        try (HealthStore store = HealthStore.open(dir)) {
            assertThat(store.windows(Instant.EPOCH, T0.plusSeconds(86_400))).singleElement()
                    .satisfies(w -> assertThat(w.empty()).isEqualTo(2));
        }
    }

    @Test
    void windowsThatArriveWhileTheDiskIsFullAreKeptInOrderOnceSpaceIsBack() throws Exception {
        // a real 1 MiB tmpfs (the test needs root, as CI has) that fills up and is freed again
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), 1 << 20); HealthStore store = HealthStore.open(disk.path())) {
            int n = 0;
            for (; n < 3; n++) {
                store.saveWindow(window("cam-1", "m/1", T0.plusSeconds(60L * n), 5, 0, 0, 10, cls("person", 5, 10, 0.9)), "v");
            }
            store.flush();
            disk.fill();
            while (store.storageProblem() == null && n < 3000) {
                store.saveWindow(window("cam-1", "m/1", T0.plusSeconds(60L * n++), 5, 0, 0, 10,
                        cls("person" + "x".repeat(500), 5, 10, 0.9)), "v");
                store.flush();
            }
            assertThat(store.storageProblem()).as("the disk refused a write").isNotNull();
            for (int k = 0; k < 10; k++) {
                store.saveWindow(window("cam-1", "m/1", T0.plusSeconds(60L * n++), 5, 0, 0, 10, cls("person", 5, 10, 0.9)), "v");
            }
            disk.free();
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (store.storageProblem() != null && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(store.storageProblem()).as("writing again without a restart").isNull();
            store.flush();
            List<Instant> ends = store.windows(T0.minusSeconds(3600), T0.plusSeconds(60L * n + 3600)).stream()
                    .map(StoredWindow::end).toList();
            assertThat(ends).as("every window kept, in order").hasSize(n).isSorted();
            assertThat(ends.get(n - 1)).isEqualTo(T0.plusSeconds(60L * (n - 1)));
        }
    }
}
