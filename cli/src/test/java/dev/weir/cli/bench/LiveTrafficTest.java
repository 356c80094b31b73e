package dev.weir.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class LiveTrafficTest {

    @Test
    void countsExactlyThePaymentsOfTheWindowAndStopsOnceDownstreamHasSeenThemAll()
            throws Exception {
        // The window is fixed when the traffic is made; half a second of it stays ahead of a test
        // thread held up by a loaded machine (60 ms did not, once: nothing was sent in it).
        LiveTraffic traffic =
                new LiveTraffic(
                        2_000,
                        Duration.ofMillis(30),
                        Duration.ofMillis(500),
                        Duration.ofMinutes(1));
        List<Long> sent = new ArrayList<>();
        // Downstream sees every payment of the window as soon as it is sent.
        LongSupplier seen = () -> sent.stream().filter(t -> inWindow(traffic, t)).count();
        List<String> window = new ArrayList<>();
        FakeJob job = FakeJob.running();

        LiveTraffic.Sent result =
                traffic.send(
                        sent::add,
                        seen,
                        job,
                        new LiveTraffic.WindowListener() {
                            @Override
                            public void opened() {
                                window.add("opened at " + sent.size());
                            }

                            @Override
                            public void closed() {
                                window.add("closed at " + sent.size());
                            }
                        });

        long measured = sent.stream().filter(t -> inWindow(traffic, t)).count();
        int firstInWindow = 1 + (int) sent.stream().filter(t -> t < traffic.measureFrom()).count();
        assertThat(result.total()).isEqualTo(sent.size());
        assertThat(result.measured()).isEqualTo(measured).isPositive();
        assertThat(sent.get(sent.size() - 1)).isGreaterThanOrEqualTo(traffic.measureTo());
        assertThat(sent.get(sent.size() - 2)).isLessThan(traffic.measureTo());
        assertThat(window)
                .containsExactly("opened at " + firstInWindow, "closed at " + sent.size());
        assertThat(job.checks.get()).isPositive();
    }

    @Test
    void paymentsNeverSeenDownstreamEndTheTrafficAfterTheTail() throws Exception {
        LiveTraffic traffic =
                new LiveTraffic(2_000, Duration.ZERO, Duration.ofMillis(20), Duration.ofMillis(30));
        List<Long> sent = new ArrayList<>();

        LiveTraffic.Sent result =
                traffic.send(
                        sent::add, () -> 0, FakeJob.running(), LiveTraffic.WindowListener.NONE);

        long tailEnd = traffic.measureTo() + 30;
        assertThat(sent.get(sent.size() - 1)).isGreaterThanOrEqualTo(tailEnd);
        assertThat(sent.get(sent.size() - 2)).isLessThan(tailEnd);
        assertThat(result.measured())
                .isEqualTo(sent.stream().filter(t -> inWindow(traffic, t)).count());
    }

    @Test
    void aJobThatNoLongerRunsEndsTheTrafficWithItsFailure() {
        LiveTraffic traffic =
                new LiveTraffic(
                        1_000, Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofMinutes(1));
        List<Long> sent = new ArrayList<>();
        FakeJob failed = FakeJob.failed("the pipeline failed");

        assertThatThrownBy(
                        () ->
                                traffic.send(
                                        sent::add,
                                        () -> 0,
                                        failed,
                                        LiveTraffic.WindowListener.NONE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the pipeline failed");
        // The job is checked right after the first payment.
        assertThat(sent).hasSize(1);
    }

    private static boolean inWindow(LiveTraffic traffic, long eventTime) {
        return eventTime >= traffic.measureFrom() && eventTime < traffic.measureTo();
    }
}
