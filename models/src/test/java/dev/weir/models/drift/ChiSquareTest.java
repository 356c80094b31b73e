package dev.weir.models.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ChiSquareTest {

    @Test
    void homogeneityMatchesAHandComputedTable() {
        // {50, 50} against {30, 70}: column totals {80, 120} of 200, expected {40, 60} in each row,
        // chi-square = 2 * (10^2 / 40 + 10^2 / 60) = 8.3333 with 1 degree of freedom.
        ChiSquare test = ChiSquare.homogeneity(new double[] {50, 50}, new double[] {30, 70});

        assertThat(test.statistic()).isCloseTo(25.0 / 3, within(1e-12));
        assertThat(test.dof()).isEqualTo(1);
        assertThat(test.pValue()).isCloseTo(0.0038924, within(1e-7));
    }

    @Test
    void pValuesMatchTheChiSquareTable() {
        // Critical values at 5% and 0.1% from the chi-square table.
        assertThat(ChiSquare.pValue(3.841459, 1)).isCloseTo(0.05, within(1e-7));
        assertThat(ChiSquare.pValue(10.827566, 1)).isCloseTo(0.001, within(1e-8));
        assertThat(ChiSquare.pValue(18.307038, 10)).isCloseTo(0.05, within(1e-7));
        assertThat(ChiSquare.pValue(29.588298, 10)).isCloseTo(0.001, within(1e-8));
        assertThat(ChiSquare.pValue(124.342113, 100)).isCloseTo(0.05, within(1e-7));
        assertThat(ChiSquare.pValue(0, 3)).isEqualTo(1.0);
        // Two degrees of freedom: exactly exp(-x / 2), here far into the tail.
        assertThat(ChiSquare.pValue(100, 2)).isCloseTo(Math.exp(-50), within(1e-30));
        assertThat(ChiSquare.pValue(1, 2)).isCloseTo(Math.exp(-0.5), within(1e-14));
    }

    @Test
    void extremeTailsKeepTheirRelativeDigits() {
        // Closed forms: one degree of freedom, erfc(sqrt(x / 2)); four, exp(-x / 2) (1 + x / 2).
        assertThat(ChiSquare.pValue(200, 1) / 2.088487583762545e-45).isCloseTo(1, within(1e-12));
        assertThat(ChiSquare.pValue(1000, 4) / 3.569412779777384e-215).isCloseTo(1, within(1e-12));
        // The other end: a statistic near zero leaves p just below 1.
        assertThat(ChiSquare.pValue(1e-12, 1)).isCloseTo(0.9999992021154392, within(1e-15));
        assertThat(ChiSquare.pValue(Double.POSITIVE_INFINITY, 3)).isZero();
        assertThatThrownBy(() -> ChiSquare.pValue(Double.NaN, 1)).hasMessageContaining("NaN");
    }

    @Test
    void sparseCellsArePooledSoRareValuesDoNotLookSignificant() {
        // The third cell is expected to hold 2 * 201 / 2202 = 0.18 live values: it is pooled, and
        // the pool
        // being that small still, joins the smallest other cell.
        ChiSquare pooled =
                ChiSquare.homogeneity(new double[] {1000, 1000, 1}, new double[] {100, 100, 1});
        ChiSquare merged =
                ChiSquare.homogeneity(new double[] {1000, 1001}, new double[] {100, 101});

        assertThat(pooled.dof()).isEqualTo(1);
        assertThat(pooled.statistic()).isCloseTo(merged.statistic(), within(1e-12));
        assertThat(pooled.pValue()).isGreaterThan(0.9);
        // Unpooled, that one live value would add 3.7 to the statistic, ten times its expected
        // share.
        // With a single cell left after pooling, there is nothing to test.
        assertThat(ChiSquare.homogeneity(new double[] {1000, 1}, new double[] {100, 1}).dof())
                .isZero();
    }

    @Test
    void sparseCellsThatTogetherAreLargeEnoughFormTheirOwnCell() {
        double[] reference = {1000, 1000, 30, 30, 30};
        double[] live = {100, 100, 3, 3, 3};

        ChiSquare test = ChiSquare.homogeneity(reference, live);

        // Each small cell expects 33 * 209 / 2299 = 3 live values; pooled they expect 9.
        assertThat(test.dof()).isEqualTo(2);
        assertThat(test.statistic()).isCloseTo(0, within(1e-9));
    }

    @Test
    void nothingToTestGivesPOne() {
        assertThat(ChiSquare.homogeneity(new double[] {10, 0}, new double[] {0, 0}))
                .isEqualTo(new ChiSquare(0, 0, 1));
        assertThat(ChiSquare.homogeneity(new double[] {10, 0}, new double[] {7, 0}))
                .isEqualTo(new ChiSquare(0, 0, 1));
        assertThatThrownBy(() -> ChiSquare.pValue(1, 0))
                .hasMessageContaining("at least 1 degree of freedom");
        assertThatThrownBy(() -> ChiSquare.homogeneity(new double[] {1}, new double[] {1, 2}))
                .hasMessage("reference has 1 cells, live 2");
    }
}
