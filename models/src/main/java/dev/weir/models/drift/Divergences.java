package dev.weir.models.drift;

/**
 * Distances between two discrete distributions given as shares over the same cells (bins or
 * categories), reference first. Shares are expected to sum to 1 each.
 */
public final class Divergences {

    /**
     * The share an empty cell counts as in {@link #psi}: PSI takes the log of each share's ratio,
     * which an empty cell would make infinite. 1e-4 is below any share a window of up to 10,000
     * values can show, and caps one cell's contribution at about share * ln(share / 1e-4) (0.46 for
     * a 10% cell).
     */
    public static final double EPSILON = 1e-4;

    private static final double LN2 = Math.log(2);

    private Divergences() {}

    /**
     * Population stability index: sum over cells of (live - reference) * ln(live / reference),
     * shares below {@link #EPSILON} counting as EPSILON. 0 for equal shares; 0.1 is conventionally
     * a moderate shift, 0.25 a large one.
     */
    public static double psi(double[] reference, double[] live) {
        requireSameCells(reference, live);
        double psi = 0;
        for (int i = 0; i < reference.length; i++) {
            double r = Math.max(reference[i], EPSILON);
            double l = Math.max(live[i], EPSILON);
            psi += (l - r) * Math.log(l / r);
        }
        return psi;
    }

    /**
     * Jensen-Shannon distance, base 2: the square root of the mean Kullback-Leibler divergence of
     * each distribution from their average. Symmetric, finite for empty cells, 0 for equal shares
     * and 1 for disjoint ones.
     */
    public static double jensenShannon(double[] reference, double[] live) {
        requireSameCells(reference, live);
        double divergence = 0;
        for (int i = 0; i < reference.length; i++) {
            double mean = (reference[i] + live[i]) / 2;
            divergence += (plogp(reference[i], mean) + plogp(live[i], mean)) / 2;
        }
        // Rounding can leave a tiny negative or above-1 value; the distance is defined on [0, 1].
        return Math.sqrt(Math.min(1, Math.max(0, divergence / LN2)));
    }

    /**
     * Cramér's V of the two-row table (reference, live) with both rows weighted to the same size:
     * sqrt(sum((live - reference)^2 / (live + reference)) / 2). Weighting the rows alike makes it
     * an effect size that does not shrink when the reference has many more rows than a window, as
     * the plain V of the raw counts would. In [0, 1]: 0 for equal shares, 1 for disjoint ones;
     * equal to the textbook V when both samples have the same size.
     */
    public static double cramersV(double[] reference, double[] live) {
        requireSameCells(reference, live);
        double sum = 0;
        for (int i = 0; i < reference.length; i++) {
            double total = reference[i] + live[i];
            if (total > 0) {
                double difference = live[i] - reference[i];
                sum += difference * difference / total;
            }
        }
        return Math.sqrt(Math.min(1, sum / 2));
    }

    /** Counts as shares of their total; all zero when the total is. */
    public static double[] shares(long[] counts) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        double[] shares = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            shares[i] = total == 0 ? 0 : (double) counts[i] / total;
        }
        return shares;
    }

    private static double plogp(double p, double q) {
        return p == 0 ? 0 : p * Math.log(p / q);
    }

    private static void requireSameCells(double[] reference, double[] live) {
        if (reference.length != live.length) {
            throw new IllegalArgumentException(
                    "reference has " + reference.length + " cells, live " + live.length);
        }
    }
}
