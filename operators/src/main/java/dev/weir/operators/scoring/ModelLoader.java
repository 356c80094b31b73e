package dev.weir.operators.scoring;

import dev.weir.models.BatchScorer;
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
 * directory outside a registry and is loaded as it is. Locations are read through Flink's file
 * systems, so a model on {@code s3://} comes through the TaskManager's S3 plugin.
 */
final class ModelLoader {

    private final List<String> featureNames;
    private final int batchCapacity;

    ModelLoader(List<String> featureNames, int batchCapacity) {
        this.featureNames = List.copyOf(featureNames);
        this.batchCapacity = batchCapacity;
    }

    /**
     * @throws RuntimeException with the reason when the model cannot be read, fails its checksum or
     *     expects other features
     */
    BatchScorer load(ModelPointer pointer) {
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
        return new BatchScorer(bundle, batchCapacity);
    }
}
