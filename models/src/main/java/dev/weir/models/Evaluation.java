package dev.weir.models;

import java.util.Arrays;

/** Evaluation measures for binary scores. */
public final class Evaluation {

    private Evaluation() {}

    /**
     * AUC-ROC as the Mann-Whitney statistic: the probability that a random positive scores above a
     * random negative, ties counting one half. NaN when one class is absent.
     */
    public static double aucRoc(double[] scores, boolean[] labels) {
        int n = scores.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        double rankSumPositives = 0;
        long positives = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double averageRank = (i + j) / 2.0 + 1.0;
            for (int k = i; k <= j; k++) {
                if (labels[order[k]]) {
                    rankSumPositives += averageRank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (rankSumPositives - positives * (positives + 1) / 2.0)
                / ((double) positives * negatives);
    }

    /**
     * Area under the precision-recall curve as average precision: the mean, over the positives, of
     * the precision at each positive's score (ties taken together). NaN without positives.
     */
    public static double aucPr(double[] scores, boolean[] labels) {
        int n = scores.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        long positives = 0;
        for (boolean l : labels) {
            positives += l ? 1 : 0;
        }
        if (positives == 0) {
            return Double.NaN;
        }
        double sum = 0;
        long tp = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            long groupPositives = 0;
            while (j < n && scores[order[j]] == scores[order[i]]) {
                groupPositives += labels[order[j]] ? 1 : 0;
                j++;
            }
            tp += groupPositives;
            sum += groupPositives * ((double) tp / j);
            i = j;
        }
        return sum / positives;
    }

    /** Brier score: mean squared difference between probability and outcome. */
    public static double brier(double[] scores, boolean[] labels) {
        double sum = 0;
        for (int i = 0; i < scores.length; i++) {
            double d = scores[i] - (labels[i] ? 1 : 0);
            sum += d * d;
        }
        return scores.length == 0 ? Double.NaN : sum / scores.length;
    }

    /**
     * Expected calibration error over ten equal-width bins of predicted probability: the
     * size-weighted mean gap between mean prediction and observed rate.
     */
    public static double expectedCalibrationError(double[] scores, boolean[] labels) {
        int bins = 10;
        double[] predicted = new double[bins];
        double[] observed = new double[bins];
        long[] count = new long[bins];
        for (int i = 0; i < scores.length; i++) {
            int b = Math.min(bins - 1, Math.max(0, (int) (scores[i] * bins)));
            predicted[b] += scores[i];
            observed[b] += labels[i] ? 1 : 0;
            count[b]++;
        }
        double ece = 0;
        for (int b = 0; b < bins; b++) {
            if (count[b] > 0) {
                ece += Math.abs(predicted[b] - observed[b]) / scores.length;
            }
        }
        return ece;
    }

    /** Precision and recall of "score >= threshold" as {precision, recall}. */
    public static double[] precisionRecall(double[] scores, boolean[] labels, double threshold) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean flagged = scores[i] >= threshold;
            if (flagged && labels[i]) {
                tp++;
            } else if (flagged) {
                fp++;
            } else if (labels[i]) {
                fn++;
            }
        }
        double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        return new double[] {precision, recall};
    }

    /** The threshold among the given scores that maximises F1. */
    public static double bestF1Threshold(double[] scores, boolean[] labels) {
        double best = 0.5;
        double bestF1 = -1;
        double[] candidates = scores.clone();
        Arrays.sort(candidates);
        int step = Math.max(1, candidates.length / 500);
        for (int i = 0; i < candidates.length; i += step) {
            double[] pr = precisionRecall(scores, labels, candidates[i]);
            double f1 = pr[0] + pr[1] == 0 ? 0 : 2 * pr[0] * pr[1] / (pr[0] + pr[1]);
            if (f1 > bestF1) {
                bestF1 = f1;
                best = candidates[i];
            }
        }
        return best;
    }
}
