package io.edgewatch.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A stand-in for the Roboflow Inference Server on 127.0.0.1: real sockets, real HTTP, answers in
 * the reference's response shapes ({@code roboflow-api.md} §6). Every inference request is checked
 * the way the server would read it (JSON body with {@code model_id} and a base64 JPEG that decodes,
 * or the legacy route's raw base64 body) and recorded with the decoded image size; a request that
 * fails the checks gets a 422 and is counted in {@link #invalid}. What it answers is
 * {@link #answer programmable}: slow, failing, malformed.
 */
public final class InferenceServerStandIn implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One inference request as the server read it. */
    public record Request(String path, String query, JsonNode body, int imageWidth, int imageHeight) {
        public String field(String name) {
            JsonNode v = body == null ? null : body.get(name);
            return v == null || v.isNull() ? null : v.asText();
        }
    }

    /** An answer: status, body, delay before answering. */
    public record Answer(int status, String body, Duration delay) {
        public static Answer ok(JsonNode body) {
            return new Answer(200, body.toString(), Duration.ZERO);
        }

        public static Answer status(int status, String message) {
            return new Answer(status, "{\"message\":\"" + message + "\"}", Duration.ZERO);
        }

        public Answer after(Duration delay) {
            return new Answer(status, body, delay);
        }
    }

    public final List<Request> requests = new CopyOnWriteArrayList<>();
    public final List<String> invalid = new CopyOnWriteArrayList<>();
    /** Every {@code inference_id} answered with status 200. */
    public final List<String> returnedIds = new CopyOnWriteArrayList<>();
    public final AtomicInteger infoRequests = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile Function<Request, Answer> answer = r -> Answer.ok(detections(r, "person", 0.87));
    private final List<Channel> channels = new CopyOnWriteArrayList<>();
    private int port;
    private DisposableServer server;

    public InferenceServerStandIn() {
        start();
    }

    public void answer(Function<Request, Answer> answer) {
        this.answer = answer;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The most requests it was answering at once. */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** Inference requests, not counting the start-up probe. */
    public List<Request> frames() {
        return requests.stream().filter(r -> !"edgewatch-startup-check".equals(r.field("id"))).toList();
    }

    public synchronized void start() {
        server = HttpServer.create().host("127.0.0.1").port(port)
                .doOnChannelInit((observer, channel, remote) -> channels.add(channel))
                .handle((req, res) -> req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap(bytes -> {
                    String uri = req.uri();
                    String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
                    String query = uri.contains("?") ? uri.substring(uri.indexOf('?') + 1) : "";
                    Answer a;
                    if (req.method().name().equals("GET") && path.equals("/info")) {
                        infoRequests.incrementAndGet();
                        a = new Answer(200, "{\"name\":\"Roboflow Inference Server\",\"version\":\"0.51.0\",\"uuid\":\""
                                + UUID.randomUUID() + "\"}", Duration.ZERO);
                    } else if (req.method().name().equals("POST")) {
                        a = inference(path, query, req.requestHeaders().get("Content-Type"), bytes);
                    } else {
                        a = Answer.status(404, "Not Found");
                    }
                    int now = inFlight.incrementAndGet();
                    maxInFlight.accumulateAndGet(now, Math::max);
                    Answer chosen = a;
                    return Mono.delay(chosen.delay()).then(Mono.defer(() -> res.status(HttpResponseStatus.valueOf(chosen.status()))
                                    .header("Content-Type", "application/json")
                                    .sendString(Mono.just(chosen.body())).then()))
                            .doFinally(s -> inFlight.decrementAndGet());
                }))
                .bindNow(Duration.ofSeconds(10));
        port = server.port();
    }

    private Answer inference(String path, String query, String contentType, byte[] bytes) {
        boolean legacy = !path.startsWith("/infer/");
        JsonNode body = null;
        String base64;
        try {
            if (legacy) {
                if (contentType == null) {
                    return reject("the legacy route needs a Content-Type header");
                }
                base64 = new String(bytes, StandardCharsets.US_ASCII);
            } else {
                body = JSON.readTree(bytes);
                if (body == null || !body.path("model_id").isTextual()) {
                    return reject("model_id missing");
                }
                if (!"base64".equals(body.path("image").path("type").asText())) {
                    return reject("image.type is not base64");
                }
                base64 = body.path("image").path("value").asText();
            }
        } catch (Exception e) {
            return reject("body is not JSON: " + e.getMessage());
        }
        int[] size = decodeJpeg(base64);
        if (size == null) {
            return reject("image is not a base64 JPEG");
        }
        Request r = new Request(path, query, body, size[0], size[1]);
        requests.add(r);
        Answer a = answer.apply(r);
        if (a.status() == 200) {
            try {
                JsonNode n = JSON.readTree(a.body());
                if (n != null && n.has("inference_id")) {
                    returnedIds.add(n.get("inference_id").asText());
                }
            } catch (Exception malformedOnPurpose) {
                // the test asked for a malformed answer
            }
        }
        return a;
    }

    private Answer reject(String why) {
        invalid.add(why);
        return Answer.status(422, why);
    }

    private static int[] decodeJpeg(String base64) {
        byte[] jpeg;
        try {
            jpeg = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (jpeg.length < 3 || (jpeg[0] & 0xff) != 0xff || (jpeg[1] & 0xff) != 0xd8) {
            return null;
        }
        try (BytePointer p = new BytePointer(jpeg); Mat buf = new Mat(1, jpeg.length, org.bytedeco.opencv.global.opencv_core.CV_8UC1, p);
             Mat img = opencv_imgcodecs.imdecode(buf, opencv_imgcodecs.IMREAD_COLOR)) {
            return img.empty() ? null : new int[] {img.cols(), img.rows()};
        }
    }

    /** The answer's inference id: the request's {@code id} when it sent one, as the reference does, else a new UUID. */
    public static String inferenceId(Request r) {
        String id = r.field("id");
        return id != null ? id : UUID.randomUUID().toString();
    }

    /** An object-detection answer: one box of {@code cls} in the middle of the image, half its size. */
    public static ObjectNode detections(Request r, String cls, double confidence) {
        ObjectNode root = envelope(r);
        ArrayNode preds = root.putArray("predictions");
        ObjectNode p = preds.addObject();
        p.put("x", r.imageWidth() / 2.0).put("y", r.imageHeight() / 2.0)
                .put("width", r.imageWidth() / 2.0).put("height", r.imageHeight() / 2.0)
                .put("confidence", confidence).put("class", cls).put("class_id", 0)
                .put("detection_id", UUID.randomUUID().toString());
        return root;
    }

    /** The answer's common part: {@code inference_id}, {@code time}, {@code image}. */
    public static ObjectNode envelope(Request r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("inference_id", inferenceId(r)).put("time", 0.0231);
        root.putObject("image").put("width", r.imageWidth()).put("height", r.imageHeight());
        return root;
    }

    /** Parses a JSON text, for answers written out in tests. */
    public static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The query's parameters (values not decoded). */
    public static Map<String, String> params(String query) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : query.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                out.put(kv.substring(0, eq).toLowerCase(Locale.ROOT), kv.substring(eq + 1));
            }
        }
        return out;
    }

    /** Stops listening and closes every connection, kept-alive ones too, as a server that goes down does. */
    public synchronized void stop() {
        server.disposeNow(Duration.ofSeconds(10));
        channels.forEach(c -> c.close().syncUninterruptibly());
        channels.clear();
    }

    @Override
    public void close() {
        stop();
    }
}
