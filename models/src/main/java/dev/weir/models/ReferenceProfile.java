package dev.weir.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the training data looked like, for drift monitoring to compare live traffic with: per
 * feature and for the score, fixed bins (edges at the training deciles, shares of training rows
 * per bin), quantiles, mean and standard deviation. Stored as {@code profile.json} beside the
 * model.
 *
 * @param features one profile per feature, in vector order
 * @param score the profile of the model's score on the training rows
 * @param rows training rows the profile was computed from
 */
public record ReferenceProfile(List<Distribution> features, Distribution score, long rows) {

    /** Quantile levels kept for every distribution. */
    public static final double[] LEVELS = {0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99};

    /**
     * @param name feature name (or "score")
     * @param edges inner bin edges (ascending, distinct): bin 0 is below edges[0], the last bin at
     *     or above the last edge
     * @param shares share of training rows per bin ({@code edges.length + 1} values, summing to 1)
     * @param quantiles values at {@link #LEVELS}
     */
    public record Distribution(String name, double[] edges, double[] shares, double[] quantiles, double mean, double std) {

        /** The bin a value falls in. */
        public int bin(double value) {
            int lo = 0;
            int hi = edges.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (value < edges[mid]) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo;
        }
    }

    public static ReferenceProfile compute(List<String> names, double[][] rows, double[] scores) {
        List<Distribution> features = new ArrayList<>();
        for (int f = 0; f < names.size(); f++) {
            double[] column = new double[rows.length];
            for (int r = 0; r < rows.length; r++) {
                column[r] = rows[r][f];
            }
            features.add(distribution(names.get(f), column));
        }
        return new ReferenceProfile(features, distribution("score", scores), rows.length);
    }

    static Distribution distribution(String name, double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double[] quantiles = new double[LEVELS.length];
        for (int i = 0; i < LEVELS.length; i++) {
            quantiles[i] = n == 0 ? Double.NaN : sorted[Math.min(n - 1, (int) Math.floor(LEVELS[i] * n))];
        }
        // Decile edges, duplicates removed: a feature with few distinct values gets fewer bins.
        double[] edges = java.util.stream.IntStream.rangeClosed(1, 9)
                .mapToDouble(d -> n == 0 ? 0 : sorted[Math.min(n - 1, d * n / 10)])
                .distinct()
                .filter(e -> n > 0 && e > sorted[0])
                .toArray();
        Distribution d = new Distribution(name, edges, new double[edges.length + 1], quantiles, 0, 0);
        double sum = 0;
        for (double v : values) {
            d.shares()[d.bin(v)]++;
            sum += v;
        }
        double mean = n == 0 ? Double.NaN : sum / n;
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        for (int b = 0; b < d.shares().length; b++) {
            d.shares()[b] = n == 0 ? 0 : d.shares()[b] / n;
        }
        return new Distribution(name, edges, d.shares(), quantiles, mean, n == 0 ? Double.NaN : Math.sqrt(squares / n));
    }
}
