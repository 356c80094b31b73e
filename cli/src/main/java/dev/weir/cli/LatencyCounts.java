package dev.weir.cli;

import java.util.Map;
import java.util.TreeMap;

/**
 * Latencies in whole milliseconds, counted per value, with the percentiles of {@link Percentiles}
 * (nearest rank, exact). Memory grows with the number of distinct values, not with the number of
 * latencies: a consumer that runs for days at thousands of records per second keeps one counter per
 * millisecond value seen (a few thousand), where a list of every latency would grow by 8 bytes a
 * record until the process runs out of heap. Not thread-safe.
 *
 * <p>Not HdrHistogram: its buckets keep a set number of significant digits (at most 5), so a
 * percentile of long latencies is a bucket's bound rather than a latency received, and the reports
 * here are compared, to the millisecond, with the benchmarks' exact ones.
 */
public final class LatencyCounts {

    private final TreeMap<Long, long[]> counts = new TreeMap<>();
    private long total;

    /** Counts one latency. */
    public void add(long millis) {
        counts.computeIfAbsent(millis, k -> new long[1])[0]++;
        total++;
    }

    /** How many latencies were counted. */
    public long count() {
        return total;
    }

    /** How many distinct values are kept. */
    public int distinctValues() {
        return counts.size();
    }

    /**
     * The {@code quantiles} (each in [0, 1]) by nearest rank, in their order: the smallest value
     * with at least q·n of the latencies at or below it. Zeros when none was counted.
     */
    public long[] percentiles(double... quantiles) {
        long[] result = new long[quantiles.length];
        if (total == 0) {
            return result;
        }
        for (int i = 0; i < quantiles.length; i++) {
            long rank = Math.max(1, Math.min(total, (long) Math.ceil(quantiles[i] * total)));
            long seen = 0;
            for (Map.Entry<Long, long[]> value : counts.entrySet()) {
                seen += value.getValue()[0];
                if (seen >= rank) {
                    result[i] = value.getKey();
                    break;
                }
            }
        }
        return result;
    }

    /** Forgets every latency counted. */
    public void clear() {
        counts.clear();
        total = 0;
    }
}
