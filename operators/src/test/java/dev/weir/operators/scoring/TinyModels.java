package dev.weir.operators.scoring;

import dev.weir.models.ModelBundle;
import dev.weir.models.Trainer;
import dev.weir.models.TrainerConfig;
import java.util.List;
import java.util.Random;

/** Small real networks for scoring tests: two inputs, the first one separating the classes. */
public final class TinyModels {

    private TinyModels() {}

    /** A network trained on 2,000 synthetic rows; the same seed gives the same bits. */
    public static ModelBundle train(long seed, String version, List<String> names) {
        Random random = new Random(seed);
        int n = 2_000;
        double[][] x = new double[n][];
        boolean[] y = new boolean[n];
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextDouble() < 0.1;
            x[i] = new double[] {(y[i] ? 2 : 0) + random.nextGaussian(), random.nextGaussian()};
            t[i] = i;
        }
        return new Trainer(new TrainerConfig(List.of(4), 1, 0.01, 128, 0.2, seed))
                .train("tiny", version, names, x, y, t);
    }
}
