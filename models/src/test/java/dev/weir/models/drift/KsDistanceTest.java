package dev.weir.models.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.weir.models.ReferenceProfile;
import dev.weir.models.ReferenceProfile.Distribution;
import java.util.Arrays;
import java.util.Random;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.junit.jupiter.api.Test;

class KsDistanceTest {

    private static final int G = KsDistance.GRID_POINTS;

    private static KllDoublesSketch sketch(double... values) {
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(ReferenceProfile.SKETCH_K);
        for (double v : values) {
            sketch.update(v);
        }
        return sketch;
    }

    private static long[] cellCounts(double[] grid, double... live) {
        long[] counts = new long[grid.length + 1];
        for (double v : live) {
            counts[KsDistance.cell(grid, v)]++;
        }
        return counts;
    }

    /** The grid distance between a reference sketch and live values. */
    private static double onGrid(KllDoublesSketch reference, double... live) {
        double[] grid = KsDistance.grid(reference);
        return KsDistance.onGrid(reference, grid, cellCounts(grid, live));
    }

    /** The exact two-sample KS distance of two samples: a merge walk over both sorted arrays. */
    private static double exactTwoSample(double[] a, double[] b) {
        double[] x = a.clone();
        double[] y = b.clone();
        Arrays.sort(x);
        Arrays.sort(y);
        int i = 0;
        int j = 0;
        double distance = 0;
        while (i < x.length || j < y.length) {
            double v = j >= y.length || (i < x.length && x[i] <= y[j]) ? x[i] : y[j];
            while (i < x.length && x[i] <= v) {
                i++;
            }
            while (j < y.length && y[j] <= v) {
                j++;
            }
            distance = Math.max(distance, Math.abs((double) i / x.length - (double) j / y.length));
        }
        return distance;
    }

    /** sup |L(x) - R(x)| of live values against a sketch's CDF, over every value either holds. */
    private static double supremumAgainstSketch(KllDoublesSketch reference, double[] live) {
        double[] sorted = live.clone();
        Arrays.sort(sorted);
        double[] retained = reference.getSortedView().getQuantiles();
        double[] points = Arrays.copyOf(sorted, sorted.length + retained.length);
        System.arraycopy(retained, 0, points, sorted.length, retained.length);
        double distance = 0;
        for (double x : points) {
            int atOrBelow = 0;
            while (atOrBelow < sorted.length && sorted[atOrBelow] <= x) {
                atOrBelow++;
            }
            double r = reference.getRank(x, QuantileSearchCriteria.INCLUSIVE);
            distance = Math.max(distance, Math.abs((double) atOrBelow / sorted.length - r));
        }
        return distance;
    }

    @Test
    void handComputedExamples() {
        // {1,2,3,4} vs {3,4,5,6}: at x = 2, F1 = 0.5 and F2 = 0.
        assertThat(onGrid(sketch(1, 2, 3, 4), 3, 4, 5, 6)).isEqualTo(0.5);
        // Ties: {0,0,1,1} vs {0,1,1,1}: at x = 0, F1 = 0.5 and F2 = 0.25.
        assertThat(onGrid(sketch(0, 0, 1, 1), 0, 1, 1, 1)).isEqualTo(0.25);
        assertThat(onGrid(sketch(1, 2, 3), 10, 11, 12)).isEqualTo(1.0);
        // The exact distance is 1 (at x = 3), but the grid first sees the live values at 10, where
        // the reference already holds its lowest value's weight: one cell's weight is what the grid
        // can miss, 1/3 on this tiny reference.
        assertThat(onGrid(sketch(10, 11, 12), 1, 2, 3)).isCloseTo(2.0 / 3, within(1e-15));
        assertThat(onGrid(sketch(1, 2, 3), 3, 2, 1)).isZero();
    }

    @Test
    void theGridIsTheReferencesQuantilesAtCellMidpointsWithoutRepeats() {
        KllDoublesSketch normal = sketch(Samples.values(Samples.normal(0, 1), 20_000, 1));
        double[] grid = KsDistance.grid(normal);

        assertThat(grid).hasSize(G); // a continuous reference: every level has its own point
        for (int i = 0; i < G; i++) {
            assertThat(grid[i])
                    .isEqualTo(normal.getQuantile((i + 0.5) / G, QuantileSearchCriteria.INCLUSIVE));
            if (i > 0) {
                assertThat(grid[i]).isGreaterThan(grid[i - 1]);
            }
        }
        // Few distinct values: one point per value (the sketch is exact and every value holds
        // more than one level).
        assertThat(KsDistance.grid(sketch(3, 1, 2, 2, 3, 3, -0.0)))
                .containsExactly(0.0, 1.0, 2.0, 3.0);
        assertThat(1 / Math.copySign(1, KsDistance.grid(sketch(-0.0, 1))[0]))
                .as("-0.0 is the point 0.0")
                .isPositive();
        assertThat(KsDistance.grid(sketch())).isEmpty();
        assertThat(KsDistance.grid(null)).isEmpty();
    }

    @Test
    void cellsHoldTheValuesAboveThePreviousPointUpToTheirOwn() {
        double[] grid = {0, 1, 2};

        assertThat(KsDistance.cell(grid, Double.NEGATIVE_INFINITY)).isZero();
        assertThat(KsDistance.cell(grid, -1)).isZero();
        assertThat(KsDistance.cell(grid, 0)).isZero();
        assertThat(KsDistance.cell(grid, -0.0)).isZero();
        assertThat(KsDistance.cell(grid, Math.nextUp(0.0))).isEqualTo(1);
        assertThat(KsDistance.cell(grid, 1)).isEqualTo(1);
        assertThat(KsDistance.cell(grid, 1.5)).isEqualTo(2);
        assertThat(KsDistance.cell(grid, 2)).isEqualTo(2);
        assertThat(KsDistance.cell(grid, Math.nextUp(2.0))).isEqualTo(3);
        assertThat(KsDistance.cell(grid, Double.POSITIVE_INFINITY)).isEqualTo(3);
    }

    /**
     * The bound KsDistance documents: never above the supremum D against the reference sketch's
     * CDF, and at most w below it, w being the largest reference weight in one cell, itself below
     * 1/G plus the largest weight the sketch gives one grid point. Exact and compacted sketches,
     * continuous values and values with ties.
     */
    @Test
    void staysWithinTheLargestCellWeightBelowTheSupremumAgainstTheSketch() {
        Random random = new Random(3);
        for (int trial = 0; trial < 300; trial++) {
            boolean ties = trial % 2 == 1;
            int n = trial % 3 == 0 ? 5_000 + random.nextInt(20_000) : 1 + random.nextInt(300);
            double[] reference = new double[n];
            for (int i = 0; i < n; i++) {
                reference[i] = ties ? random.nextInt(40) : random.nextGaussian() * 5 + 20;
            }
            double[] live = new double[1 + random.nextInt(400)];
            double shift = random.nextInt(5) - 2;
            for (int i = 0; i < live.length; i++) {
                live[i] =
                        ties ? random.nextInt(40) + shift : random.nextGaussian() * 5 + 20 + shift;
            }
            KllDoublesSketch sketch = sketch(reference);
            double[] grid = KsDistance.grid(sketch);
            double result = KsDistance.onGrid(sketch, grid, cellCounts(grid, live));
            double supremum = supremumAgainstSketch(sketch, live);

            double[] rank = sketch.getRanks(grid, QuantileSearchCriteria.INCLUSIVE);
            double largestCell = Math.max(rank[0], 1 - rank[grid.length - 1]);
            double largestPoint = 0;
            for (int i = 0; i < grid.length; i++) {
                largestCell = Math.max(largestCell, i == 0 ? 0 : rank[i] - rank[i - 1]);
                double below =
                        sketch.getRank(grid[i], QuantileSearchCriteria.EXCLUSIVE); // R(grid[i]-)
                largestPoint = Math.max(largestPoint, rank[i] - below);
            }

            assertThat(result).as("trial %d", trial).isLessThanOrEqualTo(supremum + 1e-12);
            assertThat(result)
                    .as("trial %d", trial)
                    .isGreaterThanOrEqualTo(supremum - largestCell - 1e-12);
            assertThat(largestCell).as("trial %d", trial).isLessThan(1.0 / G + largestPoint);
        }
    }

    @Test
    void whileTheReferenceIsExactAndContinuousTheGridHoldsEveryTrainingValue() {
        double[] reference = Samples.values(Samples.normal(0, 1), 150, 1);
        KllDoublesSketch sketch = sketch(reference);
        double[] sorted = reference.clone();
        Arrays.sort(sorted);

        assertThat(KsDistance.grid(sketch)).isEqualTo(sorted);
        // Live values that fall between training values are only seen at the next training value,
        // so on a tiny reference one value's weight (1/150 here) is what the grid can miss.
        for (long seed = 2; seed < 22; seed++) {
            double[] live = Samples.values(Samples.normal(0.3, 1), 500, seed);
            assertThat(onGrid(sketch, live))
                    .isLessThanOrEqualTo(exactTwoSample(reference, live) + 1e-12)
                    .isCloseTo(exactTwoSample(reference, live), within(1.0 / 150 + 1e-12));
        }
    }

    /**
     * KS as drift monitoring computes it (exact live counts on the grid) agrees with the exact
     * two-sample distance of the raw training and live values within 1/G plus the reference
     * sketch's rank error: for a stationary normal, a stationary lognormal and a shifted normal, 20
     * windows of 1,000 values each against 20,000 training rows.
     */
    @Test
    void agreesWithTheExactTwoSampleDistanceOfTheRawValues() {
        Object[][] cases = {
            {"normal", Samples.normal(50, 10), Samples.normal(50, 10)},
            {"lognormal", Samples.lognormal(20), Samples.lognormal(20)},
            {"shifted", Samples.normal(50, 10), Samples.normal(53, 10)},
        };
        for (int c = 0; c < cases.length; c++) {
            String what = (String) cases[c][0];
            double[] training = Samples.values((Samples.Draw) cases[c][1], 20_000, 100 + c);
            Distribution reference = Distribution.of(what, training);
            double tolerance = 1.0 / G + reference.kllSketch().getNormalizedRankError(false);
            for (int w = 0; w < 20; w++) {
                double[] window = Samples.values((Samples.Draw) cases[c][2], 1_000, 1_000L * c + w);
                LiveDistribution live = new LiveDistribution(reference);
                for (double v : window) {
                    live.add(v);
                }
                double ks =
                        DriftStatistics.compare(reference, 20_000, live, DriftThresholds.DEFAULTS)
                                .ks();
                double exact = exactTwoSample(training, window);

                assertThat(ks).as("%s window %d", what, w).isCloseTo(exact, within(tolerance));
            }
        }
    }

    @Test
    void criticalValueAddsTheReferencesRankErrorOnceCompactedAndTheGridResolution() {
        KllDoublesSketch small = sketch(Samples.values(Samples.normal(0, 1), 100, 1));
        // c(0.05) = sqrt(-ln(0.025) / 2) = 1.358102
        assertThat(KsDistance.criticalValue(small, 150, 0.05))
                .isCloseTo(1.358102 * Math.sqrt(1.0 / 100 + 1.0 / 150) + 1.0 / G, within(1e-6));

        KllDoublesSketch large = sketch(Samples.values(Samples.normal(0, 1), 20_000, 3));
        double sampling = Math.sqrt(-Math.log(0.0005) / 2) * Math.sqrt(1.0 / 20_000 + 1.0 / 100);
        assertThat(large.isEstimationMode()).isTrue();
        assertThat(KsDistance.criticalValue(large, 100, 0.001))
                .isCloseTo(sampling + large.getNormalizedRankError(false) + 1.0 / G, within(1e-12));
    }
}
