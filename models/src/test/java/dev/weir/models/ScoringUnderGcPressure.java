package dev.weir.models;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Scores one batch again and again while two threads fill the heap with garbage, so that the
 * garbage collector runs many times during the forward passes' native calls: the process {@link
 * ScoringUnderGcPressureTest} starts with a tiny young generation. Exits 0 after printing the last
 * pass's scores, one per line; exits 1 when a pass scored differently from the first.
 *
 * <p>{@code java ... ScoringUnderGcPressure <model dir> <passes>}
 */
public final class ScoringUnderGcPressure {

    static final int ROWS = 64;

    /** Written by the garbage threads so their allocations are not optimised away. */
    private static volatile Object sink;

    private ScoringUnderGcPressure() {}

    /** The batch the child scores: the same in the test that checks its scores. */
    static double[][] batch(int features) {
        Random random = new Random(17);
        double[][] rows = new double[ROWS][features];
        for (double[] row : rows) {
            for (int j = 0; j < features; j++) {
                row[j] = 10 * j + random.nextGaussian() * (j + 1);
            }
        }
        return rows;
    }

    public static void main(String[] args) {
        Path modelDir = Path.of(args[0]);
        int passes = Integer.parseInt(args[1]);
        for (int i = 0; i < 2; i++) {
            Thread garbage =
                    new Thread(
                            () -> {
                                while (true) {
                                    sink = new byte[4096];
                                }
                            },
                            "garbage-" + i);
            garbage.setDaemon(true);
            garbage.start();
        }
        try (BatchScorer scorer = new BatchScorer(ModelBundle.load(modelDir), ROWS)) {
            double[][] rows = batch(scorer.metadata().featureCount());
            for (int r = 0; r < ROWS; r++) {
                scorer.set(r, rows[r]);
            }
            double[] first = Arrays.copyOf(scorer.score(ROWS), ROWS);
            double[] scores = first;
            for (int pass = 1; pass < passes; pass++) {
                scores = scorer.score(ROWS);
                if (!Arrays.equals(scores, first)) {
                    System.err.println("pass " + pass + " scored " + Arrays.toString(scores));
                    System.exit(1);
                }
            }
            for (double score : scores) {
                System.out.println(score);
            }
        }
    }
}
