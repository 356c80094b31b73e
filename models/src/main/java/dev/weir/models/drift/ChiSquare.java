package dev.weir.models.drift;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.statistics.distribution.ChiSquaredDistribution;

/**
 * Pearson's chi-square test of homogeneity on a two-row table: do the reference rows and the live
 * values come from the same distribution over the cells? Testing against the reference's counts,
 * rather than treating its shares as exact, lets the test allow for the reference's own sampling
 * noise.
 *
 * <p>Cells expected to hold fewer than {@value #MIN_EXPECTED} values in either row are pooled into
 * one, and a pool still that small joins the smallest other cell (Cochran's rule): the chi-square
 * approximation is poor for sparse cells and would otherwise make a handful of rare values look
 * significant. Cells empty in both rows are dropped.
 *
 * @param statistic the chi-square statistic
 * @param dof degrees of freedom: cells after pooling, minus one (0 when fewer than two remain)
 * @param pValue the chance of a statistic at least this large if both rows share one distribution
 *     (1 when there is nothing to test)
 */
public record ChiSquare(double statistic, int dof, double pValue) {

    public static final double MIN_EXPECTED = 5;

    private static final ChiSquare NOTHING_TO_TEST = new ChiSquare(0, 0, 1);

    /**
     * Tests two rows of counts over the same cells (counts may be fractional, e.g. share * rows).
     */
    public static ChiSquare homogeneity(double[] reference, double[] live) {
        if (reference.length != live.length) {
            throw new IllegalArgumentException(
                    "reference has " + reference.length + " cells, live " + live.length);
        }
        double referenceTotal = sum(reference);
        double liveTotal = sum(live);
        if (!(referenceTotal > 0) || !(liveTotal > 0)) {
            return NOTHING_TO_TEST;
        }
        List<double[]> cells =
                pooled(
                        reference,
                        live,
                        Math.min(referenceTotal, liveTotal) / (referenceTotal + liveTotal));
        if (cells.size() < 2) {
            return NOTHING_TO_TEST;
        }
        double total = referenceTotal + liveTotal;
        double statistic = 0;
        for (double[] cell : cells) {
            double cellTotal = cell[0] + cell[1];
            statistic += squaredError(cell[0], cellTotal * referenceTotal / total);
            statistic += squaredError(cell[1], cellTotal * liveTotal / total);
        }
        int dof = cells.size() - 1;
        return new ChiSquare(statistic, dof, pValue(statistic, dof));
    }

    /**
     * The chance a chi-square variable with dof degrees of freedom exceeds the statistic. The
     * survival function is computed directly (not as 1 - CDF), so tiny p-values keep their digits.
     */
    public static double pValue(double statistic, int dof) {
        if (dof < 1) {
            throw new IllegalArgumentException(
                    "chi-square needs at least 1 degree of freedom, got " + dof);
        }
        if (Double.isNaN(statistic)) {
            throw new IllegalArgumentException("chi-square statistic is NaN");
        }
        return ChiSquaredDistribution.of(dof).survivalProbability(statistic);
    }

    /**
     * Cells as {reference, live} pairs, sparse ones pooled; smallerShare is min(row total) / total.
     */
    private static List<double[]> pooled(double[] reference, double[] live, double smallerShare) {
        List<double[]> cells = new ArrayList<>();
        double[] pool = {0, 0};
        for (int i = 0; i < reference.length; i++) {
            double cellTotal = reference[i] + live[i];
            if (cellTotal <= 0) {
                continue;
            }
            if (cellTotal * smallerShare < MIN_EXPECTED) {
                pool[0] += reference[i];
                pool[1] += live[i];
            } else {
                cells.add(new double[] {reference[i], live[i]});
            }
        }
        double poolTotal = pool[0] + pool[1];
        if (poolTotal > 0) {
            if (poolTotal * smallerShare >= MIN_EXPECTED || cells.isEmpty()) {
                cells.add(pool);
            } else {
                double[] smallest = cells.get(0);
                for (double[] cell : cells) {
                    if (cell[0] + cell[1] < smallest[0] + smallest[1]) {
                        smallest = cell;
                    }
                }
                smallest[0] += pool[0];
                smallest[1] += pool[1];
            }
        }
        return cells;
    }

    private static double squaredError(double observed, double expected) {
        double difference = observed - expected;
        return difference * difference / expected;
    }

    private static double sum(double[] values) {
        double total = 0;
        for (double v : values) {
            total += v;
        }
        return total;
    }
}
