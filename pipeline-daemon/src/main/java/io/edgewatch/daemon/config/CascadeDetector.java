package io.edgewatch.daemon.config;

import java.nio.file.Path;
import java.time.Duration;

import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.inference.opencv.CascadeOptions;
import io.edgewatch.inference.opencv.OpenCvDetectors;

/** {@code type: cascade}: an OpenCV cascade shipped with OpenCV by name, or a path. */
public record CascadeDetector(String modelId, int maxInFlight, Duration timeout, CascadeOptions options) implements InferenceConfig {

    public static final String TYPE = "cascade";
    public static final String DEFAULT_CLASS = "object";
    public static final double DEFAULT_SCALE_FACTOR = 1.1;
    public static final int DEFAULT_MIN_NEIGHBORS = 3;
    public static final int DEFAULT_MIN_SIZE = 0;

    static CascadeDetector read(Section s, Common common) {
        String file = s.requiredString("cascade");
        String className = s.string("class", DEFAULT_CLASS);
        CascadeOptions options = new CascadeOptions(file, className, s.number("scale_factor", DEFAULT_SCALE_FACTOR, 1.001, 4),
                s.integer("min_neighbors", DEFAULT_MIN_NEIGHBORS, 0, 100), s.integer("min_size", DEFAULT_MIN_SIZE, 0, 10_000));
        String model = "opencv-cascade-" + (file == null ? "unknown" : Path.of(file).getFileName().toString().replaceFirst("\\.xml$", ""));
        return new CascadeDetector(common.modelId(model), common.maxInFlightByRule(), common.timeout(), options);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public InferenceAdapter create(String cameraId, DetectorContext context) {
        return OpenCvDetectors.cascade(modelId, options, context.workers());
    }
}
