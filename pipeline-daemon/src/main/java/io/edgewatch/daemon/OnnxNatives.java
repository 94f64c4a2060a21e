package io.edgewatch.daemon;

import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code onnxruntime.native_path}: ONNX Runtime's Java binding loads its libraries from that folder
 * (its {@code onnxruntime.native.path} property) instead of the CPU build inside the jar, for an ONNX
 * Runtime built on the box (a Jetson: CUDA and TensorRT). The binding reads it once, when it first
 * loads, so it is set before any camera's model is; a change takes effect at the next start.
 */
final class OnnxNatives {

    private static final Logger log = LoggerFactory.getLogger(OnnxNatives.class);
    static final String PROPERTY = "onnxruntime.native.path";

    private OnnxNatives() {
    }

    /** Points ONNX Runtime at {@code folder} (null: the jar's own libraries), unless the JVM was told otherwise. */
    static synchronized void use(Path folder) {
        String set = System.getProperty(PROPERTY);
        if (folder == null) {
            return;
        }
        if (set == null) {
            System.setProperty(PROPERTY, folder.toString());
            log.info("ONNX Runtime's libraries are loaded from {} (onnxruntime.native_path)", folder);
        } else if (!Path.of(set).toAbsolutePath().normalize().equals(folder)) {
            log.warn("onnxruntime.native_path {} is not used: ONNX Runtime's libraries come from {} (-D{} or an earlier"
                    + " configuration; a change takes effect at the next start)", folder, set, PROPERTY);
        }
    }
}
