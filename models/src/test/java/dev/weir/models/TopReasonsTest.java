package dev.weir.models;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopReasonsTest {

    @Test
    void theLargestMagnitudesComeFirstWhateverTheirSign() {
        double[] attributions = {0.01, -0.4, 0.3, 0.0, 0.05, -0.02};
        assertThat(TopReasons.of(attributions, 3)).containsExactly(1, 2, 4);
        assertThat(TopReasons.of(attributions, 1)).containsExactly(1);
        assertThat(TopReasons.of(attributions, 0)).isEmpty();
    }

    @Test
    void equalMagnitudesKeepFeatureOrderAndZerosAreNoReasons() {
        assertThat(TopReasons.of(new double[] {0.2, -0.2, 0.2, 0.1}, 3)).containsExactly(0, 1, 2);
        assertThat(TopReasons.of(new double[] {0.0, 0.3, 0.0, Double.NaN}, 3)).containsExactly(1);
        assertThat(TopReasons.of(new double[] {0.1, 0.2}, 5)).containsExactly(1, 0);
    }
}
