package dev.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PercentilesTest {

    @Test
    void theNearestRankIsTheSmallestValueWithAtLeastTheShareAtOrBelowIt() {
        // 1..1000 shuffled: the q-quantile by nearest rank is ceil(q * 1000).
        long[] values = new long[1000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i * 7919L) % 1000 + 1;
        }
        long[] copy = values.clone();
        assertThat(Percentiles.of(values, 0, 1000, 0.0, 0.001, 0.50, 0.99, 0.999, 1.0))
                .containsExactly(1, 1, 500, 990, 999, 1000);
        assertThat(values).as("left as it was").containsExactly(copy);
    }

    @Test
    void aRangeOnlyCountsItsOwnValuesAndAnEmptyOneGivesZeros() {
        long[] values = {9, 40, 10, 30, 20, -5};
        assertThat(Percentiles.of(values, 1, 5, 0.50, 0.99, 1.0)).containsExactly(20, 40, 40);
        assertThat(Percentiles.of(values, 5, 6, 0.50)).containsExactly(-5);
        assertThat(Percentiles.of(values, 3, 3, 0.50, 0.99)).containsExactly(0, 0);
    }
}
