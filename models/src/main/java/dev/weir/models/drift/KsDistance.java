package dev.weir.models.drift;

import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.DoublesSortedView;

/**
 * Kolmogorov-Smirnov distance between two KLL sketches: the largest gap between their cumulative
 * distribution functions, evaluated at every value either sketch retains (the step functions only
 * change there, so this is their exact supremum).
 *
 * <p>DataSketches 6.2.0 has {@code KolmogorovSmirnov.computeKSDelta}, but its merge walk compares
 * the two CDFs at different values and understates the gap by up to one retained item's weight (it
 * reports 2/3 for {1, 2, 3} against {10, 11, 12}, whose distance is 1); hence this walk.
 */
final class KsDistance {

    private KsDistance() {}

    /** sup |F1(x) - F2(x)| over x; both sketches must be non-empty. */
    static double between(KllDoublesSketch first, KllDoublesSketch second) {
        DoublesSortedView a = first.getSortedView();
        DoublesSortedView b = second.getSortedView();
        double[] aValues = a.getQuantiles();
        double[] bValues = b.getQuantiles();
        long[] aCumulative = a.getCumulativeWeights();
        long[] bCumulative = b.getCumulativeWeights();
        double aTotal = first.getN();
        double bTotal = second.getN();
        int i = 0;
        int j = 0;
        double distance = 0;
        while (i < aValues.length || j < bValues.length) {
            double x =
                    j >= bValues.length || (i < aValues.length && aValues[i] <= bValues[j])
                            ? aValues[i]
                            : bValues[j];
            while (i < aValues.length && aValues[i] <= x) {
                i++;
            }
            while (j < bValues.length && bValues[j] <= x) {
                j++;
            }
            double aCdf = i == 0 ? 0 : aCumulative[i - 1] / aTotal;
            double bCdf = j == 0 ? 0 : bCumulative[j - 1] / bTotal;
            distance = Math.max(distance, Math.abs(aCdf - bCdf));
        }
        return distance;
    }

    /**
     * The distance above which the two samples differ at the given significance: the asymptotic
     * two-sample critical value sqrt(-ln(significance / 2) / 2) * sqrt(1 / n1 + 1 / n2), plus each
     * sketch's rank error when it is no longer exact (as DataSketches' own KS test adds them).
     */
    static double criticalValue(
            KllDoublesSketch first, KllDoublesSketch second, double significance) {
        double n1 = first.getN();
        double n2 = second.getN();
        double sampling = Math.sqrt(-Math.log(significance / 2) / 2) * Math.sqrt(1 / n1 + 1 / n2);
        return sampling + rankError(first) + rankError(second);
    }

    private static double rankError(KllDoublesSketch sketch) {
        return sketch.isEstimationMode() ? sketch.getNormalizedRankError(false) : 0;
    }
}
