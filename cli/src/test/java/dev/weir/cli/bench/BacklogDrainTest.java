package dev.weir.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BacklogDrainTest {

    @Test
    void waitsForEveryPaymentAndRunsTheStartActionOnceWhenTheStartSharePasses() throws Exception {
        AtomicLong seen = new AtomicLong();
        // Ten more outputs downstream between two checks of the job.
        FakeJob job = FakeJob.running(() -> seen.addAndGet(10));
        List<Long> seenAtStart = new ArrayList<>();

        BacklogDrain.await(
                seen::get, 50, Duration.ofMinutes(1), job, () -> seenAtStart.add(seen.get()));

        assertThat(seen.get()).isEqualTo(50);
        assertThat(job.checks.get()).isEqualTo(5);
        assertThat(seenAtStart).containsExactly(10L);
    }

    @Test
    void aDrainThatStallsEndsAtTheTimeoutWithoutItsStart() throws Exception {
        List<String> started = new ArrayList<>();

        BacklogDrain.await(
                () -> 0,
                50,
                Duration.ofMillis(150),
                FakeJob.running(),
                () -> started.add("started"));

        assertThat(started).isEmpty();
    }

    @Test
    void aJobThatNoLongerRunsEndsTheDrainWithItsFailure() {
        assertThatThrownBy(
                        () ->
                                BacklogDrain.await(
                                        () -> 0,
                                        50,
                                        Duration.ofMinutes(1),
                                        FakeJob.failed("the pass-through job is FAILED"),
                                        () -> {}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the pass-through job is FAILED");
    }

    @Test
    void theRateLeavesOutTheFirstTenthOfTheOutputs() {
        long[] times = {1_000, 1_100, 1_200, 1_300, 1_400, 1_500, 1_600, 1_700, 1_800, 1_900};

        BacklogDrain.Rate rate = BacklogDrain.rate(times);

        // From the second output (index 1) to the last: 8 outputs after it in 0.8 s.
        assertThat(rate).isEqualTo(new BacklogDrain.Rate(10, 8, 0.8));
        assertThat(rate.perSecond()).isEqualTo(10.0);
    }
}
