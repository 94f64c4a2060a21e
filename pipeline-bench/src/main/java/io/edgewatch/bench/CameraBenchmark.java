package io.edgewatch.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.bytedeco.javacpp.Loader;

import com.sun.management.OperatingSystemMXBean;

import io.edgewatch.core.aggregate.WindowOptions;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.pipeline.CameraPipeline;
import io.edgewatch.core.pipeline.LastFrame;
import io.edgewatch.core.pipeline.PipelineOptions;
import io.edgewatch.inference.Detectors;
import io.edgewatch.source.VideoSources;
import io.edgewatch.testkit.RtspServer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * N live cameras (1, 2, 4, 8) streamed at 25 fps from a local RTSP server (GStreamer's test server):
 * frames per second delivered per camera, CPU per camera and capture-to-result latency through
 * edgewatch with a no-op detector, against the {@code ffmpeg} program shipped with JavaCV pulling the
 * same streams to {@code -f null} with {@code -pix_fmt bgr24}, in the same run.
 *
 * <p>Frames per CPU-second are printed twice: over the whole run (opening the stream included: RTSP
 * set-up, FFmpeg's probing, which decodes frames it does not deliver) and over the steady state alone,
 * from {@link #SETTLE_SECONDS} after the start to the end, for both contenders alike (frames counted as
 * they pass, CPU read at the same two moments). The steady state is what a box running for months
 * pays per camera; the opening is paid once per connection.
 * Usage: {@code CameraBenchmark SERVER_SCRIPT [seconds]}.
 */
public final class CameraBenchmark {

    /** Seconds after the start that the steady-state figures leave out (the stream's opening and probing). */
    static final int SETTLE_SECONDS = 5;

    /** Seconds of two cameras before the first measured run. */
    static final int WARM_UP_SECONDS = 60;

    private CameraBenchmark() {
    }

    /** Frames and CPU seconds at the settle moment and at the end, and the wall seconds between. */
    private record Steady(long frames0, double cpu0, long frames1, double cpu1, double wall) {
        double framesPerCpuSecond() {
            return (frames1 - frames0) / (cpu1 - cpu0);
        }
    }

    public static void main(String[] args) throws Exception {
        String script = args[0];
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        RtspServer server = new RtspServer(Path.of(script), "640x480").start();
        String url = server.url();
        System.out.printf(Locale.ROOT, "edgewatch live cameras: 640x480 MJPEG at 25 fps over RTSP/TCP from 127.0.0.1, %d s per run, %d cores,"
                + " %d s warm-up%n", seconds, Runtime.getRuntime().availableProcessors(), WARM_UP_SECONDS);
        // warm-up: the JIT compiler works for a minute or more after the start (a profile of a 50 s run on one
        // camera: C1 and C2 threads 30 % of its CPU, and still 10 % of it 30 s in); its CPU would otherwise count
        // as the first runs' (the steady state is what a box running for months pays per camera)
        edgewatch(url, 2, WARM_UP_SECONDS, s -> { });
        System.out.println("cameras | edgewatch fps/cam  CPU%/cam  latency p50  p99 | ffmpeg fps/cam  CPU%/cam | fps ratio  CPU ratio"
                + " | frames per CPU-second, whole run: edgewatch ffmpeg ratio | steady (after " + SETTLE_SECONDS
                + " s): edgewatch ffmpeg ratio (target >= 0.9)");
        try {
            for (int n : new int[] {1, 2, 4, 8}) {
                Steady[] steady = new Steady[2];
                double[] ours = edgewatch(url, n, seconds, s -> steady[0] = s);
                double[] theirs = ffmpeg(ffmpeg, url, n, seconds, s -> steady[1] = s);
                double oursPerCpu = ours[0] / (ours[1] / 100);
                double theirsPerCpu = theirs[0] / (theirs[1] / 100);
                System.out.printf(Locale.ROOT, "%7d | %17.1f %9.1f %9.2f ms %4.1f ms | %14.1f %9.1f | %9.2f %10.2f | %34.0f %6.0f %5.2f |"
                                + " %25.0f %6.0f %5.2f%n",
                        n, ours[0], ours[1], ours[2], ours[3], theirs[0], theirs[1], ours[0] / theirs[0], ours[1] / theirs[1],
                        oursPerCpu, theirsPerCpu, oursPerCpu / theirsPerCpu, steady[0].framesPerCpuSecond(),
                        steady[1].framesPerCpuSecond(), steady[0].framesPerCpuSecond() / steady[1].framesPerCpuSecond());
            }
        } finally {
            server.close();
        }
    }

    /** fps per camera, CPU % of one core per camera, mean of window p50 latencies, worst window p99. */
    private static double[] edgewatch(String url, int n, int seconds, Consumer<Steady> steady) {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        List<WindowReport> reports = new CopyOnWriteArrayList<>();
        List<InferenceAdapter> adapters = new ArrayList<>();
        List<Mono<Void>> runs = new ArrayList<>();
        Mono<Long> stop = Mono.delay(Duration.ofSeconds(seconds)).cache();
        AtomicLong inferred = new AtomicLong();
        for (int i = 0; i < n; i++) {
            InferenceAdapter noop = Detectors.noop("noop");
            adapters.add(noop);
            PipelineOptions options = new PipelineOptions(WindowOptions.of("cam" + i, "noop", noop.modelType(),
                    Duration.ofSeconds(1)), 0, 1, Duration.ofSeconds(10));
            // the frames counted as they pass, by the pipeline's own per-frame tap
            runs.add(new CameraPipeline(options, VideoSources.rtsp("cam" + i, url, "tcp", 5_000_000), noop, List.of(),
                    LastFrame.off(), (frame, result) -> inferred.incrementAndGet())
                    .reports(stop).doOnNext(reports::add).then());
        }
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        long[] settled = new long[3];
        // the steady state: from the settle moment to a moment just before the stop, read on a timer of its own
        Mono.delay(Duration.ofSeconds(SETTLE_SECONDS)).doOnNext(x -> {
            settled[0] = inferred.get();
            settled[1] = os.getProcessCpuTime();
            settled[2] = System.nanoTime();
        }).then(Mono.delay(Duration.ofMillis(Math.max(1000, seconds * 1000L - SETTLE_SECONDS * 1000L - 200)))).doOnNext(x ->
                steady.accept(new Steady(settled[0], settled[1] / 1e9, inferred.get(), os.getProcessCpuTime() / 1e9,
                        (System.nanoTime() - settled[2]) / 1e9))).subscribe();
        Mono.when(runs).block(Duration.ofSeconds(seconds + 30));
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        long frames = reports.stream().mapToLong(WindowReport::framesSeen).sum();
        List<WindowReport> withFrames = reports.stream().filter(r -> r.endToEndLatency().count() > 0).toList();
        double p50 = withFrames.stream().mapToDouble(r -> r.endToEndLatency().p50Millis()).average().orElse(0);
        double p99 = withFrames.stream().mapToDouble(r -> r.endToEndLatency().p99Millis()).max().orElse(0);
        adapters.forEach(InferenceAdapter::close);
        return new double[] {frames / wall / n, 100 * cpu / wall / n, p50, p99};
    }

    /** fps per camera and CPU % of one core per camera of N ffmpeg processes. */
    private static double[] ffmpeg(String ffmpeg, String url, int n, int seconds, Consumer<Steady> steady) throws Exception {
        List<Process> processes = new ArrayList<>();
        List<AtomicLong> frames = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Process p = new ProcessBuilder(ffmpeg, "-nostdin", "-loglevel", "error", "-progress", "pipe:1", "-stats_period", "0.1",
                    "-rtsp_transport", "tcp", "-i", url, "-t", Integer.toString(seconds), "-pix_fmt", "bgr24", "-f", "null", "-")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            AtomicLong count = new AtomicLong();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.startsWith("frame=")) {
                            count.set(Long.parseLong(line.substring(6).trim()));
                        }
                    }
                } catch (Exception ignored) {
                    // ended
                }
            });
            reader.setDaemon(true);
            reader.start();
            processes.add(p);
            frames.add(count);
        }
        // CPU time as the processes report it, sampled until they exit; frames and CPU also at the settle
        // moment and at the last sample before the first process ends (ffmpeg's progress comes every 0.5 s)
        double[] cpu = new double[n];
        double[] settled = new double[3];
        Steady[] last = new Steady[1];
        Flux.interval(Duration.ofMillis(200)).takeUntil(t -> processes.stream().noneMatch(Process::isAlive))
                .doOnNext(t -> {
                    for (int i = 0; i < n; i++) {
                        int k = i;
                        processes.get(i).info().totalCpuDuration().ifPresent(d -> cpu[k] = d.toNanos() / 1e9);
                    }
                    double now = (System.nanoTime() - t0) / 1e9;
                    long framesNow = frames.stream().mapToLong(AtomicLong::get).sum();
                    double cpuNow = Arrays.stream(cpu).sum();
                    if (settled[2] == 0 && now >= SETTLE_SECONDS) {
                        settled[0] = framesNow;
                        settled[1] = cpuNow;
                        settled[2] = now;
                    } else if (settled[2] > 0 && processes.stream().allMatch(Process::isAlive)) {
                        last[0] = new Steady((long) settled[0], settled[1], framesNow, cpuNow, now - settled[2]);
                    }
                })
                .blockLast(Duration.ofSeconds(seconds + 60));
        steady.accept(last[0]);
        for (Process p : processes) {
            p.waitFor(30, TimeUnit.SECONDS);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        long total = frames.stream().mapToLong(AtomicLong::get).sum();
        double cpuTotal = 0;
        for (double c : cpu) {
            cpuTotal += c;
        }
        return new double[] {total / wall / n, 100 * cpuTotal / wall / n};
    }
}
