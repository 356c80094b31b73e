package dev.weir.models;

import java.util.List;
import java.util.Random;

/**
 * A small network trained for tests on six features: two hidden layers (16 and 8 units) and a
 * softmax output, as the reference network is built, one epoch on vectors where a fraud shifts the
 * first two features. Trains in about a second.
 */
record SmallModel(ModelBundle bundle, double[][] vectors) {

    static final List<String> NAMES = List.of("a", "b", "c", "d", "e", "f");

    /**
     * Trains on {@code rows} vectors drawn from {@code seed}; {@link #vectors()} are those rows.
     */
    static SmallModel train(String name, long seed, int rows) {
        Random random = new Random(seed);
        double[][] x = new double[rows][];
        boolean[] y = new boolean[rows];
        long[] t = new long[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = random.nextDouble() < 0.1;
            x[i] = new double[NAMES.size()];
            for (int j = 0; j < x[i].length; j++) {
                x[i][j] = (y[i] && j < 2 ? 1.5 : 0) + random.nextGaussian() * (j + 1) + 10 * j;
            }
            t[i] = i;
        }
        ModelBundle bundle =
                new Trainer(new TrainerConfig(List.of(16, 8), 1, 0.01, 128, 0.2, 9L))
                        .train(name, "1", NAMES, x, y, t);
        return new SmallModel(bundle, x);
    }
}
