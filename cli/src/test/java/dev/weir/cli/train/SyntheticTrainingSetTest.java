package dev.weir.cli.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.jobs.config.FeatureSets;
import dev.weir.state.features.FeatureSet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyntheticTrainingSetTest {

    private static final FeatureSet FEATURES = FeatureSets.demo();

    @Test
    void aWarmUpDropsTheFirstRowsButNotWhatTheirPaymentsLeftInTheWindows() {
        Duration warmUp = Duration.ofMinutes(2);
        SyntheticTrainingSet whole =
                SyntheticTrainingSet.generate(FEATURES, 3, 40_000, 500, 200, 0.02);
        long firstRow = SyntheticTrainingSet.START_MILLIS + warmUp.toMillis();
        int skipped = 0;
        while (whole.eventTimes()[skipped] < firstRow) {
            skipped++;
        }

        SyntheticTrainingSet warm =
                SyntheticTrainingSet.generate(
                        FEATURES, 3, 10_000, 500, 200, 0.02, SyntheticTrainingSet.INPUTS, warmUp);

        // The same payments from the same seeds: the warm set is the whole set's tail, values
        // equal.
        assertThat(skipped).isBetween(20_000, 28_000);
        assertThat(warm.eventTimes()).hasSize(10_000);
        for (int i = 0; i < 10_000; i++) {
            assertThat(warm.eventTimes()[i]).isEqualTo(whole.eventTimes()[skipped + i]);
            assertThat(warm.features()[i]).isEqualTo(whole.features()[skipped + i]);
            assertThat(warm.labels()[i]).isEqualTo(whole.labels()[skipped + i]);
            for (String input : List.of("country", "channel")) {
                assertThat(warm.inputs().get(input)[i])
                        .isEqualTo(whole.inputs().get(input)[skipped + i]);
            }
        }
    }

    @Test
    void theDemoSetsLongestWindowIsItsFourMinutes() {
        assertThat(FEATURES.longestWindow()).isEqualTo(Duration.ofMinutes(4));
        assertThat(FeatureSets.reference().longestWindow()).isEqualTo(Duration.ofDays(7));
    }
}
