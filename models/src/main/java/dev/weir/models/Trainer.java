package dev.weir.models;

import dev.weir.models.fairness.Fairness;
import dev.weir.models.fairness.FairnessReport;
import dev.weir.models.fairness.FairnessSettings;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the fraud network: a small dense network with a two-class softmax output, the rare fraud
 * class up-weighted in the loss, evaluated on the newest rows by event time.
 */
public final class Trainer {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    /** Upper bound of the fraud class weight, so a tiny fraud count cannot dominate. */
    private static final double MAX_CLASS_WEIGHT = 50.0;

    private final TrainerConfig config;

    public Trainer(TrainerConfig config) {
        NativeBackend.start();
        this.config = config;
    }

    /**
     * @param features one row per event, columns in the order of {@code featureNames}
     * @param labels fraud or not, per row
     * @param eventTimes event time per row, for the time-based split
     */
    public ModelBundle train(
            String name,
            String version,
            List<String> featureNames,
            double[][] features,
            boolean[] labels,
            long[] eventTimes) {
        return train(name, version, featureNames, features, labels, eventTimes, Map.of(), null);
    }

    /**
     * Trains and, with {@code fairness}, evaluates the fairness of the model's decisions on the
     * hold-out rows per value of each segment attribute (the metadata's {@code fairness} section).
     *
     * @param segments per segment attribute, one value per row (null when missing), in the order of
     *     {@code features}
     * @param fairness what to evaluate; null for no fairness section
     * @throws IllegalArgumentException when a configured attribute has no values here
     */
    public ModelBundle train(
            String name,
            String version,
            List<String> featureNames,
            double[][] features,
            boolean[] labels,
            long[] eventTimes,
            Map<String, String[]> segments,
            FairnessSettings fairness) {
        int n = features.length;
        if (n != labels.length || n != eventTimes.length) {
            throw new IllegalArgumentException("features, labels and event times differ in length");
        }
        if (fairness != null) {
            for (String attribute : fairness.attributes()) {
                String[] values = segments.get(attribute);
                if (values == null || values.length != n) {
                    throw new IllegalArgumentException(
                            "segment attribute "
                                    + attribute
                                    + (values == null
                                            ? " has no values (known: " + segments.keySet() + ")"
                                            : " has "
                                                    + values.length
                                                    + " values for "
                                                    + n
                                                    + " rows"));
                }
            }
        }
        Integer[] byTime = new Integer[n];
        for (int i = 0; i < n; i++) {
            byTime[i] = i;
        }
        Arrays.sort(byTime, (a, b) -> Long.compare(eventTimes[a], eventTimes[b]));
        int trainRows = (int) Math.round(n * (1 - config.holdoutShare()));
        if (trainRows < 10 || n - trainRows < 10) {
            throw new IllegalArgumentException("too few rows to train and evaluate: " + n);
        }
        int[] trainIdx = new int[trainRows];
        int[] holdIdx = new int[n - trainRows];
        for (int i = 0; i < n; i++) {
            if (i < trainRows) {
                trainIdx[i] = byTime[i];
            } else {
                holdIdx[i - trainRows] = byTime[i];
            }
        }

        int width = featureNames.size();
        double[] means = new double[width];
        double[] stds = new double[width];
        for (int idx : trainIdx) {
            for (int f = 0; f < width; f++) {
                means[f] += features[idx][f];
            }
        }
        for (int f = 0; f < width; f++) {
            means[f] /= trainRows;
        }
        for (int idx : trainIdx) {
            for (int f = 0; f < width; f++) {
                double d = features[idx][f] - means[f];
                stds[f] += d * d;
            }
        }
        for (int f = 0; f < width; f++) {
            stds[f] = Math.sqrt(stds[f] / trainRows);
            if (!(stds[f] > 1e-9)) {
                stds[f] = 1.0;
            }
        }

        long positives = Arrays.stream(trainIdx).filter(i -> labels[i]).count();
        if (positives == 0) {
            throw new IllegalArgumentException("the training rows hold no fraud");
        }
        double fraudWeight =
                Math.min(MAX_CLASS_WEIGHT, (trainRows - positives) / (double) positives);

        MultiLayerNetwork network = buildNetwork(width, fraudWeight);
        int[] order = trainIdx.clone();
        java.util.Random random = new java.util.Random(config.seed());
        for (int epoch = 0; epoch < config.epochs(); epoch++) {
            shuffle(order, random);
            for (int start = 0; start < order.length; start += config.batchSize()) {
                int[] batch =
                        Arrays.copyOfRange(
                                order, start, Math.min(order.length, start + config.batchSize()));
                network.fit(matrix(features, batch, means, stds), oneHot(labels, batch));
            }
            LOG.info("epoch {} of {}: loss {}", epoch + 1, config.epochs(), network.score());
        }

        double[] trainScores = predict(network, features, trainIdx, means, stds);
        boolean[] trainLabels = pick(labels, trainIdx);
        double threshold = Evaluation.bestF1Threshold(trainScores, trainLabels);

        double[] holdScores = predict(network, features, holdIdx, means, stds);
        boolean[] holdLabels = pick(labels, holdIdx);
        double auc = Evaluation.aucRoc(holdScores, holdLabels);
        double[] pr = Evaluation.precisionRecall(holdScores, holdLabels, threshold);
        LOG.info(
                "hold-out of {} rows: AUC {} precision {} recall {} at threshold {}",
                holdIdx.length,
                auc,
                pr[0],
                pr[1],
                threshold);

        FairnessReport fairnessReport = null;
        if (fairness != null && !fairness.attributes().isEmpty()) {
            Map<String, String[]> heldOut = new java.util.LinkedHashMap<>();
            for (String attribute : fairness.attributes()) {
                String[] all = segments.get(attribute);
                String[] picked = new String[holdIdx.length];
                for (int i = 0; i < holdIdx.length; i++) {
                    picked[i] = all[holdIdx[i]];
                }
                heldOut.put(attribute, picked);
            }
            fairnessReport =
                    Fairness.report(
                            FairnessReport.HOLDOUT,
                            threshold,
                            fairness,
                            heldOut,
                            holdLabels,
                            holdScores);
        }

        ModelMetadata metadata =
                new ModelMetadata(
                        name,
                        version,
                        featureNames,
                        means,
                        stds,
                        threshold,
                        auc,
                        pr[0],
                        pr[1],
                        Evaluation.aucPr(holdScores, holdLabels),
                        Evaluation.brier(holdScores, holdLabels),
                        Evaluation.expectedCalibrationError(holdScores, holdLabels),
                        trainRows,
                        holdIdx.length,
                        Instant.now().toString(),
                        null,
                        fairnessReport,
                        ModelLineage.trainedBy(CodeVersion.current()));
        double[][] trainRowsRaw = new double[trainIdx.length][];
        for (int i = 0; i < trainIdx.length; i++) {
            trainRowsRaw[i] = features[trainIdx[i]];
        }
        return new ModelBundle(
                metadata,
                network,
                ReferenceProfile.compute(featureNames, trainRowsRaw, trainScores));
    }

    private MultiLayerNetwork buildNetwork(int inputs, double fraudWeight) {
        NeuralNetConfiguration.ListBuilder layers =
                new NeuralNetConfiguration.Builder()
                        .seed(config.seed())
                        .dataType(DataType.FLOAT)
                        .updater(new Adam(config.learningRate()))
                        .weightInit(WeightInit.XAVIER)
                        .list();
        int previous = inputs;
        for (int size : config.hiddenLayers()) {
            layers.layer(
                    new DenseLayer.Builder()
                            .nIn(previous)
                            .nOut(size)
                            .activation(Activation.RELU)
                            .build());
            previous = size;
        }
        INDArray classWeights = Nd4j.create(new double[] {1.0, fraudWeight});
        layers.layer(
                new OutputLayer.Builder(new LossMCXENT(classWeights))
                        .nIn(previous)
                        .nOut(2)
                        .activation(Activation.SOFTMAX)
                        .build());
        MultiLayerConfiguration conf = layers.build();
        MultiLayerNetwork network = new MultiLayerNetwork(conf);
        network.init();
        return network;
    }

    private static void shuffle(int[] values, java.util.Random random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    private static INDArray matrix(double[][] x, int[] idx, double[] means, double[] stds) {
        int width = means.length;
        float[] flat = new float[idx.length * width];
        for (int r = 0; r < idx.length; r++) {
            for (int f = 0; f < width; f++) {
                flat[r * width + f] = (float) ((x[idx[r]][f] - means[f]) / stds[f]);
            }
        }
        return Nd4j.create(flat, new long[] {idx.length, width}, DataType.FLOAT);
    }

    private static INDArray oneHot(boolean[] labels, int[] idx) {
        float[] flat = new float[idx.length * 2];
        for (int r = 0; r < idx.length; r++) {
            flat[r * 2 + (labels[idx[r]] ? 1 : 0)] = 1f;
        }
        return Nd4j.create(flat, new long[] {idx.length, 2}, DataType.FLOAT);
    }

    private static double[] predict(
            MultiLayerNetwork network, double[][] x, int[] idx, double[] means, double[] stds) {
        INDArray out = network.output(matrix(x, idx, means, stds), false);
        double[] scores = new double[idx.length];
        for (int r = 0; r < idx.length; r++) {
            scores[r] = out.getDouble(r, 1);
        }
        return scores;
    }

    private static boolean[] pick(boolean[] labels, int[] idx) {
        boolean[] picked = new boolean[idx.length];
        for (int i = 0; i < idx.length; i++) {
            picked[i] = labels[idx[i]];
        }
        return picked;
    }
}
