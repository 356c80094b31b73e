package dev.weir.operators.scoring;

import dev.weir.models.BatchScorer;
import dev.weir.models.IntegratedGradients;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelMetadata;
import dev.weir.models.Storage;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import java.util.List;

/**
 * Turns a pointer into a scorer ready for the next batch, or refuses it: a registered version (a
 * pointer with a checksum) must match its checksum, and every model must expect exactly the
 * pipeline's feature names in the pipeline's order. A pointer without a checksum is a model
 * directory outside a registry and is loaded as it is. A champion's scorer also computes the
 * attributions of its reason codes, so a champion whose network they cannot be computed for is
 * refused while reason codes are on. Locations are read through Flink's file systems, so a model on
 * {@code s3://} comes through the TaskManager's S3 plugin.
 */
final class ModelLoader {

    private final List<String> featureNames;
    private final int batchCapacity;
    private final boolean explainChampion;

    /**
     * @param explainChampion whether a champion's scorer computes its reason codes' attributions
     */
    ModelLoader(List<String> featureNames, int batchCapacity, boolean explainChampion) {
        this.featureNames = List.copyOf(featureNames);
        this.batchCapacity = batchCapacity;
        this.explainChampion = explainChampion;
    }

    /**
     * @param champion whether the scorer must explain its scores (a challenger's are not)
     * @throws RuntimeException with the reason when the model cannot be read, fails its checksum,
     *     expects other features, or cannot explain its scores as a champion with reason codes
     */
    BatchScorer load(ModelPointer pointer, boolean champion) {
        ModelBundle bundle =
                pointer.checksum() == null
                        ? ModelBundle.load(Storage.path(pointer.location()))
                        : ModelRegistry.load(pointer);
        ModelMetadata metadata = bundle.metadata();
        if (!metadata.featureNames().equals(featureNames)) {
            throw new IllegalStateException(
                    "model "
                            + metadata.name()
                            + " v"
                            + metadata.version()
                            + " expects features "
                            + metadata.featureNames()
                            + " but the pipeline's feature set computes "
                            + featureNames);
        }
        boolean explain = champion && explainChampion;
        String unexplainable = explain ? IntegratedGradients.unsupported(bundle.network()) : null;
        if (unexplainable != null) {
            throw new IllegalStateException(
                    "model "
                            + metadata.name()
                            + " v"
                            + metadata.version()
                            + " cannot explain its scores ("
                            + unexplainable
                            + "); scoring.reasons.top: 0 serves it without reason codes");
        }
        return new BatchScorer(bundle, batchCapacity, explain);
    }
}
