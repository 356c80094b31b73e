package dev.weir.models.drift;

import java.util.Arrays;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * Kolmogorov-Smirnov distance between a reference's KLL sketch and exact live counts on a fixed
 * grid taken from that sketch.
 *
 * <p>Why a grid: a live KLL sketch compacts at random, so merging a window's partials in another
 * order, or replaying it after a failure, would give a slightly different distance. Counting the
 * live values per grid cell instead is exact and merges by addition, and the reference sketch never
 * changes, so the distance depends only on the window's values.
 *
 * <p>The grid is the reference sketch's quantiles at ranks (i + 0.5) / {@link #GRID_POINTS} for i =
 * 0 .. GRID_POINTS - 1, repeats dropped, ascending. Cell k holds the values in (grid[k - 1],
 * grid[k]]: cell 0 the values at or below grid[0], the last cell those above the last point.
 *
 * <p>Exactness. Let R be the reference sketch's CDF and L the live values' empirical CDF (both
 * counting values at or below x), and D = sup_x |L(x) - R(x)|. {@link #onGrid} returns exactly
 * max_i |L(grid[i]) - R(grid[i])|, so it is never above D. It is at most w below D, where w is the
 * most reference weight the sketch puts in one cell: between two grid points L and R can each only
 * rise, so the gap there exceeds the gap at one of the two points by at most R's rise across the
 * cell. Each grid point is the smallest retained value whose rank reaches its level, so the
 * reference holds less than 1/GRID_POINTS strictly between two neighbouring points, less than
 * 0.5/GRID_POINTS below grid[0] and at most 0.5/GRID_POINTS above the last point: w is below
 * 1/GRID_POINTS plus the largest weight the sketch gives one grid point (1/n per training value
 * while the sketch is exact, 2^h/n for an item compacted h times, about 0.3% for 20,000 training
 * rows; more for a value the training data repeats). That weight is only missed when live values
 * fall between the point and the one before it, where the reference has less than 1/GRID_POINTS.
 * Against the exact two-sample distance of the raw training values, the reference sketch's rank
 * error adds on top. Evaluating just below grid[0] would not help: cell 0 does not separate values
 * below grid[0] from values equal to it.
 */
final class KsDistance {

    /**
     * Grid points taken from the reference: 200 puts a point every half percent of the reference's
     * mass, so the grid adds at most about 0.5% to the reference sketch's own rank error (about
     * 1.3% at k = 200), while a window's counts stay a few hundred bytes. Changing it changes every
     * grid, and accumulators built with another value refuse to merge.
     */
    static final int GRID_POINTS = 200;

    private static final double[] NO_GRID = {};

    private KsDistance() {}

    /** The grid of a reference sketch; empty when there is no sketch or it holds no values. */
    static double[] grid(KllDoublesSketch reference) {
        if (reference == null || reference.isEmpty()) {
            return NO_GRID.clone();
        }
        double[] ranks = new double[GRID_POINTS];
        for (int i = 0; i < GRID_POINTS; i++) {
            ranks[i] = (i + 0.5) / GRID_POINTS;
        }
        double[] quantiles = reference.getQuantiles(ranks, QuantileSearchCriteria.INCLUSIVE);
        double[] grid = new double[quantiles.length];
        int size = 0;
        for (double quantile : quantiles) {
            double point = quantile + 0.0; // -0.0 is the point 0.0
            if (size == 0 || point > grid[size - 1]) {
                grid[size++] = point;
            }
        }
        return Arrays.copyOf(grid, size);
    }

    /** The cell of a non-NaN value: the first k with value &lt;= grid[k], grid.length if none. */
    static int cell(double[] grid, double value) {
        int lo = 0;
        int hi = grid.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (value <= grid[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /**
     * max_i |L(grid[i]) - R(grid[i])|, L from the live values' cell counts (grid.length + 1 cells,
     * at least one value), R the reference sketch's inclusive normalized rank.
     */
    static double onGrid(KllDoublesSketch reference, double[] grid, long[] cellCounts) {
        if (cellCounts.length != grid.length + 1) {
            throw new IllegalArgumentException(
                    cellCounts.length + " cell counts for " + grid.length + " grid points");
        }
        long total = 0;
        for (long c : cellCounts) {
            total += c;
        }
        if (total < 1 || grid.length == 0) {
            throw new IllegalArgumentException("KS on a grid needs grid points and live values");
        }
        double[] referenceCdf = reference.getRanks(grid, QuantileSearchCriteria.INCLUSIVE);
        long atOrBelow = 0;
        double distance = 0;
        for (int i = 0; i < grid.length; i++) {
            atOrBelow += cellCounts[i];
            distance = Math.max(distance, Math.abs((double) atOrBelow / total - referenceCdf[i]));
        }
        return distance;
    }

    /**
     * The distance above which the live values differ from the reference at the given significance:
     * the asymptotic two-sample critical value sqrt(-ln(significance / 2) / 2) * sqrt(1 / n1 + 1 /
     * n2), plus the reference sketch's rank error once it is no longer exact, plus the grid's
     * resolution 1 / {@link #GRID_POINTS}. The live side is exact and adds nothing; the grid can
     * only understate the distance, so its term only makes the test more conservative.
     */
    static double criticalValue(KllDoublesSketch reference, long liveValues, double significance) {
        double sampling =
                Math.sqrt(-Math.log(significance / 2) / 2)
                        * Math.sqrt(1.0 / reference.getN() + 1.0 / liveValues);
        double rankError =
                reference.isEstimationMode() ? reference.getNormalizedRankError(false) : 0;
        return sampling + rankError + 1.0 / GRID_POINTS;
    }
}
