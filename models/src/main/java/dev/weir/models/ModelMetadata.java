package dev.weir.models;

import dev.weir.models.fairness.FairnessReport;
import java.util.List;
import java.util.Objects;

/**
 * What a scorer needs to know about a model besides its weights: the order of the features it
 * expects, how to normalise them and where to cut the score into a decision.
 *
 * @param name model name, stable across versions
 * @param version version of this model under its name
 * @param featureNames the input vector's feature names, in order
 * @param featureMeans per-feature mean subtracted before scoring
 * @param featureStds per-feature standard deviation divided by before scoring (never 0)
 * @param threshold scores at or above it are declined
 * @param holdoutAuc AUC-ROC on the time-based hold-out
 * @param holdoutPrecision precision at the threshold on the hold-out
 * @param holdoutRecall recall at the threshold on the hold-out
 * @param holdoutAucPr area under the precision-recall curve (average precision) on the hold-out
 * @param holdoutBrier mean squared error of the probabilities on the hold-out (calibration)
 * @param holdoutEce expected calibration error over ten equal-width probability bins
 * @param trainingRows rows used for fitting
 * @param holdoutRows rows used for evaluation
 * @param createdAt ISO-8601 instant the model was trained
 * @param trainingSource where the training rows came from: the training-set table and the Iceberg
 *     snapshots it was built from, or the synthetic generator (null for models trained before this
 *     was recorded)
 * @param fairness decline rates, true and false positive rates, disparate-impact ratios and
 *     equal-opportunity differences per value of each segment attribute on the hold-out (null for
 *     models trained before this was recorded, or without segment attributes)
 * @param lineage code version, feature definitions, parent version and gates (null for models
 *     trained before this was recorded)
 */
public record ModelMetadata(
        String name,
        String version,
        List<String> featureNames,
        double[] featureMeans,
        double[] featureStds,
        double threshold,
        double holdoutAuc,
        double holdoutPrecision,
        double holdoutRecall,
        double holdoutAucPr,
        double holdoutBrier,
        double holdoutEce,
        long trainingRows,
        long holdoutRows,
        String createdAt,
        String trainingSource,
        FairnessReport fairness,
        ModelLineage lineage) {

    /** Metadata without a lineage section. */
    public ModelMetadata(
            String name,
            String version,
            List<String> featureNames,
            double[] featureMeans,
            double[] featureStds,
            double threshold,
            double holdoutAuc,
            double holdoutPrecision,
            double holdoutRecall,
            double holdoutAucPr,
            double holdoutBrier,
            double holdoutEce,
            long trainingRows,
            long holdoutRows,
            String createdAt,
            String trainingSource,
            FairnessReport fairness) {
        this(
                name,
                version,
                featureNames,
                featureMeans,
                featureStds,
                threshold,
                holdoutAuc,
                holdoutPrecision,
                holdoutRecall,
                holdoutAucPr,
                holdoutBrier,
                holdoutEce,
                trainingRows,
                holdoutRows,
                createdAt,
                trainingSource,
                fairness,
                null);
    }

    /** Metadata without a fairness or lineage section. */
    public ModelMetadata(
            String name,
            String version,
            List<String> featureNames,
            double[] featureMeans,
            double[] featureStds,
            double threshold,
            double holdoutAuc,
            double holdoutPrecision,
            double holdoutRecall,
            double holdoutAucPr,
            double holdoutBrier,
            double holdoutEce,
            long trainingRows,
            long holdoutRows,
            String createdAt,
            String trainingSource) {
        this(
                name,
                version,
                featureNames,
                featureMeans,
                featureStds,
                threshold,
                holdoutAuc,
                holdoutPrecision,
                holdoutRecall,
                holdoutAucPr,
                holdoutBrier,
                holdoutEce,
                trainingRows,
                holdoutRows,
                createdAt,
                trainingSource,
                null,
                null);
    }

    public ModelMetadata {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        featureNames = List.copyOf(featureNames);
        if (featureMeans.length != featureNames.size()
                || featureStds.length != featureNames.size()) {
            throw new IllegalArgumentException(
                    "normalisation has "
                            + featureMeans.length
                            + "/"
                            + featureStds.length
                            + " values for "
                            + featureNames.size()
                            + " features");
        }
        for (double std : featureStds) {
            if (!(std > 0)) {
                throw new IllegalArgumentException("feature standard deviations must be > 0");
            }
        }
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
        }
    }

    /** The same metadata with another training source. */
    public ModelMetadata withTrainingSource(String source) {
        return with(version, source, fairness, lineage);
    }

    /** The same metadata under another version. */
    public ModelMetadata withVersion(String other) {
        return with(other, trainingSource, fairness, lineage);
    }

    /** The same metadata with another fairness section. */
    public ModelMetadata withFairness(FairnessReport report) {
        return with(version, trainingSource, report, lineage);
    }

    /** The same metadata with another lineage section. */
    public ModelMetadata withLineage(ModelLineage other) {
        return with(version, trainingSource, fairness, other);
    }

    private ModelMetadata with(
            String v, String source, FairnessReport report, ModelLineage otherLineage) {
        return new ModelMetadata(
                name,
                v,
                featureNames,
                featureMeans,
                featureStds,
                threshold,
                holdoutAuc,
                holdoutPrecision,
                holdoutRecall,
                holdoutAucPr,
                holdoutBrier,
                holdoutEce,
                trainingRows,
                holdoutRows,
                createdAt,
                source,
                report,
                otherLineage);
    }

    public int featureCount() {
        return featureNames.size();
    }
}
