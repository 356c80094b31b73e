package dev.weir.models.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DivergencesTest {

    @Test
    void psiMatchesAHandComputedExample() {
        // (0.1-0.25)ln(0.4) + (0.2-0.25)ln(0.8) + (0.3-0.25)ln(1.2) + (0.4-0.25)ln(1.6)
        // = 0.137444 + 0.011157 + 0.009116 + 0.070501
        double psi =
                Divergences.psi(
                        new double[] {0.25, 0.25, 0.25, 0.25}, new double[] {0.1, 0.2, 0.3, 0.4});

        assertThat(psi).isCloseTo(0.228218, within(1e-6));
    }

    @Test
    void psiCountsAnEmptyCellAsEpsilon() {
        // Live shares {1, 0} against {0.5, 0.5}: the empty cell counts as 1e-4,
        // (1 - 0.5)ln(1 / 0.5) + (1e-4 - 0.5)ln(1e-4 / 0.5).
        double expected = 0.5 * Math.log(2) + (1e-4 - 0.5) * Math.log(1e-4 / 0.5);

        assertThat(Divergences.psi(new double[] {0.5, 0.5}, new double[] {1, 0}))
                .isCloseTo(expected, within(1e-12));
        assertThat(expected).isCloseTo(4.6043, within(1e-4));
        assertThat(Divergences.psi(new double[] {0.2, 0.8}, new double[] {0.2, 0.8})).isZero();
    }

    @Test
    void jensenShannonMatchesHandComputedExamples() {
        // M = {0.75, 0.25}; KL(P||M) = 0.5 log2(2/3) + 0.5 log2(2) = 0.207519; KL(Q||M) = log2(4/3)
        // = 0.415037;
        // JSD = 0.311278, distance = sqrt(JSD).
        assertThat(Divergences.jensenShannon(new double[] {0.5, 0.5}, new double[] {1, 0}))
                .isCloseTo(0.557923, within(1e-6));
        assertThat(Divergences.jensenShannon(new double[] {1, 0}, new double[] {0, 1}))
                .isEqualTo(1.0);
        assertThat(Divergences.jensenShannon(new double[] {0.3, 0.7}, new double[] {0.3, 0.7}))
                .isZero();
        // Symmetric.
        assertThat(Divergences.jensenShannon(new double[] {0.1, 0.9}, new double[] {0.6, 0.4}))
                .isEqualTo(
                        Divergences.jensenShannon(
                                new double[] {0.6, 0.4}, new double[] {0.1, 0.9}));
    }

    @Test
    void cramersVIsTheTextbookValueOfAnEqualSizeTable() {
        // Counts {30, 70} and {60, 40}: chi-square 18.1818 over N = 200, V = sqrt(18.1818 / 200) =
        // 0.301511.
        double v = Divergences.cramersV(new double[] {0.3, 0.7}, new double[] {0.6, 0.4});
        ChiSquare table = ChiSquare.homogeneity(new double[] {30, 70}, new double[] {60, 40});

        assertThat(v).isCloseTo(0.301511, within(1e-6));
        assertThat(v).isCloseTo(Math.sqrt(table.statistic() / 200), within(1e-12));
        assertThat(Divergences.cramersV(new double[] {1, 0}, new double[] {0, 1})).isEqualTo(1.0);
        assertThat(Divergences.cramersV(new double[] {0.5, 0.5, 0}, new double[] {0.5, 0.5, 0}))
                .isZero();
    }

    @Test
    void sharesOfCountsAndMismatchedCells() {
        assertThat(Divergences.shares(new long[] {1, 3})).containsExactly(0.25, 0.75);
        assertThat(Divergences.shares(new long[] {0, 0})).containsExactly(0.0, 0.0);
        assertThatThrownBy(() -> Divergences.psi(new double[] {1}, new double[] {0.5, 0.5}))
                .hasMessage("reference has 1 cells, live 2");
    }
}
