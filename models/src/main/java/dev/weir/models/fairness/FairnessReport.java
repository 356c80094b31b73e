package dev.weir.models.fairness;

import java.util.List;

/**
 * Fairness of a model's decisions on one labelled data set, as stored in the {@code fairness}
 * section of the model's metadata.
 *
 * @param dataset which rows ("hold-out": the newest rows by event time, kept out of training)
 * @param rows rows evaluated
 * @param threshold the decision threshold: a score at or above it is a decline
 * @param minCount see {@link FairnessSettings#minCount()}
 * @param maxValues see {@link FairnessSettings#maxValues()}
 * @param minDisparateImpact see {@link FairnessSettings#minDisparateImpact()}
 * @param attributes one entry per segment attribute, in the order configured
 */
public record FairnessReport(
        String dataset,
        long rows,
        double threshold,
        int minCount,
        int maxValues,
        double minDisparateImpact,
        List<AttributeFairness> attributes) {

    public static final String HOLDOUT = "hold-out";

    public FairnessReport {
        attributes = List.copyOf(attributes);
    }
}
