package dev.weir.models.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.weir.models.ReferenceProfile.Categorical;
import dev.weir.models.ReferenceProfile.Distribution;
import java.util.Arrays;
import java.util.Map;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.junit.jupiter.api.Test;

class LiveDistributionTest {

    /** Bins: below 0, [0, 1), 1 and above. */
    private static final Distribution THREE_BINS =
            new Distribution(
                    "amount",
                    new double[] {0, 1},
                    new double[] {0.3, 0.4, 0.3},
                    new double[9],
                    0.5,
                    1,
                    null,
                    null);

    private static final Distribution FLAG = Distribution.of("flag", new double[] {0, 1, 1, 0, 0});

    private static LiveDistribution accumulate(
            Distribution reference, double[] values, int from, int to) {
        LiveDistribution live = new LiveDistribution(reference);
        for (int i = from; i < to; i++) {
            live.add(values[i]);
        }
        return live;
    }

    @Test
    void countsValuesNullsAndBins() {
        LiveDistribution live =
                accumulate(
                        THREE_BINS,
                        new double[] {-1, 0, 0.5, 1, 2, Double.NaN, Double.POSITIVE_INFINITY},
                        0,
                        7);

        assertThat(live.name()).isEqualTo("amount");
        assertThat(live.count()).isEqualTo(7);
        assertThat(live.nulls()).isEqualTo(1);
        assertThat(live.binCounts()).containsExactly(1, 2, 3);
        assertThat(live.categoryCounts()).isNull();
        assertThat(live.sketch().getN()).isEqualTo(6);
    }

    @Test
    void countsEachReferenceValueAndPutsTheRestUnderOther() {
        LiveDistribution live =
                accumulate(FLAG, new double[] {0, 1, 1, 2, -0.0, Double.NaN, 0.5}, 0, 7);

        assertThat(live.categoryCounts())
                .containsExactly(
                        Map.entry("0.0", 2L),
                        Map.entry("1.0", 2L),
                        Map.entry(Categorical.OTHER, 2L));
        assertThat(live.nulls()).isEqualTo(1);
        assertThat(live.binCounts()).containsExactly(3, 3); // FLAG's single edge is 1
    }

    @Test
    void roundTripsThroughBytesExactly() {
        double[] values = Samples.values(Samples.normal(0.5, 1), 5_000, 11);
        values[17] = Double.NaN;
        for (Distribution reference :
                new Distribution[] {
                    THREE_BINS,
                    FLAG,
                    Distribution.of("x", Samples.values(Samples.normal(0, 1), 1_000, 1))
                }) {
            LiveDistribution live = accumulate(reference, values, 0, values.length);

            byte[] bytes = live.toBytes();
            LiveDistribution restored = LiveDistribution.fromBytes(bytes);

            assertThat(restored.toBytes()).isEqualTo(bytes);
            assertThat(restored.count()).isEqualTo(5_000);
            assertThat(restored.nulls()).isEqualTo(1);
            assertThat(restored.binCounts()).isEqualTo(live.binCounts());
            assertThat(restored.categoryCounts()).isEqualTo(live.categoryCounts());
            assertThat(restored.sketch().toByteArray()).isEqualTo(live.sketch().toByteArray());
            assertThat(restored.accumulates(reference)).isTrue();
            assertThat(bytes.length)
                    .as("compact: the sketch dominates")
                    .isLessThan(live.sketch().getSerializedSizeBytes() + 300);
        }
        LiveDistribution empty = new LiveDistribution(FLAG);
        assertThat(LiveDistribution.fromBytes(empty.toBytes()).toBytes())
                .isEqualTo(empty.toBytes());
    }

    @Test
    void mergingRestoredPartialsEqualsAccumulatingEverythingInOne() {
        double[] values = Samples.values(Samples.lognormal(1), 10_000, 5);
        for (int i = 0; i < values.length; i += 97) {
            values[i] = Double.NaN;
        }
        for (Distribution reference :
                new Distribution[] {
                    Distribution.of("x", Samples.values(Samples.lognormal(1), 2_000, 1)), FLAG
                }) {
            LiveDistribution whole = accumulate(reference, values, 0, values.length);
            LiveDistribution merged = new LiveDistribution(reference);
            int[] cuts = {0, 1, 2_500, 2_600, 7_000, values.length};
            for (int p = 0; p + 1 < cuts.length; p++) {
                merged.merge(
                        LiveDistribution.fromBytes(
                                accumulate(reference, values, cuts[p], cuts[p + 1]).toBytes()));
            }

            assertThat(merged.count()).isEqualTo(whole.count());
            assertThat(merged.nulls()).isEqualTo(whole.nulls()).isEqualTo(104);
            assertThat(merged.binCounts()).isEqualTo(whole.binCounts());
            assertThat(merged.categoryCounts()).isEqualTo(whole.categoryCounts());
            KllDoublesSketch a = merged.sketch();
            KllDoublesSketch b = whole.sketch();
            assertThat(a.getN()).isEqualTo(b.getN());
            assertThat(a.getMinItem()).isEqualTo(b.getMinItem());
            assertThat(a.getMaxItem()).isEqualTo(b.getMaxItem());
            // KLL compacts at random, so the two sketches agree within their rank error, not bit
            // for bit.
            double error = 2 * a.getNormalizedRankError(false);
            for (double q : new double[] {0.01, 0.1, 0.5, 0.9, 0.99}) {
                double x = b.getQuantile(q, QuantileSearchCriteria.INCLUSIVE);
                assertThat(a.getRank(x, QuantileSearchCriteria.INCLUSIVE))
                        .isCloseTo(q, within(error));
            }
        }
    }

    @Test
    void mergedSketchesAreIdenticalWhileTheyAreStillExact() {
        double[] values = Samples.values(Samples.normal(0, 1), 150, 9);
        LiveDistribution whole = accumulate(THREE_BINS, values, 0, values.length);
        LiveDistribution merged =
                accumulate(THREE_BINS, values, 0, 60)
                        .merge(
                                LiveDistribution.fromBytes(
                                        accumulate(THREE_BINS, values, 60, 150).toBytes()));

        assertThat(merged.sketch().getSortedView().getQuantiles())
                .isEqualTo(whole.sketch().getSortedView().getQuantiles());
        assertThat(Arrays.stream(merged.binCounts()).sum()).isEqualTo(150);
    }

    @Test
    void refusesToMergeAccumulatorsOfDifferentReferences() {
        LiveDistribution amount = new LiveDistribution(THREE_BINS);
        Distribution rebinned =
                new Distribution(
                        "amount",
                        new double[] {0, 2},
                        new double[] {0.3, 0.4, 0.3},
                        new double[9],
                        0,
                        1,
                        null,
                        null);

        assertThatThrownBy(() -> amount.merge(new LiveDistribution(rebinned)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("different references")
                .hasMessageContaining("[0.0, 1.0]")
                .hasMessageContaining("[0.0, 2.0]");
        assertThatThrownBy(() -> amount.merge(new LiveDistribution(FLAG)))
                .hasMessageContaining("different references");
    }

    @Test
    void matchesCategoriesByValueWhateverTheKeysText() {
        // Keys as another JDK or a hand edit may have written them still match by value.
        Distribution written =
                new Distribution(
                        "flag",
                        new double[] {1},
                        new double[] {0.5, 0.5},
                        new double[9],
                        0.5,
                        0.5,
                        null,
                        Map.of("1", 0.5, "0.0", 0.5));
        LiveDistribution live = new LiveDistribution(written);
        live.add(1.0);
        live.add(-0.0);
        live.add(3);

        assertThat(live.categoryCounts())
                .containsExactly(
                        Map.entry("0.0", 1L), Map.entry("1", 1L), Map.entry(Categorical.OTHER, 1L));
        assertThat(LiveDistribution.fromBytes(live.toBytes()).categoryCounts())
                .isEqualTo(live.categoryCounts());
        assertThat(live.accumulates(written)).isTrue();
    }

    @Test
    void rejectsCategoryKeysThatAreNotDistinctNumbers() {
        Distribution twice =
                new Distribution(
                        "flag",
                        new double[] {1},
                        new double[] {0.5, 0.5},
                        new double[9],
                        0.5,
                        0.5,
                        null,
                        Map.of("1", 0.5, "1.0", 0.5));
        Distribution text =
                new Distribution(
                        "flag",
                        new double[] {1},
                        new double[] {0.5, 0.5},
                        new double[9],
                        0.5,
                        0.5,
                        null,
                        Map.of("yes", 1.0));

        assertThatThrownBy(() -> new LiveDistribution(twice))
                .hasMessageContaining("of feature flag are the same value");
        assertThatThrownBy(() -> new LiveDistribution(text))
                .hasMessageContaining("category key 'yes' of feature flag is not a number");
    }

    @Test
    void rejectsForeignCorruptTruncatedAndNewerBytes() {
        LiveDistribution live = accumulate(THREE_BINS, new double[] {-1, 0.5, 2}, 0, 3);
        byte[] bytes = live.toBytes();

        assertThatThrownBy(() -> LiveDistribution.fromBytes(null))
                .hasMessageContaining("not a serialized LiveDistribution");
        assertThatThrownBy(
                        () ->
                                LiveDistribution.fromBytes(
                                        new LiveCategories(Categorical.of("c", new String[] {"a"}))
                                                .toBytes()))
                .hasMessageContaining(
                        "not a serialized LiveDistribution: type tag 67, expected 68");
        byte[] newer = bytes.clone();
        newer[1] = 2;
        assertThatThrownBy(() -> LiveDistribution.fromBytes(newer))
                .hasMessageContaining(
                        "unsupported LiveDistribution format version 2; this build reads version"
                                + " 1");
        assertThatThrownBy(() -> LiveDistribution.fromBytes(Arrays.copyOf(bytes, bytes.length - 3)))
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> LiveDistribution.fromBytes(Arrays.copyOf(bytes, bytes.length + 1)))
                .hasMessageContaining("1 trailing bytes");
        // The count is the long after tag, version, name ("amount": 2 + 6 bytes), edges (4 + 16)
        // and the categorical flag.
        byte[] miscounted = bytes.clone();
        miscounted[2 + 8 + 20 + 1 + 7]++;
        assertThatThrownBy(() -> LiveDistribution.fromBytes(miscounted))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inconsistent");
    }
}
