package dev.weir.operators.monitoring;

import dev.weir.models.fairness.AttributeFairness;
import dev.weir.models.fairness.Fairness;
import dev.weir.models.fairness.FairnessSettings;
import dev.weir.models.fairness.GroupCounts;
import dev.weir.models.fairness.GroupFairness;
import dev.weir.models.fairness.SegmentCounts;
import dev.weir.schemas.LabelOutcome;
import dev.weir.schemas.LabelOutcomeType;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fairness of each model version's decisions per window (of the time the label arrived), from the
 * label join's matched outcomes: per value of each segment attribute, the counts, decline rate,
 * TPR, FPR, disparate-impact ratio and equal-opportunity difference, computed by {@link Fairness}
 * exactly as training computes the metadata's {@code fairness} section on the hold-out. One record
 * per attribute value, subject {@code attribute=value}; it alerts when the value's disparate-impact
 * ratio is below the minimum.
 */
public final class FairnessMonitor implements MonitorSpec<LabelOutcome, FairnessMonitor.Segments> {

    private static final long serialVersionUID = 1L;
    private static final byte FORMAT = 1;

    /**
     * Distinct values per attribute a window's aggregate counts by name; later new values share
     * {@code (other)}, which bounds the state whatever an attribute's cardinality.
     */
    static final int MAX_TRACKED = 1_000;

    private final FairnessSettings settings;

    public FairnessMonitor(FairnessSettings settings) {
        this.settings = settings;
    }

    @Override
    public MonitoringKind kind() {
        return MonitoringKind.FAIRNESS;
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
    public boolean accepts(LabelOutcome outcome) {
        return outcome.getOutcome() == LabelOutcomeType.MATCHED
                && outcome.getModelVersion() != null;
    }

    @Override
    public boolean countsLateInOpenWindow() {
        return true;
    }

    @Override
    public Segments create(String modelName, String modelVersion) {
        Segments s = new Segments();
        for (String attribute : settings.attributes()) {
            s.byAttribute.put(attribute, new SegmentCounts(attribute, MAX_TRACKED));
        }
        return s;
    }

    @Override
    public void add(Segments s, LabelOutcome outcome) {
        Map<String, String> values = outcome.getSegments();
        for (SegmentCounts counts : s.byAttribute.values()) {
            counts.add(
                    values == null ? null : values.get(counts.attribute()),
                    outcome.getIsFraud(),
                    outcome.getDeclined());
        }
    }

    @Override
    public Segments decode(byte[] bytes) {
        return Segments.fromBytes(bytes);
    }

    @Override
    public List<MonitoringRecord> report(WindowKey window, Segments merged) {
        Map<String, Double> thresholds = new LinkedHashMap<>();
        thresholds.put("min_count", (double) settings.minCount());
        thresholds.put("min_disparate_impact", settings.minDisparateImpact());
        List<MonitoringRecord> out = new ArrayList<>();
        for (SegmentCounts counts : merged.byAttribute.values()) {
            AttributeFairness attribute = Fairness.evaluate(counts, settings);
            for (GroupFairness g : attribute.groups()) {
                Map<String, Double> values = new LinkedHashMap<>();
                values.put("rows", (double) g.rows());
                values.put("positives", (double) g.positives());
                values.put("declines", (double) g.declines());
                values.put("declined_positives", (double) g.declinedPositives());
                values.put("decline_rate", orNaN(g.declineRate()));
                values.put("tpr", orNaN(g.tpr()));
                values.put("fpr", orNaN(g.fpr()));
                values.put("disparate_impact", orNaN(g.disparateImpact()));
                values.put("equal_opportunity_difference", orNaN(g.equalOpportunityDifference()));
                String references =
                        "references: approval "
                                + orNone(attribute.approvalReference())
                                + ", tpr "
                                + orNone(attribute.tprReference());
                out.add(
                        Records.record(
                                MonitoringKind.FAIRNESS,
                                attribute.attribute() + "=" + g.value(),
                                window,
                                g.flagged(),
                                values,
                                thresholds,
                                g.flagged()
                                        ? String.format(
                                                        java.util.Locale.ROOT,
                                                        "disparate impact %.3f < %.3f; ",
                                                        g.disparateImpact(),
                                                        settings.minDisparateImpact())
                                                + references
                                        : references));
            }
        }
        return out;
    }

    private static double orNaN(Double value) {
        return value == null ? Double.NaN : value;
    }

    private static String orNone(String value) {
        return value == null ? "none" : value;
    }

    /** Segment counts per attribute, in the configured order. */
    public static final class Segments implements WindowAggregate<Segments> {
        final Map<String, SegmentCounts> byAttribute = new LinkedHashMap<>();

        @Override
        public void merge(Segments other) {
            other.byAttribute.forEach(
                    (attribute, counts) ->
                            byAttribute
                                    .computeIfAbsent(
                                            attribute,
                                            a -> new SegmentCounts(a, counts.maxTracked()))
                                    .merge(counts));
        }

        @Override
        public byte[] toBytes() {
            return AggregateBytes.write(
                    FORMAT,
                    out -> {
                        out.writeInt(byAttribute.size());
                        for (SegmentCounts counts : byAttribute.values()) {
                            out.writeUTF(counts.attribute());
                            out.writeInt(counts.maxTracked());
                            out.writeInt(counts.groups().size());
                            for (Map.Entry<String, GroupCounts> g : counts.groups().entrySet()) {
                                out.writeUTF(g.getKey());
                                out.writeLong(g.getValue().rows());
                                out.writeLong(g.getValue().positives());
                                out.writeLong(g.getValue().declines());
                                out.writeLong(g.getValue().declinedPositives());
                            }
                        }
                    });
        }

        static Segments fromBytes(byte[] bytes) {
            return AggregateBytes.read(
                    bytes,
                    FORMAT,
                    "fairness",
                    in -> {
                        Segments s = new Segments();
                        int attributes = in.readInt();
                        for (int a = 0; a < attributes; a++) {
                            SegmentCounts counts = new SegmentCounts(in.readUTF(), in.readInt());
                            int groups = in.readInt();
                            for (int g = 0; g < groups; g++) {
                                counts.add(
                                        in.readUTF(),
                                        new GroupCounts(
                                                in.readLong(),
                                                in.readLong(),
                                                in.readLong(),
                                                in.readLong()));
                            }
                            s.byAttribute.put(counts.attribute(), counts);
                        }
                        return s;
                    });
        }
    }
}
