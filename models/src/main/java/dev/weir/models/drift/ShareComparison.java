package dev.weir.models.drift;

/**
 * The share-based statistics of one comparison: the reference's shares over some cells (bins or
 * categories) against the live counts over the same cells. All NaN when there are no live values.
 */
record ShareComparison(double psi, double js, ChiSquare chiSquare, double cramersV) {

    private static final ShareComparison NO_VALUES =
            new ShareComparison(
                    Double.NaN, Double.NaN, new ChiSquare(Double.NaN, 0, Double.NaN), Double.NaN);

    static ShareComparison of(double[] referenceShares, long referenceRows, long[] liveCounts) {
        double[] liveShares = Divergences.shares(liveCounts);
        long liveTotal = 0;
        double[] referenceCounts = new double[referenceShares.length];
        double[] liveCountsAsDoubles = new double[liveCounts.length];
        for (int i = 0; i < referenceShares.length; i++) {
            referenceCounts[i] = referenceShares[i] * referenceRows;
            liveCountsAsDoubles[i] = liveCounts[i];
            liveTotal += liveCounts[i];
        }
        if (liveTotal == 0) {
            return NO_VALUES;
        }
        return new ShareComparison(
                Divergences.psi(referenceShares, liveShares),
                Divergences.jensenShannon(referenceShares, liveShares),
                ChiSquare.homogeneity(referenceCounts, liveCountsAsDoubles),
                Divergences.cramersV(referenceShares, liveShares));
    }

    boolean significant(DriftThresholds thresholds) {
        return chiSquare.pValue() < thresholds.significance();
    }
}
