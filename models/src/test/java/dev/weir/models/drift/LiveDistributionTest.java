package dev.weir.models.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.models.ReferenceProfile.Categorical;
import dev.weir.models.ReferenceProfile.Distribution;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

    private static final double[] ONE_TO_THIRTEEN = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};

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
        assertThat(live.grid()).isEmpty(); // the reference has no sketch
        assertThat(live.gridCounts()).isEmpty();
    }

    /** What the drift monitor builds each window's accumulators from: one per reference. */
    @Test
    void anEmptyLikeAccumulatorIsAFreshOneForTheSameReference() {
        Distribution reference = Distribution.of("x", ONE_TO_THIRTEEN);
        double[] values = {0, 1, 1.2, 2, 13, 14, Double.NaN, 7};
        for (Distribution r : List.of(reference, THREE_BINS, FLAG)) {
            LiveDistribution used = accumulate(r, values, 0, values.length);
            LiveDistribution empty = used.emptyLike();
            assertThat(empty.toBytes()).isEqualTo(new LiveDistribution(r).toBytes());
            assertThat(empty.accumulates(r)).isTrue();

            for (double value : values) {
                empty.add(value);
            }
            assertThat(empty.toBytes()).isEqualTo(used.toBytes());
            empty.add(3);
            assertThat(used.toBytes())
                    .as("the first accumulator does not see the copy's values")
                    .isEqualTo(accumulate(r, values, 0, values.length).toBytes());
        }
    }

    @Test
    void countsEachValueInItsCellOfTheReferencesGrid() {
        // 13 training values (too many to compare value by value), each more than 1/200 of the
        // rows: the grid is the values themselves.
        Distribution reference = Distribution.of("x", ONE_TO_THIRTEEN);
        LiveDistribution live =
                accumulate(
                        reference,
                        new double[] {0, 1, 1.2, 2, 13, 14, Double.NaN, Double.POSITIVE_INFINITY},
                        0,
                        8);

        assertThat(live.grid()).isEqualTo(ONE_TO_THIRTEEN);
        // Cells: <= 1, (1, 2], ..., (12, 13], > 13.
        assertThat(live.gridCounts()).containsExactly(2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2);
        assertThat(new LiveDistribution(FLAG).grid()).as("categorical").isEmpty();
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
            assertThat(restored.grid()).isEqualTo(live.grid());
            assertThat(restored.gridCounts()).isEqualTo(live.gridCounts());
            assertThat(restored.accumulates(reference)).isTrue();
            // The grid dominates: 8 bytes a point; 5,000 values over its cells take a byte each.
            assertThat(bytes.length)
                    .as("compact")
                    .isLessThan(8 * live.grid().length + live.gridCounts().length + 300);
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
            assertThat(merged.gridCounts()).isEqualTo(whole.gridCounts());
            assertThat(merged.toBytes()).isEqualTo(whole.toBytes());
        }
    }

    /**
     * What a failure-free run and a replay must agree on: 10,000 values split into 7 partials of
     * uneven sizes, merged in two orders, pairwise as a tree, and through serialization round trips
     * at every step, give the same bytes and drift results that are equal, KS bit for bit.
     */
    @Test
    void theDriftResultDoesNotDependOnMergeOrderOrRestores() {
        Distribution reference =
                Distribution.of("x", Samples.values(Samples.normal(50, 10), 20_000, 21));
        double[] values = Samples.values(Samples.normal(52, 11), 10_000, 22);
        for (int i = 0; i < values.length; i += 101) {
            values[i] = Double.NaN;
        }
        int[] cuts = {0, 1, 1_700, 1_701, 4_000, 6_500, 9_999, values.length};
        List<LiveDistribution> partials = new ArrayList<>();
        for (int p = 0; p + 1 < cuts.length; p++) {
            partials.add(accumulate(reference, values, cuts[p], cuts[p + 1]));
        }

        LiveDistribution forward = new LiveDistribution(reference);
        partials.forEach(forward::merge);
        LiveDistribution backward = new LiveDistribution(reference);
        for (int p = partials.size() - 1; p >= 0; p--) {
            backward.merge(partials.get(p));
        }
        // Restored between every step, in a shuffled order, as a replay after failures would.
        List<LiveDistribution> shuffled = new ArrayList<>(partials);
        Collections.shuffle(shuffled, new Random(23));
        LiveDistribution restored = LiveDistribution.fromBytes(shuffled.get(0).toBytes());
        for (LiveDistribution partial : shuffled.subList(1, shuffled.size())) {
            restored =
                    LiveDistribution.fromBytes(
                            restored.merge(LiveDistribution.fromBytes(partial.toBytes()))
                                    .toBytes());
        }
        // Pairwise, as a tree of combiners: ((0 + 6) + (3 + 1)) + ((5 + 2) + 4).
        LiveDistribution tree =
                copy(partials.get(0))
                        .merge(partials.get(6))
                        .merge(copy(partials.get(3)).merge(partials.get(1)))
                        .merge(copy(partials.get(5)).merge(partials.get(2)).merge(partials.get(4)));
        LiveDistribution whole = accumulate(reference, values, 0, values.length);

        DriftResult expected =
                DriftStatistics.compare(reference, 20_000, whole, DriftThresholds.DEFAULTS);
        assertThat(expected.ks()).isGreaterThan(0.05);
        for (LiveDistribution merged : List.of(forward, backward, restored, tree)) {
            DriftResult result =
                    DriftStatistics.compare(reference, 20_000, merged, DriftThresholds.DEFAULTS);

            assertThat(merged.toBytes()).isEqualTo(whole.toBytes());
            assertThat(result).isEqualTo(expected);
            assertThat(Double.doubleToRawLongBits(result.ks()))
                    .isEqualTo(Double.doubleToRawLongBits(expected.ks()));
        }
    }

    private static LiveDistribution copy(LiveDistribution live) {
        return LiveDistribution.fromBytes(live.toBytes());
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
        newer[1] = 3;
        assertThatThrownBy(() -> LiveDistribution.fromBytes(newer))
                .hasMessageContaining(
                        "unsupported LiveDistribution format version 3; this build reads version"
                                + " 2");
        byte[] older = bytes.clone();
        older[1] = 1; // format 1 held a KLL sketch of the live values
        assertThatThrownBy(() -> LiveDistribution.fromBytes(older))
                .hasMessageContaining("unsupported LiveDistribution format version 1");
        assertThatThrownBy(() -> LiveDistribution.fromBytes(Arrays.copyOf(bytes, bytes.length - 3)))
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> LiveDistribution.fromBytes(Arrays.copyOf(bytes, bytes.length + 1)))
                .hasMessageContaining("1 trailing bytes");
        // The count is the long after tag, version, name ("amount": 2 + 6 bytes), edges (4 + 16),
        // the categorical flag and the empty grid (4).
        byte[] miscounted = bytes.clone();
        miscounted[2 + 8 + 20 + 1 + 4 + 7]++;
        assertThatThrownBy(() -> LiveDistribution.fromBytes(miscounted))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inconsistent: bin counts add up to 3, not 4");
    }

    @Test
    void rejectsAGridThatIsNotAscendingOrCountsThatDoNotAddUp() {
        Distribution reference = Distribution.of("x", ONE_TO_THIRTEEN);
        LiveDistribution live = accumulate(reference, new double[] {0, 2, 9}, 0, 3);
        byte[] bytes = live.toBytes();
        // The grid follows tag, version, name ("x": 2 + 1 bytes), edges and the categorical flag.
        int grid = 2 + 3 + 4 + 8 * reference.edges().length + 1;
        assertThat(ByteBuffer.wrap(bytes, grid, 4).getInt()).isEqualTo(13);
        assertThat(ByteBuffer.wrap(bytes, grid + 4 + 8, 8).getDouble()).isEqualTo(2.0);

        byte[] unsorted = bytes.clone();
        ByteBuffer.wrap(unsorted, grid + 4 + 8, 8).putDouble(0.5);
        assertThatThrownBy(() -> LiveDistribution.fromBytes(unsorted))
                .hasMessageContaining("inconsistent: grid not strictly ascending at point 1");
        byte[] nan = bytes.clone();
        ByteBuffer.wrap(nan, grid + 4, 8).putDouble(Double.NaN);
        assertThatThrownBy(() -> LiveDistribution.fromBytes(nan))
                .hasMessageContaining("grid not strictly ascending at point 0");
        // The grid counts are the last bytes, one per cell while a count is below 128.
        byte[] miscounted = bytes.clone();
        miscounted[bytes.length - 1]++;
        assertThatThrownBy(() -> LiveDistribution.fromBytes(miscounted))
                .hasMessageContaining("inconsistent: grid counts add up to 4, not 3");
        byte[] overlong = Arrays.copyOf(bytes, bytes.length + 1);
        overlong[bytes.length - 1] |= (byte) 0x80; // the same count with an empty extra group
        assertThatThrownBy(() -> LiveDistribution.fromBytes(overlong))
                .hasMessageContaining("overlong encoding");
    }

    @Test
    void refusesToMergeAccumulatorsOfReferencesWithAnotherGrid() {
        Distribution one = Distribution.of("x", ONE_TO_THIRTEEN);
        Distribution sketch = Distribution.of("x", Samples.values(Samples.normal(0, 1), 500, 1));
        Distribution other =
                new Distribution(
                        "x",
                        one.edges(),
                        one.shares(),
                        one.quantiles(),
                        one.mean(),
                        one.std(),
                        sketch.sketch(),
                        null);

        assertThatThrownBy(() -> new LiveDistribution(one).merge(new LiveDistribution(other)))
                .hasMessageContaining("different references")
                .hasMessageContaining("13 grid points from 1.0 to 13.0");
        assertThat(new LiveDistribution(one).accumulates(other)).isFalse();
        assertThatThrownBy(
                        () ->
                                DriftStatistics.compare(
                                        other,
                                        13,
                                        new LiveDistribution(one),
                                        DriftThresholds.DEFAULTS))
                .hasMessageContaining("not accumulated against the reference distribution x");
    }
}
