package dev.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyCountsTest {

    private static final double[] QUANTILES = {0.0, 0.001, 0.25, 0.50, 0.90, 0.99, 0.999, 1.0};

    @Test
    void givesThePercentilesOfEveryValueKeptAsTheyAre() {
        // Skewed latencies with repeats, a few negative (a clock ahead) and a long tail; the
        // reference sorts every value.
        Random random = new Random(42);
        for (int n : new int[] {1, 2, 7, 1_000, 100_003}) {
            long[] values = new long[n];
            LatencyCounts counts = new LatencyCounts();
            for (int i = 0; i < n; i++) {
                double u = random.nextDouble();
                values[i] = (long) (-20 + 50 * Math.exp(8 * u * u)) + random.nextInt(3);
                counts.add(values[i]);
            }
            assertThat(counts.count()).isEqualTo(n);
            assertThat(counts.percentiles(QUANTILES))
                    .as("%d values", n)
                    .containsExactly(Percentiles.of(values, 0, n, QUANTILES));
        }
    }

    @Test
    void keepsOneCounterPerDistinctValueAndForgetsOnClear() {
        LatencyCounts counts = new LatencyCounts();
        for (int i = 0; i < 1_000_000; i++) {
            counts.add(100 + i % 250);
        }
        assertThat(counts.distinctValues()).isEqualTo(250);
        assertThat(counts.percentiles(0.5, 1.0)).containsExactly(224, 349);

        counts.clear();
        assertThat(counts.count()).isZero();
        assertThat(counts.distinctValues()).isZero();
        assertThat(counts.percentiles(0.5, 0.99)).containsExactly(0, 0);
    }
}
