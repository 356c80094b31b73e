package dev.weir.models.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.models.ReferenceProfile.Categorical;
import dev.weir.models.ReferenceProfile.Distribution;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Guards the false-alarm rate of {@link DriftThresholds#DEFAULTS}: windows drawn from the training
 * distribution itself must almost never be flagged. Reference of 20,000 rows, 500 windows of 1,000
 * values each with their own seeds; at most 1% of windows may be flagged.
 */
class DriftFalseAlarmTest {

    private static final int REFERENCE_ROWS = 20_000;
    private static final int WINDOWS = 500;
    private static final int WINDOW_SIZE = 1_000;
    private static final double MAX_FLAGGED_SHARE = 0.01;

    private static void assertRarelyFlagged(String what, Samples.Draw draw, long seed) {
        Distribution reference = Distribution.of(what, Samples.values(draw, REFERENCE_ROWS, seed));
        List<List<String>> flagged = new ArrayList<>();
        for (int w = 0; w < WINDOWS; w++) {
            LiveDistribution live = new LiveDistribution(reference);
            for (double v : Samples.values(draw, WINDOW_SIZE, seed * 1_000 + w + 1)) {
                live.add(v);
            }
            DriftResult result =
                    DriftStatistics.compare(
                            reference, REFERENCE_ROWS, live, DriftThresholds.DEFAULTS);
            if (result.drifted()) {
                flagged.add(result.reasons());
            }
        }
        assertThat((double) flagged.size() / WINDOWS)
                .as("%s: windows flagged %s", what, flagged)
                .isLessThanOrEqualTo(MAX_FLAGGED_SHARE);
    }

    @Test
    void normalFeature() {
        assertRarelyFlagged("normal", Samples.normal(50, 10), 1);
    }

    @Test
    void lognormalFeature() {
        assertRarelyFlagged("lognormal", Samples.lognormal(20), 2);
    }

    @Test
    void zeroOneFeature() {
        assertRarelyFlagged("flag", Samples.flag(0.3), 3);
    }

    @Test
    void tenCategoryInput() {
        double[] shares = {0.3, 0.2, 0.15, 0.1, 0.08, 0.06, 0.05, 0.03, 0.02, 0.01};
        Categorical reference =
                Categorical.of("channel", Samples.categories(shares, REFERENCE_ROWS, 4));
        List<List<String>> flagged = new ArrayList<>();
        for (int w = 0; w < WINDOWS; w++) {
            LiveCategories live = new LiveCategories(reference);
            for (String v : Samples.categories(shares, WINDOW_SIZE, 4_000 + w + 1)) {
                live.add(v);
            }
            DriftResult result =
                    DriftStatistics.compare(
                            reference, REFERENCE_ROWS, live, DriftThresholds.DEFAULTS);
            if (result.drifted()) {
                flagged.add(result.reasons());
            }
        }
        assertThat((double) flagged.size() / WINDOWS)
                .as("channel: windows flagged %s", flagged)
                .isLessThanOrEqualTo(MAX_FLAGGED_SHARE);
    }
}
