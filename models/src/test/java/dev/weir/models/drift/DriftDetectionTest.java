package dev.weir.models.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.models.ReferenceProfile.Categorical;
import dev.weir.models.ReferenceProfile.Distribution;
import org.junit.jupiter.api.Test;

/**
 * Shifts that matter must be flagged in every window: 50 windows of 1,000 values against a
 * reference of 20,000 rows, with {@link DriftThresholds#DEFAULTS}.
 */
class DriftDetectionTest {

    private static final int REFERENCE_ROWS = 20_000;
    private static final int WINDOWS = 50;
    private static final int WINDOW_SIZE = 1_000;

    private static DriftResult window(
            Distribution reference, Samples.Draw live, int size, long seed) {
        LiveDistribution values = new LiveDistribution(reference);
        for (double v : Samples.values(live, size, seed)) {
            values.add(v);
        }
        return DriftStatistics.compare(reference, REFERENCE_ROWS, values, DriftThresholds.DEFAULTS);
    }

    private static void assertAlwaysFlagged(
            String what, Samples.Draw training, Samples.Draw shifted, long seed) {
        Distribution reference =
                Distribution.of(what, Samples.values(training, REFERENCE_ROWS, seed));
        for (int w = 0; w < WINDOWS; w++) {
            DriftResult result = window(reference, shifted, WINDOW_SIZE, seed * 1_000 + w + 1);
            assertThat(result.drifted()).as("%s window %d: %s", what, w, result).isTrue();
        }
    }

    @Test
    void meanShiftOfHalfAStandardDeviation() {
        assertAlwaysFlagged("normal", Samples.normal(50, 10), Samples.normal(55, 10), 1);
    }

    @Test
    void lognormalScaledThreefold() {
        assertAlwaysFlagged("lognormal", Samples.lognormal(20), Samples.lognormal(60), 2);
    }

    @Test
    void zeroOneShareFlippingFromThirtyToSixtyPercent() {
        assertAlwaysFlagged("flag", Samples.flag(0.3), Samples.flag(0.6), 3);
    }

    @Test
    void oneCategoryGrowingFromFiveToThirtyPercent() {
        Categorical reference =
                Categorical.of(
                        "channel",
                        Samples.categories(Samples.tenCategories(0.05), REFERENCE_ROWS, 4));
        for (int w = 0; w < WINDOWS; w++) {
            LiveCategories live = new LiveCategories(reference);
            for (String v :
                    Samples.categories(Samples.tenCategories(0.3), WINDOW_SIZE, 4_000 + w + 1)) {
                live.add(v);
            }
            DriftResult result =
                    DriftStatistics.compare(
                            reference, REFERENCE_ROWS, live, DriftThresholds.DEFAULTS);
            assertThat(result.drifted()).as("channel window %d: %s", w, result).isTrue();
        }
    }

    @Test
    void aWindowBelowMinSamplesIsNeverFlaggedHoweverFarItMoved() {
        Distribution reference =
                Distribution.of(
                        "lognormal", Samples.values(Samples.lognormal(20), REFERENCE_ROWS, 5));

        DriftResult tooSmall = window(reference, Samples.lognormal(200), 199, 6);
        DriftResult enough = window(reference, Samples.lognormal(200), 200, 6);

        assertThat(tooSmall.psi()).isGreaterThan(1);
        assertThat(tooSmall.ks()).isGreaterThan(0.5);
        assertThat(tooSmall.drifted()).isFalse();
        assertThat(tooSmall.reasons()).isEmpty();
        assertThat(enough.drifted()).isTrue();
    }
}
