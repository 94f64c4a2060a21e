package io.edgewatch.inference.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.InferenceException;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.ModelType;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * A camera's model on a Roboflow Inference Server. Each frame is encoded as JPEG on the encoder
 * scheduler (the pixels are retained only while encoding), sent base64 in a JSON body, and the
 * answer read into an {@link InferenceResult} whose id is the server's {@code inference_id}. The
 * frame's own request id is sent as {@code id}, so a server that honours it answers with ours.
 *
 * <p>Failures are per frame: the pipeline counts them by kind and logs them (not one line per
 * frame). From creation, a
 * start-up check asks {@code GET /info} and sends one small probe image for the model, and says
 * what is wrong until both succeed, retrying with back-off.
 */
final class ServerAdapter implements InferenceAdapter {

    private static final Logger log = LoggerFactory.getLogger(ServerAdapter.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final String SOURCE = "edgewatch";

    private final InferenceServerClient client;
    private final String cameraId;
    private final InferenceServerOptions options;
    private final Scheduler encoders;
    private final Disposable startupCheck;
    private volatile boolean closed;

    ServerAdapter(InferenceServerClient client, String cameraId, InferenceServerOptions options, Scheduler encoders) {
        this.client = client;
        this.cameraId = cameraId;
        this.options = options;
        this.encoders = encoders;
        this.startupCheck = startupCheck();
    }

    @Override
    public String modelId() {
        return options.modelId();
    }

    @Override
    public ModelType modelType() {
        return options.task();
    }

    @Override
    public Mono<InferenceResult> infer(VideoFrame frame) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            String requestId = UUID.randomUUID().toString();
            return Mono.fromCallable(() -> encode(frame)).subscribeOn(encoders)
                    .flatMap(jpeg -> send(jpeg, requestId))
                    .map(answer -> {
                        long end = System.nanoTime();
                        return new InferenceResult(answer.inferenceId() != null ? answer.inferenceId() : requestId,
                                frame.cameraId(), frame.sequence(), options.modelId(), options.task(), answer.predictions(),
                                frame.capturedNanos(), frame.capturedAt(), answer.serverTime(),
                                Duration.ofNanos(end - start), end);
                    });
        });
    }

    private Mono<ServerAnswer> send(byte[] jpeg, String requestId) {
        if (options.legacyRoute()) {
            String query = "?api_key=" + enc(options.apiKey().reveal()) + "&confidence=" + options.confidence()
                    + "&overlap=" + options.iouThreshold() + "&max_detections=" + options.maxDetections() + "&format=json";
            return client.post(options.path() + query, "application/x-www-form-urlencoded",
                            Base64.getEncoder().encode(jpeg), options.apiKey().reveal())
                    .map(bytes -> ServerAnswer.parse(bytes, options.task()));
        }
        return client.post(options.path(), "application/json", body(jpeg, requestId), options.apiKey().reveal())
                .map(bytes -> ServerAnswer.parse(bytes, options.task()));
    }

    private byte[] encode(VideoFrame frame) {
        if (closed) {
            throw new InferenceException(InferenceException.Kind.UNAVAILABLE, "adapter for " + options.modelId() + " is closed");
        }
        if (!frame.tryRetain()) {
            throw new InferenceException(InferenceException.Kind.INTERNAL, frame + " was released before inference");
        }
        try {
            return jpeg(frame.pixels(), options.jpegQuality());
        } finally {
            frame.release();
        }
    }

    static byte[] jpeg(Mat pixels, int quality) {
        try (BytePointer out = new BytePointer();
             IntPointer params = new IntPointer(opencv_imgcodecs.IMWRITE_JPEG_QUALITY, quality)) {
            if (!opencv_imgcodecs.imencode(".jpg", pixels, out, params)) {
                throw new InferenceException(InferenceException.Kind.INTERNAL, "OpenCV could not encode the frame as JPEG");
            }
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }

    /** The v1 request body, written straight from the JPEG bytes (Jackson's base64 has no line feeds). */
    byte[] body(byte[] jpeg, String requestId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(jpeg.length * 4 / 3 + 512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model_id", options.modelId());
            if (!options.apiKey().isEmpty()) {
                g.writeStringField("api_key", options.apiKey().reveal());
            }
            g.writeObjectFieldStart("image");
            g.writeStringField("type", "base64");
            g.writeFieldName("value");
            g.writeBinary(jpeg);
            g.writeEndObject();
            g.writeNumberField("confidence", options.confidence());
            if (options.task() != ModelType.CLASSIFICATION) {
                g.writeNumberField("iou_threshold", options.iouThreshold());
                g.writeNumberField("max_detections", options.maxDetections());
                if (!options.classFilter().isEmpty()) {
                    g.writeArrayFieldStart("class_filter");
                    for (String c : options.classFilter()) {
                        g.writeString(c);
                    }
                    g.writeEndArray();
                }
            }
            g.writeStringField("id", requestId);
            g.writeStringField("source", SOURCE);
            g.writeStringField("source_info", cameraId);
            g.writeBooleanField("disable_model_monitoring", options.disableModelMonitoring());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private Disposable startupCheck() {
        byte[] probe;
        try (Mat black = new Mat(64, 64, opencv_core.CV_8UC3, new Scalar(0, 0, 0, 0))) {
            probe = jpeg(black, options.jpegQuality());
        }
        return client.info()
                .flatMap(info -> send(probe, "edgewatch-startup-check").thenReturn(info))
                .doOnNext(info -> log.info("camera {}: {} {} at {} serves model {} ({})", cameraId, info.name(),
                        info.version(), client.url(), options.modelId(), options.task().wireName()))
                .doOnError(e -> log.warn("camera {}: start-up check of model {} at {} failed, retrying: {}", cameraId,
                        options.modelId(), client.url(), e.getMessage()))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(30)))
                .subscribe(ok -> { }, e -> { });
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        closed = true;
        startupCheck.dispose();
    }
}
