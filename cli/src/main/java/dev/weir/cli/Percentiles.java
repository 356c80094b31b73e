package dev.weir.cli;

import java.util.Arrays;

/**
 * Exact percentiles by nearest rank: the q-quantile of n values is the smallest value with at least
 * q·n of them at or below it, so it is always one of the values and 1.0 gives the largest. The
 * benchmarks report their latencies this way; the demo and {@code weir consume --latency}, which
 * may run for days, count theirs in {@link LatencyCounts}, with the same definition.
 */
public final class Percentiles {

    private Percentiles() {}

    /**
     * The {@code quantiles} (each in [0, 1]) of {@code values[from, to)}, in their order; zeros
     * when the range is empty. {@code values} is left as it is.
     */
    public static long[] of(long[] values, int from, int to, double... quantiles) {
        long[] result = new long[quantiles.length];
        if (from == to) {
            return result;
        }
        long[] sorted = Arrays.copyOfRange(values, from, to);
        Arrays.sort(sorted);
        for (int i = 0; i < quantiles.length; i++) {
            int rank = (int) Math.ceil(quantiles[i] * sorted.length) - 1;
            result[i] = sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
        }
        return result;
    }
}
