package io.edgewatch.inference.onnx;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Turns a YOLO output tensor into candidate boxes in the model's input coordinates, then keeps
 * the best of each class with non-maximum suppression. Pure functions on a flat buffer, so they
 * are tested on known tensors.
 */
final class YoloDecoder {

    /** A box in model-input pixels: centre, size, confidence and class index. */
    record Candidate(float cx, float cy, float w, float h, float confidence, int classIndex) {

        float left() {
            return cx - w / 2;
        }

        float top() {
            return cy - h / 2;
        }

        float right() {
            return cx + w / 2;
        }

        float bottom() {
            return cy + h / 2;
        }

        float iou(Candidate o) {
            float iw = Math.min(right(), o.right()) - Math.max(left(), o.left());
            float ih = Math.min(bottom(), o.bottom()) - Math.max(top(), o.top());
            if (iw <= 0 || ih <= 0) {
                return 0;
            }
            float inter = iw * ih;
            return inter / (w * h + o.w * o.h - inter);
        }
    }

    private YoloDecoder() {
    }

    /**
     * YOLOv8/v11: {@code [1, 4+C, N]}; element {@code (row, i)} at {@code row * n + i}. A candidate's
     * confidence is its best class score.
     */
    static List<Candidate> yolov8(FloatBuffer out, int classes, int n, float minConfidence) {
        List<Candidate> found = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int best = -1;
            float bestScore = minConfidence;
            for (int c = 0; c < classes; c++) {
                float s = out.get((4 + c) * n + i);
                if (s >= bestScore && (best < 0 || s > bestScore)) {
                    best = c;
                    bestScore = s;
                }
            }
            if (best >= 0) {
                found.add(new Candidate(out.get(i), out.get(n + i), out.get(2 * n + i), out.get(3 * n + i), bestScore, best));
            }
        }
        return found;
    }

    /**
     * YOLOv5: {@code [1, N, 5+C]}; row {@code i} is {@code cx, cy, w, h, objectness, scores…}. A
     * candidate's confidence is objectness times its best class score.
     */
    static List<Candidate> yolov5(FloatBuffer out, int classes, int n, float minConfidence) {
        List<Candidate> found = new ArrayList<>();
        int stride = 5 + classes;
        for (int i = 0; i < n; i++) {
            int row = i * stride;
            float objectness = out.get(row + 4);
            if (objectness < minConfidence) {
                continue;
            }
            int best = -1;
            float bestScore = -1;
            for (int c = 0; c < classes; c++) {
                float s = out.get(row + 5 + c);
                if (s > bestScore) {
                    best = c;
                    bestScore = s;
                }
            }
            float confidence = objectness * bestScore;
            if (best >= 0 && confidence >= minConfidence) {
                found.add(new Candidate(out.get(row), out.get(row + 1), out.get(row + 2), out.get(row + 3), confidence, best));
            }
        }
        return found;
    }

    /**
     * Class-aware greedy NMS: most confident first (ties keep the earlier candidate); a box is
     * dropped when it overlaps a kept box of its class by more than {@code iouThreshold}.
     */
    static List<Candidate> nms(List<Candidate> candidates, float iouThreshold, int maxDetections) {
        List<Candidate> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparingDouble((Candidate c) -> c.confidence()).reversed()); // stable
        List<Candidate> kept = new ArrayList<>();
        for (Candidate c : sorted) {
            if (kept.size() == maxDetections) {
                break;
            }
            boolean suppressed = false;
            for (Candidate k : kept) {
                if (k.classIndex() == c.classIndex() && k.iou(c) > iouThreshold) {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed) {
                kept.add(c);
            }
        }
        return kept;
    }
}
