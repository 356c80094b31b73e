package dev.weir.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class EvaluationTest {

    @Test
    void aucEqualsThePairwiseDefinitionWithTies() {
        Random random = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            int n = 50 + random.nextInt(200);
            double[] scores = new double[n];
            boolean[] labels = new boolean[n];
            for (int i = 0; i < n; i++) {
                scores[i] = random.nextInt(20) / 20.0; // many ties
                labels[i] = random.nextDouble() < 0.3;
            }
            double pairs = 0;
            double wins = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (labels[i] && !labels[j]) {
                        pairs++;
                        wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                    }
                }
            }
            assertThat(Evaluation.aucRoc(scores, labels)).isCloseTo(wins / pairs, within(1e-12));
        }
    }

    @Test
    void averagePrecisionBrierAndCalibration() {
        // Ranked: + - + -: precision at the positives is 1/1 and 2/3.
        double[] scores = {0.9, 0.8, 0.7, 0.1};
        boolean[] labels = {true, false, true, false};
        assertThat(Evaluation.aucPr(scores, labels)).isCloseTo((1.0 + 2.0 / 3) / 2, within(1e-12));
        assertThat(Evaluation.brier(new double[] {1, 0}, new boolean[] {true, false})).isZero();
        assertThat(Evaluation.brier(new double[] {0.5, 0.5}, new boolean[] {true, false}))
                .isEqualTo(0.25);
        // Perfectly calibrated bins have no error; a constant 0.9 for a 50% rate has 0.4.
        assertThat(
                        Evaluation.expectedCalibrationError(
                                new double[] {0.05, 0.95}, new boolean[] {false, true}))
                .isCloseTo(0.05, within(1e-12));
        assertThat(
                        Evaluation.expectedCalibrationError(
                                new double[] {0.9, 0.9}, new boolean[] {true, false}))
                .isCloseTo(0.4, within(1e-12));
    }

    @Test
    void aucIsUndefinedWithOneClass() {
        assertThat(Evaluation.aucRoc(new double[] {0.1, 0.2}, new boolean[] {false, false}))
                .isNaN();
    }

    @Test
    void precisionAndRecallAtThreshold() {
        double[] scores = {0.9, 0.8, 0.3, 0.2};
        boolean[] labels = {true, false, true, false};
        assertThat(Evaluation.precisionRecall(scores, labels, 0.5)).containsExactly(0.5, 0.5);
        assertThat(Evaluation.precisionRecall(scores, labels, 0.1)).containsExactly(0.5, 1.0);
    }
}
