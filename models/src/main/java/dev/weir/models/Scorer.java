package dev.weir.models;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Scores feature vectors with one model. Not thread-safe: DL4J networks are not, so each subtask
 * owns one scorer. The input buffer is allocated once and reused for every event.
 */
public final class Scorer {

    private final ModelMetadata metadata;
    private final MultiLayerNetwork network;
    private final INDArray input;
    private final double[] means;
    private final double[] stds;

    public Scorer(ModelBundle bundle) {
        NativeBackend.start();
        this.metadata = bundle.metadata();
        this.network = bundle.network();
        this.means = metadata.featureMeans();
        this.stds = metadata.featureStds();
        this.input =
                Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, metadata.featureCount());
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    /** Fraud probability of one feature vector, in the order of the metadata's names. */
    public double score(double[] features) {
        if (features.length != means.length) {
            throw new IllegalArgumentException(
                    "expected " + means.length + " features, got " + features.length);
        }
        for (int i = 0; i < features.length; i++) {
            input.putScalar(0, i, (features[i] - means[i]) / stds[i]);
        }
        INDArray out = network.output(input, false);
        return out.getDouble(0, 1);
    }

    public boolean declines(double score) {
        return score >= metadata.threshold();
    }
}
