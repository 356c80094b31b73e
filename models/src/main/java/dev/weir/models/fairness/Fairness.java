package dev.weir.models.fairness;

import dev.weir.models.ReferenceProfile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Fairness figures from segment counts, the one computation behind the {@code fairness} section of
 * a model's metadata (hold-out rows at training) and the pipeline's {@code FAIRNESS} monitoring
 * records (labelled scores per window). Definitions in models/README.md (Fairness).
 */
public final class Fairness {

    private static final String OTHER = ReferenceProfile.Categorical.OTHER;

    private Fairness() {}

    /**
     * The fairness of a model's decisions on labelled rows.
     *
     * @param valuesPerAttribute one value per row for every configured attribute (null when
     *     missing)
     * @param labels fraud or not, per row
     * @param scores the model's score per row; a score at or above {@code threshold} is a decline
     * @throws IllegalArgumentException when an attribute has no values or lengths differ
     */
    public static FairnessReport report(
            String dataset,
            double threshold,
            FairnessSettings settings,
            Map<String, String[]> valuesPerAttribute,
            boolean[] labels,
            double[] scores) {
        if (labels.length != scores.length) {
            throw new IllegalArgumentException("labels and scores differ in length");
        }
        List<AttributeFairness> attributes = new ArrayList<>();
        for (String attribute : settings.attributes()) {
            String[] values = valuesPerAttribute.get(attribute);
            if (values == null) {
                throw new IllegalArgumentException(
                        "unknown segment attribute '"
                                + attribute
                                + "' (known: "
                                + String.join(
                                        ", ", new java.util.TreeSet<>(valuesPerAttribute.keySet()))
                                + ")");
            }
            if (values.length != labels.length) {
                throw new IllegalArgumentException(
                        "segment attribute "
                                + attribute
                                + " has "
                                + values.length
                                + " values for "
                                + labels.length
                                + " rows");
            }
            SegmentCounts counts = new SegmentCounts(attribute, Integer.MAX_VALUE);
            for (int i = 0; i < values.length; i++) {
                counts.add(values[i], labels[i], scores[i] >= threshold);
            }
            attributes.add(evaluate(counts, settings));
        }
        return new FairnessReport(
                dataset,
                labels.length,
                threshold,
                settings.minCount(),
                settings.maxValues(),
                settings.minDisparateImpact(),
                attributes);
    }

    /**
     * The figures of one attribute's counts: the {@code maxValues} values with the most rows (ties
     * by value) are reported by name, the rest pooled with any {@code (other)} counts into {@code
     * (other)}, which is then a value like any other.
     */
    public static AttributeFairness evaluate(SegmentCounts counts, FairnessSettings settings) {
        List<Map.Entry<String, GroupCounts>> named = new ArrayList<>();
        GroupCounts pooled = new GroupCounts();
        long rows = 0;
        for (Map.Entry<String, GroupCounts> e : counts.groups().entrySet()) {
            rows += e.getValue().rows();
            if (e.getKey().equals(OTHER)) {
                pooled.merge(e.getValue());
            } else {
                named.add(e);
            }
        }
        named.sort(BY_ROWS);
        List<Map.Entry<String, GroupCounts>> groups = new ArrayList<>();
        for (int i = 0; i < named.size(); i++) {
            if (i < settings.maxValues()) {
                groups.add(named.get(i));
            } else {
                pooled.merge(named.get(i).getValue());
            }
        }
        if (pooled.rows() > 0) {
            groups.add(Map.entry(OTHER, pooled));
        }

        int min = settings.minCount();
        // First in list order wins a tie: more rows, then the smaller value.
        GroupCounts approvalRef = null;
        String approvalRefKey = null;
        GroupCounts tprRef = null;
        String tprRefKey = null;
        for (Map.Entry<String, GroupCounts> g : groups) {
            GroupCounts c = g.getValue();
            if (c.rows() >= min
                    && (approvalRef == null || approvalRate(c) > approvalRate(approvalRef))) {
                approvalRef = c;
                approvalRefKey = g.getKey();
            }
            if (c.positives() >= min && (tprRef == null || c.positives() > tprRef.positives())) {
                tprRef = c;
                tprRefKey = g.getKey();
            }
        }

        List<GroupFairness> out = new ArrayList<>();
        for (Map.Entry<String, GroupCounts> g : groups) {
            GroupCounts c = g.getValue();
            Double tpr = tpr(c);
            Double di = null;
            if (approvalRef != null
                    && c.rows() >= min
                    && approvalRef.rows() - approvalRef.declines() > 0) {
                // One division of exact integer products: the same bits wherever it is computed.
                di =
                        ((double) (c.rows() - c.declines()) * approvalRef.rows())
                                / ((double) c.rows()
                                        * (approvalRef.rows() - approvalRef.declines()));
            }
            Double eo = tprRef != null && c.positives() >= min ? tpr - tpr(tprRef) : null;
            long legit = c.rows() - c.positives();
            out.add(
                    new GroupFairness(
                            g.getKey(),
                            c.rows(),
                            c.positives(),
                            c.declines(),
                            c.declinedPositives(),
                            c.rows() == 0 ? null : (double) c.declines() / c.rows(),
                            tpr,
                            legit == 0
                                    ? null
                                    : (double) (c.declines() - c.declinedPositives()) / legit,
                            di,
                            eo,
                            di != null && di < settings.minDisparateImpact()));
        }
        return new AttributeFairness(counts.attribute(), rows, approvalRefKey, tprRefKey, out);
    }

    private static final Comparator<Map.Entry<String, GroupCounts>> BY_ROWS =
            Comparator.<Map.Entry<String, GroupCounts>>comparingLong(e -> -e.getValue().rows())
                    .thenComparing(Map.Entry::getKey);

    private static double approvalRate(GroupCounts c) {
        return (double) (c.rows() - c.declines()) / c.rows();
    }

    private static Double tpr(GroupCounts c) {
        return c.positives() == 0 ? null : (double) c.declinedPositives() / c.positives();
    }
}
