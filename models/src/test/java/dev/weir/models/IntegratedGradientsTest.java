package dev.weir.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Integrated gradients on real DL4J networks: exact on a linear network, equal to the limit of
 * Riemann sums and complete on trained ones, naming the features a synthetic fraud pattern lives
 * in, the same bits for a vector whatever batch it is in, without native memory.
 */
class IntegratedGradientsTest {

    private static final int CAPACITY = 16;

    /** Features 2 and 7 carry the fraud: both are high together only in fraud. */
    private static final int[] CARRIERS = {2, 7};

    private static final List<String> NAMES =
            List.of("f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9");

    private static ModelBundle fraudModel;

    @BeforeAll
    static void trainFraudModel() {
        // One native thread, as a scoring subtask: ND4J's spinning OpenMP team slows shared hosts.
        NativeThreads.limitCallingThread(1);
        Random random = new Random(11);
        int n = 8_000;
        double[][] x = new double[n][];
        boolean[] y = new boolean[n];
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextDouble() < 0.05;
            x[i] = fraudPatternRow(random, y[i]);
            t[i] = i;
        }
        fraudModel =
                new Trainer(new TrainerConfig(List.of(32, 16), 6, 0.01, 128, 0.2, 4L))
                        .train("pattern", "1", NAMES, x, y, t);
        assertThat(fraudModel.metadata().holdoutAuc()).isGreaterThan(0.95);
    }

    /**
     * A row of the synthetic pattern: ten features of different scales and offsets; fraud has
     * features 2 and 7 three standard deviations high together, while one legitimate row in ten has
     * one of them high alone, so neither carries fraud on its own.
     */
    private static double[] fraudPatternRow(Random random, boolean fraud) {
        double[] row = new double[NAMES.size()];
        for (int j = 0; j < row.length; j++) {
            row[j] = 5 * j + (1 + j) * random.nextGaussian();
        }
        double decoy = random.nextDouble();
        boolean high2 = fraud || decoy < 0.1;
        boolean high7 = fraud || (decoy >= 0.1 && decoy < 0.2);
        if (high2) {
            row[2] += 3 * 3;
        }
        if (high7) {
            row[7] += 3 * 8;
        }
        return row;
    }

    @Test
    void theAttributionsOfALinearNetworkAreItsExactContributions() {
        int width = 6;
        MultiLayerNetwork network =
                network(
                        width,
                        List.of(4),
                        Activation.IDENTITY,
                        Activation.IDENTITY,
                        LossFunctions.LossFunction.MSE,
                        2);
        double[] means = {10, -3, 0.5, 200, 0, 7};
        double[] stds = {2, 0.5, 1, 40, 3, 1.5};
        ModelBundle linear =
                new ModelBundle(
                        metadata(List.of("a", "b", "c", "d", "e", "f"), means, stds), network);
        // The network's score is u . w + c for the normalised vector u: w is the product of the
        // weights towards the fraud column.
        INDArray w = network.getLayer(0).getParam("W").mmul(network.getLayer(1).getParam("W"));
        Random random = new Random(2);
        try (BatchScorer scorer = new BatchScorer(linear, CAPACITY, true)) {
            double[][] vectors = new double[CAPACITY][width];
            for (double[] v : vectors) {
                for (int j = 0; j < width; j++) {
                    v[j] = means[j] + stds[j] * 3 * random.nextGaussian();
                }
            }
            for (int r = 0; r < CAPACITY; r++) {
                scorer.set(r, vectors[r]);
            }
            double[] scores = scorer.score(CAPACITY).clone();
            double[][] attributions = scorer.attributions(CAPACITY);
            for (int r = 0; r < CAPACITY; r++) {
                double total = 0;
                for (int j = 0; j < width; j++) {
                    double u = (float) ((vectors[r][j] - means[j]) / stds[j]);
                    double exact = u * w.getDouble(j, 1);
                    assertThat(attributions[r][j])
                            .as("row %d, feature %d", r, j)
                            .isCloseTo(exact, within(1e-6 * Math.max(1, Math.abs(exact))));
                    total += attributions[r][j];
                }
                assertThat(total)
                        .as("they add up to the score minus the baseline's")
                        .isCloseTo(scores[r] - scorer.baselineScore(), within(1e-5));
            }
        }
    }

    @Test
    void theExactAttributionsAreTheLimitOfRiemannSumsAndAddUpToTheScore() {
        // The trained ReLU network, a leaky ReLU network and one without hidden layers.
        MultiLayerNetwork leaky =
                network(
                        NAMES.size(),
                        List.of(24, 12, 6),
                        Activation.LEAKYRELU,
                        Activation.SOFTMAX,
                        LossFunctions.LossFunction.MCXENT,
                        2);
        MultiLayerNetwork logistic =
                network(
                        NAMES.size(),
                        List.of(),
                        Activation.IDENTITY,
                        Activation.SIGMOID,
                        LossFunctions.LossFunction.XENT,
                        2);
        double[][] vectors = heldOutRows(new Random(21), 40, 0.3);
        for (ModelBundle model :
                List.of(
                        fraudModel,
                        new ModelBundle(fraudModel.metadata(), leaky),
                        new ModelBundle(fraudModel.metadata(), logistic))) {
            IntegratedGradients exact = new IntegratedGradients(model.network());
            RiemannReference riemann = new RiemannReference(model.network());
            int regions = 0;
            try (BatchScorer scorer = new BatchScorer(model, 1, true)) {
                for (double[] vector : vectors) {
                    scorer.set(0, vector);
                    double score = scorer.score(1)[0];
                    double[] x = normalised(model, vector);
                    double[] attributions = new double[x.length];
                    double walked = exact.attribute(x, attributions);
                    regions += exact.regions();
                    assertThat(walked).isCloseTo(score, within(1e-5));
                    assertThat(Arrays.stream(attributions).sum())
                            .as("completeness")
                            .isCloseTo(score - exact.baselineScore(), within(1e-5));
                    assertThat(scorer.attributions(1)[0]).containsExactly(attributions);
                    double[] limit = riemann.attributions(x, 20_000);
                    for (int j = 0; j < x.length; j++) {
                        assertThat(attributions[j])
                                .as("feature %d of %s", j, Arrays.toString(vector))
                                .isCloseTo(limit[j], within(2e-4));
                    }
                }
            }
            // The paths do cross the networks' kinks; a network without hidden layers has none.
            if (model.network().getnLayers() > 1) {
                assertThat(regions).isGreaterThan(2 * vectors.length);
            } else {
                assertThat(regions).isEqualTo(vectors.length);
            }
        }
    }

    @Test
    void theTopReasonsOfTheSyntheticFraudPatternNameTheFeaturesThatCarryIt() {
        double[][] fraud = heldOutRows(new Random(31), 400, 1.0);
        int declined = 0;
        try (BatchScorer scorer = new BatchScorer(fraudModel, CAPACITY, true)) {
            for (int start = 0; start < fraud.length; start += CAPACITY) {
                int rows = Math.min(CAPACITY, fraud.length - start);
                for (int r = 0; r < rows; r++) {
                    scorer.set(r, fraud[start + r]);
                }
                double[] scores = scorer.score(rows).clone();
                double[][] attributions = scorer.attributions(rows);
                for (int r = 0; r < rows; r++) {
                    if (!scorer.declines(scores[r])) {
                        continue;
                    }
                    declined++;
                    // The default three reasons name both carriers, pushing the score up; a
                    // feature the network also leans on may come between them.
                    int[] top = TopReasons.of(attributions[r], 3);
                    String row = Arrays.toString(attributions[r]);
                    assertThat(top).as("top reasons of declined fraud %s", row).contains(CARRIERS);
                    for (int j : CARRIERS) {
                        assertThat(attributions[r][j]).as(row).isPositive();
                    }
                    // And they are the two largest reasons for fraud.
                    double[] upwards = attributions[r].clone();
                    for (int j = 0; j < upwards.length; j++) {
                        upwards[j] = Math.max(0, upwards[j]);
                    }
                    assertThat(Arrays.stream(TopReasons.of(upwards, 2)).sorted().toArray())
                            .as(row)
                            .containsExactly(CARRIERS);
                }
            }
        }
        assertThat(declined).as("fraud the model declines").isGreaterThan(300);
    }

    @Test
    void aVectorHasTheSameAttributionsInAnyBatch() {
        double[][] others = heldOutRows(new Random(41), 500, 0.5);
        double[] vector = heldOutRows(new Random(42), 1, 1.0)[0];
        Random random = new Random(43);
        try (BatchScorer scorer = new BatchScorer(fraudModel, CAPACITY, true)) {
            double[] first = null;
            for (int trial = 0; trial < 60; trial++) {
                int rows = 1 + random.nextInt(CAPACITY);
                int at = random.nextInt(rows);
                for (int r = 0; r < rows; r++) {
                    scorer.set(r, r == at ? vector : others[random.nextInt(others.length)]);
                }
                scorer.score(rows);
                double[] attributions = scorer.attributions(rows)[at].clone();
                if (first == null) {
                    first = attributions;
                }
                assertThat(attributions).as("batch of %d, row %d", rows, at).containsExactly(first);
            }
        }
    }

    @Test
    void attributingABatchCreatesNoNd4jBuffer() {
        double[][] vectors = heldOutRows(new Random(51), CAPACITY, 0.5);
        try (BatchScorer scorer = new BatchScorer(fraudModel, CAPACITY, true)) {
            for (int r = 0; r < CAPACITY; r++) {
                scorer.set(r, vectors[r]);
            }
            scorer.score(CAPACITY);
            long start = Nd4j.getDeallocatorService().nextValue();
            for (int round = 0; round < 20; round++) {
                scorer.attributions(CAPACITY);
            }
            // nextValue() itself takes one number.
            assertThat(Nd4j.getDeallocatorService().nextValue() - start - 1).isZero();
        }
    }

    @Test
    void aNetworkWithoutExactIntegratedGradientsIsRefusedOnlyWhenAttributionsAreAskedFor() {
        MultiLayerConfiguration conf =
                new NeuralNetConfiguration.Builder()
                        .dataType(DataType.FLOAT)
                        .list()
                        .layer(
                                new DenseLayer.Builder()
                                        .nIn(3)
                                        .nOut(4)
                                        .activation(Activation.RELU)
                                        .build())
                        .layer(new BatchNormalization.Builder().nOut(4).build())
                        .layer(
                                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                        .nIn(4)
                                        .nOut(2)
                                        .activation(Activation.SOFTMAX)
                                        .build())
                        .build();
        MultiLayerNetwork batchNorm = new MultiLayerNetwork(conf);
        batchNorm.init();
        ModelBundle bundle =
                new ModelBundle(
                        metadata(List.of("a", "b", "c"), new double[3], new double[] {1, 1, 1}),
                        batchNorm);
        assertThatThrownBy(() -> new BatchScorer(bundle, 4, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 1 is a BatchNormalization");
        try (BatchScorer plain = new BatchScorer(bundle, 4)) {
            plain.set(0, new double[] {1, 2, 3});
            assertThat(plain.score(1)[0]).isBetween(0.0, 1.0);
            assertThat(plain.attributes()).isFalse();
            assertThatThrownBy(() -> plain.attributions(1))
                    .isInstanceOf(IllegalStateException.class);
        }
        assertThat(
                        IntegratedGradients.unsupported(
                                network(
                                        3,
                                        List.of(4),
                                        Activation.TANH,
                                        Activation.SOFTMAX,
                                        LossFunctions.LossFunction.MCXENT,
                                        2)))
                .contains("is not piecewise linear");
        assertThat(
                        IntegratedGradients.unsupported(
                                network(
                                        3,
                                        List.of(4),
                                        Activation.RELU,
                                        Activation.SOFTMAX,
                                        LossFunctions.LossFunction.MCXENT,
                                        3)))
                .contains("not a two-class softmax");
        assertThat(IntegratedGradients.unsupported(fraudModel.network())).isNull();
    }

    /**
     * Integrated gradients by the midpoint rule, with a forward and backward pass of its own in
     * double precision over the network's weights: the definition the exact walk must agree with.
     */
    private static final class RiemannReference {
        private final double[][][] weights;
        private final double[][] biases;
        private final Activation[] activations;

        RiemannReference(MultiLayerNetwork network) {
            int layers = network.getnLayers();
            weights = new double[layers][][];
            biases = new double[layers][];
            activations = new Activation[layers];
            for (int l = 0; l < layers; l++) {
                weights[l] = network.getLayer(l).getParam("W").toDoubleMatrix();
                biases[l] = network.getLayer(l).getParam("b").toDoubleVector();
                String name =
                        ((org.deeplearning4j.nn.conf.layers.BaseLayer)
                                        network.getLayerWiseConfigurations().getConf(l).getLayer())
                                .getActivationFn()
                                .toString();
                activations[l] = activation(name);
            }
        }

        private static Activation activation(String name) {
            if (name.startsWith("relu")) {
                return Activation.RELU;
            }
            if (name.startsWith("leakyrelu")) {
                return Activation.LEAKYRELU;
            }
            if (name.startsWith("identity")) {
                return Activation.IDENTITY;
            }
            if (name.startsWith("softmax")) {
                return Activation.SOFTMAX;
            }
            if (name.startsWith("sigmoid")) {
                return Activation.SIGMOID;
            }
            throw new IllegalArgumentException(name);
        }

        double[] attributions(double[] x, int steps) {
            double[] sum = new double[x.length];
            double[] point = new double[x.length];
            for (int k = 0; k < steps; k++) {
                double alpha = (k + 0.5) / steps;
                for (int j = 0; j < x.length; j++) {
                    point[j] = alpha * x[j];
                }
                double[] gradient = gradient(point);
                for (int j = 0; j < x.length; j++) {
                    sum[j] += gradient[j];
                }
            }
            for (int j = 0; j < x.length; j++) {
                sum[j] *= x[j] / steps;
            }
            return sum;
        }

        /** The gradient of the fraud probability at a point, by backpropagation. */
        private double[] gradient(double[] input) {
            int layers = weights.length;
            double[][] z = new double[layers][];
            double[] h = input;
            for (int l = 0; l < layers; l++) {
                z[l] = biases[l].clone();
                for (int i = 0; i < h.length; i++) {
                    for (int j = 0; j < z[l].length; j++) {
                        z[l][j] += h[i] * weights[l][i][j];
                    }
                }
                if (l < layers - 1) {
                    h = new double[z[l].length];
                    for (int j = 0; j < h.length; j++) {
                        h[j] = z[l][j] * slope(activations[l], z[l][j]);
                    }
                }
            }
            double[] out = z[layers - 1];
            double[] delta = new double[out.length];
            if (activations[layers - 1] == Activation.SOFTMAX) {
                double p = 1 / (1 + Math.exp(out[0] - out[1]));
                delta[1] = p * (1 - p);
                delta[0] = -p * (1 - p);
            } else if (activations[layers - 1] == Activation.SIGMOID) {
                double p = 1 / (1 + Math.exp(-out[1]));
                delta[1] = p * (1 - p);
            } else {
                delta[1] = 1;
            }
            for (int l = layers - 1; l >= 0; l--) {
                double[] below = new double[weights[l].length];
                for (int i = 0; i < below.length; i++) {
                    for (int j = 0; j < delta.length; j++) {
                        below[i] += weights[l][i][j] * delta[j];
                    }
                }
                if (l > 0) {
                    for (int i = 0; i < below.length; i++) {
                        below[i] *= slope(activations[l - 1], z[l - 1][i]);
                    }
                }
                delta = below;
            }
            return delta;
        }

        private static double slope(Activation activation, double z) {
            return switch (activation) {
                case RELU -> z > 0 ? 1 : 0;
                case LEAKYRELU -> z > 0 ? 1 : 0.01;
                default -> 1;
            };
        }
    }

    private static double[] normalised(ModelBundle model, double[] vector) {
        double[] means = model.metadata().featureMeans();
        double[] stds = model.metadata().featureStds();
        double[] x = new double[vector.length];
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) ((vector[j] - means[j]) / stds[j]);
        }
        return x;
    }

    /** A dense network of the given shape with Xavier weights and biases of its own seed. */
    private static MultiLayerNetwork network(
            int inputs,
            List<Integer> hidden,
            Activation activation,
            Activation output,
            LossFunctions.LossFunction loss,
            int outputs) {
        NeuralNetConfiguration.ListBuilder layers =
                new NeuralNetConfiguration.Builder()
                        .seed(5)
                        .dataType(DataType.FLOAT)
                        .weightInit(WeightInit.XAVIER)
                        .list();
        int previous = inputs;
        for (int size : hidden) {
            layers.layer(
                    new DenseLayer.Builder()
                            .nIn(previous)
                            .nOut(size)
                            .activation(activation)
                            .build());
            previous = size;
        }
        layers.layer(
                new OutputLayer.Builder(loss)
                        .nIn(previous)
                        .nOut(outputs)
                        .activation(output)
                        .build());
        MultiLayerNetwork network = new MultiLayerNetwork(layers.build());
        network.init();
        // Biases away from zero, so that paths cross kinks that are not at the baseline.
        Random random = new Random(6);
        for (int l = 0; l < network.getnLayers(); l++) {
            INDArray b = network.getLayer(l).getParam("b");
            for (int j = 0; j < b.length(); j++) {
                b.putScalar(j, random.nextGaussian() * 0.5);
            }
        }
        return network;
    }

    /** Rows of the synthetic pattern, a share of them fraud. */
    private static double[][] heldOutRows(Random random, int n, double fraudShare) {
        double[][] rows = new double[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = fraudPatternRow(random, random.nextDouble() < fraudShare);
        }
        return rows;
    }

    private static ModelMetadata metadata(List<String> names, double[] means, double[] stds) {
        return new ModelMetadata(
                "test", "1", names, means, stds, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, "now", null);
    }
}
