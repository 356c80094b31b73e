package dev.weir.operators.monitoring;

import dev.weir.schemas.LabelOutcome;
import dev.weir.schemas.LabelOutcomeType;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Realised performance per window (of the time the label arrived) and model version, from the label
 * join's outcomes: confusion counts at the model's own decision, precision, recall, and an AUC
 * estimate from score histograms of the fraud and legitimate cases (100 bins on [0, 1], so the
 * estimate is within one bin's ties of the exact value). Scores whose label never came and labels
 * that found no score are counted too; the latter belong to no model and are reported as a {@code
 * LABELS} record.
 */
public final class PerformanceMonitor
        implements MonitorSpec<LabelOutcome, PerformanceMonitor.Confusion> {

    private static final long serialVersionUID = 1L;
    private static final byte FORMAT = 1;
    static final int BINS = 100;

    private final double minAuc;
    private final long minLabels;

    /**
     * @param minAuc an AUC estimate below it raises an alert
     * @param minLabels matched labels with both classes needed before the AUC can alert
     */
    public PerformanceMonitor(double minAuc, long minLabels) {
        this.minAuc = minAuc;
        this.minLabels = minLabels;
    }

    @Override
    public MonitoringKind kind() {
        return MonitoringKind.PERFORMANCE;
    }

    @Override
    public long timeOf(LabelOutcome outcome) {
        return outcome.getOutcomeTime();
    }

    @Override
    public String modelName(LabelOutcome outcome) {
        return outcome.getModelName();
    }

    @Override
    public String modelVersion(LabelOutcome outcome) {
        return outcome.getModelVersion();
    }

    @Override
    public boolean countsLateInOpenWindow() {
        return true;
    }

    @Override
    public Confusion create(String modelName, String modelVersion) {
        return new Confusion();
    }

    @Override
    public void add(Confusion c, LabelOutcome outcome) {
        LabelOutcomeType type = outcome.getOutcome();
        if (type == LabelOutcomeType.EXPIRED_SCORE) {
            c.expiredScores++;
        } else if (type == LabelOutcomeType.UNMATCHED_LABEL) {
            c.unmatchedLabels++;
        } else if (type == LabelOutcomeType.MATCHED) {
            int bin = Math.min(BINS - 1, Math.max(0, (int) (outcome.getScore() * BINS)));
            if (outcome.getIsFraud()) {
                c.positives[bin]++;
                if (outcome.getDeclined()) {
                    c.tp++;
                } else {
                    c.fn++;
                }
            } else {
                c.negatives[bin]++;
                if (outcome.getDeclined()) {
                    c.fp++;
                } else {
                    c.tn++;
                }
            }
        }
    }

    @Override
    public Confusion decode(byte[] bytes) {
        return Confusion.fromBytes(bytes);
    }

    @Override
    public List<MonitoringRecord> report(WindowKey window, Confusion c) {
        if (window.modelVersion() == null) {
            return List.of(
                    Records.record(
                            MonitoringKind.LABELS,
                            "labels",
                            window,
                            false,
                            Map.of(
                                    "unmatched_labels",
                                    (double) c.unmatchedLabels,
                                    "expired_scores",
                                    (double) c.expiredScores),
                            Map.of(),
                            "labels that found no score within the wait"));
        }
        long matched = c.tp + c.fp + c.fn + c.tn;
        double auc = c.auc();
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("matched", (double) matched);
        values.put("positives", (double) (c.tp + c.fn));
        values.put("tp", (double) c.tp);
        values.put("fp", (double) c.fp);
        values.put("fn", (double) c.fn);
        values.put("tn", (double) c.tn);
        values.put("precision", c.tp + c.fp == 0 ? Double.NaN : (double) c.tp / (c.tp + c.fp));
        values.put("recall", c.tp + c.fn == 0 ? Double.NaN : (double) c.tp / (c.tp + c.fn));
        values.put("auc", auc);
        values.put("expired_scores", (double) c.expiredScores);
        boolean alert = matched >= minLabels && !Double.isNaN(auc) && auc < minAuc;
        return List.of(
                Records.record(
                        MonitoringKind.PERFORMANCE,
                        window.modelName(),
                        window,
                        alert,
                        values,
                        Map.of("min_auc", minAuc, "min_labels", (double) minLabels),
                        alert
                                ? String.format(
                                        java.util.Locale.ROOT, "auc %.3f < %.3f", auc, minAuc)
                                : null));
    }

    /** Confusion counts at the decision and score histograms per class. */
    public static final class Confusion implements WindowAggregate<Confusion> {
        long tp;
        long fp;
        long fn;
        long tn;
        long expiredScores;
        long unmatchedLabels;
        final long[] positives = new long[BINS];
        final long[] negatives = new long[BINS];

        /**
         * P(score of a fraud case > score of a legitimate one), ties within a bin counting half.
         */
        double auc() {
            long p = 0;
            long n = 0;
            for (int b = 0; b < BINS; b++) {
                p += positives[b];
                n += negatives[b];
            }
            if (p == 0 || n == 0) {
                return Double.NaN;
            }
            double wins = 0;
            long negativesBelow = 0;
            for (int b = 0; b < BINS; b++) {
                wins += positives[b] * (negativesBelow + 0.5 * negatives[b]);
                negativesBelow += negatives[b];
            }
            return wins / ((double) p * n);
        }

        @Override
        public void merge(Confusion o) {
            tp += o.tp;
            fp += o.fp;
            fn += o.fn;
            tn += o.tn;
            expiredScores += o.expiredScores;
            unmatchedLabels += o.unmatchedLabels;
            for (int b = 0; b < BINS; b++) {
                positives[b] += o.positives[b];
                negatives[b] += o.negatives[b];
            }
        }

        @Override
        public byte[] toBytes() {
            return AggregateBytes.write(
                    FORMAT,
                    out -> {
                        for (long v : new long[] {tp, fp, fn, tn, expiredScores, unmatchedLabels}) {
                            out.writeLong(v);
                        }
                        for (int b = 0; b < BINS; b++) {
                            out.writeLong(positives[b]);
                            out.writeLong(negatives[b]);
                        }
                    });
        }

        static Confusion fromBytes(byte[] bytes) {
            return AggregateBytes.read(
                    bytes,
                    FORMAT,
                    "performance",
                    in -> {
                        Confusion c = new Confusion();
                        c.tp = in.readLong();
                        c.fp = in.readLong();
                        c.fn = in.readLong();
                        c.tn = in.readLong();
                        c.expiredScores = in.readLong();
                        c.unmatchedLabels = in.readLong();
                        for (int b = 0; b < BINS; b++) {
                            c.positives[b] = in.readLong();
                            c.negatives[b] = in.readLong();
                        }
                        return c;
                    });
        }
    }
}
