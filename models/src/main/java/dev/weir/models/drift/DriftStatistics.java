package dev.weir.models.drift;

import dev.weir.models.ReferenceProfile.Categorical;
import dev.weir.models.ReferenceProfile.Distribution;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.datasketches.kll.KllDoublesSketch;

/**
 * Compares one window's live values of a feature, the score or an input field with the training
 * data's reference profile, and decides whether they drifted.
 *
 * <p>Rules (thresholds from {@link DriftThresholds}); nothing is flagged below {@code minSamples}
 * live values, and the distribution rules also need that many non-null values:
 *
 * <ul>
 *   <li>numeric, compared over the reference's decile bins: drift when the chi-square test of
 *       homogeneity is significant and psi &gt;= psiAlert or js &gt;= jsAlert; or when ks &gt;=
 *       ksAlert and ks exceeds the KS critical value at the same significance. ks compares the
 *       reference's sketch with the live values' exact counts on a grid of up to 200 of the
 *       reference's quantiles, so like every other statistic here it depends only on the window's
 *       values, not on the order its partials were merged in or on a replay;
 *   <li>categorical (a feature with few distinct training values, or an input field), compared over
 *       the reference's values plus {@link Categorical#OTHER}: drift when the chi-square test is
 *       significant and psi &gt;= psiAlert or Cramér's V &gt;= minCramersV;
 *   <li>a numeric feature whose live null (NaN) rate exceeds the training data's (0) by more than
 *       nullRateAlert has drifted. An input field's missing values are its {@link Categorical#NULL}
 *       category, covered by the categorical rule.
 * </ul>
 */
public final class DriftStatistics {

    private DriftStatistics() {}

    /** A numeric feature or the score against its reference distribution. */
    public static DriftResult compare(
            Distribution reference,
            long referenceRows,
            LiveDistribution live,
            DriftThresholds thresholds) {
        requirePositive(referenceRows, reference.name());
        if (!live.accumulates(reference)) {
            throw new IllegalArgumentException(
                    "live values "
                            + live
                            + " were not accumulated against the reference distribution "
                            + reference.name());
        }
        long present = live.count() - live.nulls();
        ShareComparison shares =
                reference.categorical()
                        ? ShareComparison.of(
                                referenceShares(reference.categories(), live.categoryCounts()),
                                referenceRows,
                                values(live.categoryCounts()))
                        : ShareComparison.of(reference.shares(), referenceRows, live.binCounts());
        double ks = Double.NaN;
        double ksCritical = Double.NaN;
        double[] grid = live.grid(); // the reference's, as accumulates() checked
        if (grid.length > 0 && present > 0) {
            KllDoublesSketch referenceSketch = KllSketches.of(reference);
            ks = KsDistance.onGrid(referenceSketch, grid, live.gridCounts());
            ksCritical =
                    KsDistance.criticalValue(referenceSketch, present, thresholds.significance());
        }

        List<String> reasons = new ArrayList<>();
        double nullRate = rate(live.nulls(), live.count());
        if (live.count() >= thresholds.minSamples() && nullRate > thresholds.nullRateAlert()) {
            reasons.add(
                    format(
                            "null rate %.3f > reference 0 + %s",
                            nullRate, thresholds.nullRateAlert()));
        }
        if (present >= thresholds.minSamples()) {
            if (reference.categorical()) {
                categoricalRules(shares, thresholds, reasons);
            } else {
                numericRules(shares, ks, ksCritical, thresholds, reasons);
            }
        }
        return result(
                reference.name(),
                reference.categorical(),
                live.count(),
                referenceRows,
                nullRate,
                shares,
                ks,
                present,
                thresholds,
                reasons);
    }

    /** A categorical input field against its reference shares. */
    public static DriftResult compare(
            Categorical reference,
            long referenceRows,
            LiveCategories live,
            DriftThresholds thresholds) {
        requirePositive(referenceRows, reference.name());
        if (!live.accumulates(reference)) {
            throw new IllegalArgumentException(
                    "live values "
                            + live
                            + " were not accumulated against the reference field "
                            + reference.name()
                            + " "
                            + reference.shares().keySet());
        }
        Map<String, Long> counts = live.counts();
        ShareComparison shares =
                ShareComparison.of(
                        referenceShares(reference.shares(), counts), referenceRows, values(counts));
        List<String> reasons = new ArrayList<>();
        if (live.count() >= thresholds.minSamples()) {
            categoricalRules(shares, thresholds, reasons);
        }
        return result(
                reference.name(),
                true,
                live.count(),
                referenceRows,
                rate(live.nulls(), live.count()),
                shares,
                Double.NaN,
                live.count(),
                thresholds,
                reasons);
    }

    private static void numericRules(
            ShareComparison shares,
            double ks,
            double ksCritical,
            DriftThresholds t,
            List<String> reasons) {
        if (shares.significant(t)) {
            psiRule(shares, t, reasons);
            if (shares.js() >= t.jsAlert()) {
                reasons.add(
                        format(
                                "js %.3f >= %s (chi-square p %.2g)",
                                shares.js(), t.jsAlert(), shares.chiSquare().pValue()));
            }
        }
        if (ks >= t.ksAlert() && ks > ksCritical) {
            reasons.add(
                    format(
                            "ks %.3f >= %s (critical value %.3f at p %s)",
                            ks, t.ksAlert(), ksCritical, t.significance()));
        }
    }

    private static void categoricalRules(
            ShareComparison shares, DriftThresholds t, List<String> reasons) {
        if (shares.significant(t)) {
            psiRule(shares, t, reasons);
            if (shares.cramersV() >= t.minCramersV()) {
                reasons.add(
                        format(
                                "cramersV %.3f >= %s (chi-square p %.2g)",
                                shares.cramersV(), t.minCramersV(), shares.chiSquare().pValue()));
            }
        }
    }

    /**
     * PSI at the alert level on a significant shift: drift for numeric and categorical values
     * alike.
     */
    private static void psiRule(ShareComparison shares, DriftThresholds t, List<String> reasons) {
        if (shares.psi() >= t.psiAlert()) {
            reasons.add(
                    format(
                            "psi %.3f >= %s (chi-square p %.2g)",
                            shares.psi(), t.psiAlert(), shares.chiSquare().pValue()));
        }
    }

    private static DriftResult result(
            String name,
            boolean categorical,
            long liveCount,
            long referenceRows,
            double nullRate,
            ShareComparison shares,
            double ks,
            long comparedValues,
            DriftThresholds t,
            List<String> reasons) {
        boolean drifted = !reasons.isEmpty();
        boolean warning =
                !drifted
                        && comparedValues >= t.minSamples()
                        && shares.significant(t)
                        && shares.psi() >= t.psiWarn();
        if (warning) {
            reasons.add(
                    format(
                            "warning: psi %.3f >= %s (chi-square p %.2g)",
                            shares.psi(), t.psiWarn(), shares.chiSquare().pValue()));
        }
        ChiSquare chiSquare = shares.chiSquare();
        return new DriftResult(
                name,
                categorical,
                liveCount,
                referenceRows,
                nullRate,
                shares.psi(),
                ks,
                shares.js(),
                chiSquare.statistic(),
                chiSquare.dof(),
                chiSquare.pValue(),
                shares.cramersV(),
                drifted,
                warning,
                reasons);
    }

    /** The reference's share of each live cell, in the live cells' order (0 for keys it lacks). */
    private static double[] referenceShares(
            Map<String, Double> reference, Map<String, Long> liveCells) {
        return liveCells.keySet().stream()
                .mapToDouble(key -> reference.getOrDefault(key, 0.0))
                .toArray();
    }

    private static long[] values(Map<String, Long> cells) {
        return cells.values().stream().mapToLong(Long::longValue).toArray();
    }

    private static void requirePositive(long referenceRows, String name) {
        if (referenceRows < 1) {
            throw new IllegalArgumentException(
                    "the reference of " + name + " needs training rows, got " + referenceRows);
        }
    }

    private static double rate(long part, long whole) {
        return whole == 0 ? Double.NaN : (double) part / whole;
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
