package dev.weir.models;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Scores up to {@code capacity} feature vectors in one forward pass. The normalised input matrix
 * is allocated once and reused: rows are written in place, and a partial batch runs on a view of
 * its first rows. Not thread-safe: one per subtask.
 *
 * <p>{@code scorer.set(row, vector); ... double[] scores = scorer.score(rows);}
 */
public final class BatchScorer {

    private final ModelMetadata metadata;
    private final MultiLayerNetwork network;
    private final INDArray input;
    private final double[] means;
    private final double[] stds;
    private final int capacity;
    private final double[] scores;

    public BatchScorer(ModelBundle bundle, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("batch capacity must be >= 1");
        }
        this.metadata = bundle.metadata();
        this.network = bundle.network();
        this.means = metadata.featureMeans();
        this.stds = metadata.featureStds();
        this.capacity = capacity;
        this.input = Nd4j.create(DataType.FLOAT, capacity, metadata.featureCount());
        this.scores = new double[capacity];
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    public int capacity() {
        return capacity;
    }

    /** Writes one event's vector, normalised, into row {@code row} of the batch. */
    public void set(int row, double[] features) {
        if (features.length != means.length) {
            throw new IllegalArgumentException("expected " + means.length + " features, got " + features.length);
        }
        for (int i = 0; i < features.length; i++) {
            input.putScalar(row, i, (features[i] - means[i]) / stds[i]);
        }
    }

    /** Writes feature {@code column} of row {@code row}, normalised. */
    public void set(int row, int column, double value) {
        input.putScalar(row, column, (value - means[column]) / stds[column]);
    }

    /**
     * Fraud probabilities of the first {@code rows} rows, in one forward pass. The returned array
     * is reused by the next call.
     */
    public double[] score(int rows) {
        if (rows < 1 || rows > capacity) {
            throw new IllegalArgumentException("rows must be in [1, " + capacity + "], got " + rows);
        }
        INDArray batch = rows == capacity ? input : input.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
        INDArray out = network.output(batch, false);
        for (int r = 0; r < rows; r++) {
            scores[r] = out.getDouble(r, 1);
        }
        return scores;
    }

    public boolean declines(double score) {
        return score >= metadata.threshold();
    }
}
