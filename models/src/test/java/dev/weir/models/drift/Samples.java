package dev.weir.models.drift;

import java.util.Random;

/** Seeded draws from the distributions the drift tests use. */
final class Samples {

    interface Draw {
        double next(Random random);
    }

    private Samples() {}

    static Draw normal(double mean, double std) {
        return random -> mean + std * random.nextGaussian();
    }

    static Draw lognormal(double scale) {
        return random -> scale * Math.exp(random.nextGaussian());
    }

    /** 1 with the given probability, else 0. */
    static Draw flag(double probability) {
        return random -> random.nextDouble() < probability ? 1 : 0;
    }

    static double[] values(Draw draw, int n, long seed) {
        Random random = new Random(seed);
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = draw.next(random);
        }
        return values;
    }

    /** Categories "c0", "c1", ... drawn with the given shares. */
    static String[] categories(double[] shares, int n, long seed) {
        Random random = new Random(seed);
        String[] values = new String[n];
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble();
            int c = 0;
            while (c < shares.length - 1 && u >= shares[c]) {
                u -= shares[c];
                c++;
            }
            values[i] = "c" + c;
        }
        return values;
    }

    /** Ten categories: the first with the given share, the other nine sharing the rest equally. */
    static double[] tenCategories(double firstShare) {
        double[] shares = new double[10];
        shares[0] = firstShare;
        for (int i = 1; i < shares.length; i++) {
            shares[i] = (1 - firstShare) / 9;
        }
        return shares;
    }
}
