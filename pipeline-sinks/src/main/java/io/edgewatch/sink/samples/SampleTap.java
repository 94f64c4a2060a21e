package io.edgewatch.sink.samples;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.pipeline.FrameTap;
import io.edgewatch.core.sample.Sampler;
import reactor.core.scheduler.Scheduler;

/**
 * A camera's samples, taken from its pipeline: each inferred frame is shown to the camera's
 * {@link Sampler}; one it chooses is retained (no copy) and handed to {@code encoder}, which
 * encodes it as a JPEG, releases the frame and gives the {@link Sample} to every sink in order. A
 * frame nobody chooses costs the sampler's pass over its predictions and nothing else. When the
 * encoder's queue is full the sample is dropped, counted, and its credits returned: the pipeline
 * never waits for an encode.
 */
public final class SampleTap implements FrameTap {

    private static final Logger log = LoggerFactory.getLogger(SampleTap.class);

    private final String cameraId;
    private final Sampler sampler;
    private final SampleImage image;
    private final Scheduler encoder;
    private final List<SampleSink> sinks;
    private final AtomicLong chosen = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    public SampleTap(String cameraId, Sampler sampler, SampleImage image, Scheduler encoder, List<SampleSink> sinks) {
        this.cameraId = cameraId;
        this.sampler = sampler;
        this.image = image;
        this.encoder = encoder;
        this.sinks = List.copyOf(sinks);
    }

    public Sampler sampler() {
        return sampler;
    }

    @Override
    public void inferred(VideoFrame frame, InferenceResult result) {
        Optional<Sampler.Choice> choice = sampler.choose(result);
        if (choice.isEmpty()) {
            return;
        }
        if (!frame.tryRetain()) {
            sampler.giveBack(choice.get());
            return;
        }
        try {
            encoder.schedule(() -> {
                try {
                    keep(frame, result, choice.get());
                } catch (RuntimeException e) {
                    sampler.giveBack(choice.get());
                    log.warn("camera {}: sample of frame {} not kept: {}", cameraId, frame.sequence(), e.getMessage());
                } finally {
                    frame.release();
                }
            });
        } catch (RejectedExecutionException e) {
            frame.release();
            sampler.giveBack(choice.get());
            if (Long.bitCount(dropped.incrementAndGet()) == 1) {
                log.warn("camera {}: sample of frame {} dropped, the encoder is behind ({} dropped so far)", cameraId,
                        frame.sequence(), dropped.get());
            }
        }
    }

    private void keep(VideoFrame frame, InferenceResult result, Sampler.Choice choice) {
        double scale = Math.min(1.0, Math.min((double) image.maxWidth() / frame.width(), (double) image.maxHeight() / frame.height()));
        int w = scale < 1 ? Math.max(1, (int) Math.round(frame.width() * scale)) : frame.width();
        int h = scale < 1 ? Math.max(1, (int) Math.round(frame.height() * scale)) : frame.height();
        byte[] jpeg = encode(frame.pixels(), w, h, image.quality());
        List<Prediction> scaled = new ArrayList<>(result.predictions().size());
        for (Prediction p : result.predictions()) {
            Box b = p.box();
            scaled.add(b == null || scale == 1 ? p
                    : new Prediction(p.className(), p.confidence(), new Box(b.x() * scale, b.y() * scale, b.width() * scale,
                    b.height() * scale)));
        }
        Sample sample = new Sample(Sample.id(result.capturedAt(), result.frameSequence()), cameraId, result.capturedAt(),
                choice.strategy().name(), choice.strategy().tags(), result.modelId(), result.inferenceId(), w, h, scaled);
        chosen.incrementAndGet();
        for (SampleSink sink : sinks) {
            try {
                sink.accept(sample, jpeg);
            } catch (RuntimeException e) {
                log.warn("camera {}: sample {} not taken by {}: {}", cameraId, sample.id(), sink.getClass().getSimpleName(),
                        e.getMessage());
            }
        }
    }

    /** {@code pixels} (BGR) as a JPEG of {@code width}x{@code height}. */
    static byte[] encode(Mat pixels, int width, int height, int quality) {
        Mat scaled = null;
        try (BytePointer out = new BytePointer();
             IntPointer params = new IntPointer(opencv_imgcodecs.IMWRITE_JPEG_QUALITY, quality)) {
            Mat src = pixels;
            if (width != pixels.cols() || height != pixels.rows()) {
                scaled = new Mat();
                try (Size size = new Size(width, height)) {
                    opencv_imgproc.resize(pixels, scaled, size, 0, 0, opencv_imgproc.INTER_AREA);
                }
                src = scaled;
            }
            if (!opencv_imgcodecs.imencode(".jpg", src, out, params)) {
                throw new IllegalStateException("the JPEG encoder refused a " + width + "x" + height + " frame");
            }
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        } finally {
            if (scaled != null) {
                scaled.close();
            }
        }
    }

    /** Samples chosen and encoded, and those dropped because the encoder was behind. */
    public long[] counts() {
        return new long[] {chosen.get(), dropped.get()};
    }
}
