package io.edgewatch.testkit.mot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * CLEAR MOT and identity metrics of a tracker's rows against ground truth, as TrackEval computes them for
 * MOTChallenge (and roboflow/trackers' port): a box matches at IoU ≥ 0.5; per frame, ground truth and tracker
 * boxes are assigned one to one, a pair that matched in the previous frame kept first; an id switch is a ground
 * truth object matched to another tracker id than it last was. {@code MOTA = 1 - (FN + FP + IDSW) / GT}. IDF1
 * assigns ground-truth ids to tracker ids once for the whole sequence, maximising the frames they match in
 * (IDTP): {@code IDF1 = 2 IDTP / (2 IDTP + IDFP + IDFN)}. Ground-truth rows that are not to be considered are
 * taken out first, with the tracker boxes that match them (TrackEval's preprocessing of MOT17).
 */
public final class MotMetrics {

    public static final double IOU = 0.5;

    private MotMetrics() {
    }

    /**
     * The figures.
     *
     * @param gt ground-truth boxes evaluated
     * @param tp matched boxes; {@code fp}, {@code fn} the others of each side
     */
    public record Result(long gt, long tp, long fp, long fn, long idSwitches, long idtp, long idfp, long idfn,
                         int gtIds, int trackerIds, List<IdSwitch> switches) {

        public Result {
            switches = List.copyOf(switches);
        }

        public double mota() {
            return gt == 0 ? 0 : 1.0 - (double) (fn + fp + idSwitches) / gt;
        }

        public double idf1() {
            double d = 2.0 * idtp + idfp + idfn;
            return d == 0 ? 0 : 2.0 * idtp / d;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "MOTA %.3f IDF1 %.3f IDSW %d (GT %d, TP %d, FP %d, FN %d; ids %d gt, %d tracker)",
                    mota(), idf1(), idSwitches, gt, tp, fp, fn, gtIds, trackerIds);
        }
    }

    /** Where a ground-truth object changed tracker id: in {@code frame}, from {@code fromId} to {@code toId}. */
    public record IdSwitch(int frame, long gtId, long fromId, long toId) {
    }

    public static Result evaluate(List<MotRow> truth, List<MotRow> tracker) {
        TreeMap<Integer, List<MotRow>> gtByFrame = byFrame(truth);
        TreeMap<Integer, List<MotRow>> trByFrame = byFrame(tracker);
        // preprocessing: drop tracker boxes matched to ground truth not considered, then that ground truth
        for (Map.Entry<Integer, List<MotRow>> e : gtByFrame.entrySet()) {
            List<MotRow> g = e.getValue();
            List<MotRow> t = trByFrame.getOrDefault(e.getKey(), List.of());
            if (g.stream().allMatch(MotRow::consider) || t.isEmpty()) {
                e.setValue(g.stream().filter(MotRow::consider).toList());
                continue;
            }
            int[] m = assign(g, t, null);
            List<MotRow> keep = new ArrayList<>();
            boolean[] drop = new boolean[t.size()];
            for (int i = 0; i < g.size(); i++) {
                if (!g.get(i).consider() && m[i] >= 0) {
                    drop[m[i]] = true;
                }
            }
            for (int j = 0; j < t.size(); j++) {
                if (!drop[j]) {
                    keep.add(t.get(j));
                }
            }
            trByFrame.put(e.getKey(), keep);
            e.setValue(g.stream().filter(MotRow::consider).toList());
        }
        long gtCount = 0;
        long trCount = 0;
        long tp = 0;
        long idsw = 0;
        List<IdSwitch> switches = new ArrayList<>();
        Map<Long, Long> lastMatch = new HashMap<>();
        Map<Long, Long> previousFrameMatch = new HashMap<>();
        // identity: frames each (gt id, tracker id) pair overlaps in
        Map<Long, Integer> gtIndex = new HashMap<>();
        Map<Long, Integer> trIndex = new HashMap<>();
        Map<Long, Long> pairFrames = new HashMap<>();
        Map<Long, Long> gtTotal = new HashMap<>();
        Map<Long, Long> trTotal = new HashMap<>();
        TreeSet<Integer> frames = new TreeSet<>(gtByFrame.keySet());
        frames.addAll(trByFrame.keySet());
        for (int frame : frames) {
            List<MotRow> g = gtByFrame.getOrDefault(frame, List.of());
            List<MotRow> t = trByFrame.getOrDefault(frame, List.of());
            gtCount += g.size();
            trCount += t.size();
            for (MotRow r : g) {
                gtIndex.computeIfAbsent(r.id(), k -> gtIndex.size());
                gtTotal.merge(r.id(), 1L, Long::sum);
            }
            for (MotRow r : t) {
                trIndex.computeIfAbsent(r.id(), k -> trIndex.size());
                trTotal.merge(r.id(), 1L, Long::sum);
            }
            for (MotRow a : g) {
                for (MotRow b : t) {
                    if (a.iou(b) >= IOU - 1e-9) {
                        pairFrames.merge(key(gtIndex.get(a.id()), trIndex.get(b.id())), 1L, Long::sum);
                    }
                }
            }
            int[] m = assign(g, t, previousFrameMatch);
            Map<Long, Long> now = new HashMap<>();
            for (int i = 0; i < g.size(); i++) {
                if (m[i] < 0) {
                    continue;
                }
                long gid = g.get(i).id();
                long tid = t.get(m[i]).id();
                tp++;
                Long last = lastMatch.get(gid);
                if (last != null && last != tid) {
                    idsw++;
                    switches.add(new IdSwitch(frame, gid, last, tid));
                }
                lastMatch.put(gid, tid);
                now.put(gid, tid);
            }
            previousFrameMatch = now;
        }
        // global identity assignment: maximise the frames matched
        int ng = gtIndex.size();
        int nt = trIndex.size();
        double[][] cost = new double[ng][nt];
        for (Map.Entry<Long, Long> e : pairFrames.entrySet()) {
            cost[(int) (e.getKey() >>> 32)][(int) (e.getKey() & 0xffffffffL)] = -e.getValue();
        }
        int[] idMatch = Hungarian.minimise(cost);
        long idtp = 0;
        for (int i = 0; i < ng; i++) {
            if (idMatch[i] >= 0) {
                idtp += (long) -cost[i][idMatch[i]];
            }
        }
        return new Result(gtCount, tp, trCount - tp, gtCount - tp, idsw, idtp, trCount - idtp, gtCount - idtp, ng, nt, switches);
    }

    private static long key(int g, int t) {
        return ((long) g << 32) | t;
    }

    /**
     * One frame's one-to-one matching at IoU ≥ 0.5, most overlap first; with {@code previous}, pairs that
     * matched in the previous frame come before any other (TrackEval's bonus).
     */
    private static int[] assign(List<MotRow> g, List<MotRow> t, Map<Long, Long> previous) {
        double[][] cost = new double[g.size()][t.size()];
        for (int i = 0; i < g.size(); i++) {
            for (int j = 0; j < t.size(); j++) {
                double iou = g.get(i).iou(t.get(j));
                if (iou >= IOU - 1e-9) {
                    Long p = previous == null ? null : previous.get(g.get(i).id());
                    cost[i][j] = -(iou + (p != null && p == t.get(j).id() ? 1000 : 0));
                }
            }
        }
        int[] m = t.isEmpty() ? new int[g.size()] : Hungarian.minimise(cost);
        for (int i = 0; i < g.size(); i++) {
            if (t.isEmpty() || m[i] >= 0 && cost[i][m[i]] == 0) {
                m[i] = -1;
            }
        }
        return m;
    }

    private static TreeMap<Integer, List<MotRow>> byFrame(List<MotRow> rows) {
        TreeMap<Integer, List<MotRow>> m = new TreeMap<>();
        for (MotRow r : rows) {
            m.computeIfAbsent(r.frame(), k -> new ArrayList<>()).add(r);
        }
        return m;
    }
}
