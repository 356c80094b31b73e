package dev.weir.operators.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.operators.scoring.MicroBatch.Next;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MicroBatchTest {

    @Test
    void aFullBatchFlushesAtOnceAndTheFirstEventStartsTheOnlyPendingTimer() {
        MicroBatch<String> batch = new MicroBatch<>(3, 100);
        assertThat(batch.add("a", true, 1, 10)).isEqualTo(Next.START_TIMER);
        assertThat(batch.add("b", true, 2, 20)).isEqualTo(Next.WAIT);
        assertThat(batch.add("c", true, 3, 30)).isEqualTo(Next.FLUSH);
        batch.clear();
        // The timer started for "a" is still pending: it will flush "d".
        assertThat(batch.add("d", true, 4, 40)).isEqualTo(Next.WAIT);
        batch.timerFired();
        batch.clear();
        assertThat(batch.add("e", true, 5, 50)).isEqualTo(Next.START_TIMER);
    }

    @Test
    void withoutWaitOrRoomForASecondEventEveryEventFlushes() {
        MicroBatch<String> unbuffered = new MicroBatch<>(4, 0);
        MicroBatch<String> single = new MicroBatch<>(1, 100);
        for (int i = 0; i < 3; i++) {
            assertThat(unbuffered.add("e" + i, false, 0, i)).isEqualTo(Next.FLUSH);
            assertThat(unbuffered.size()).isEqualTo(1);
            unbuffered.clear();
            assertThat(single.add("e" + i, false, 0, i)).isEqualTo(Next.FLUSH);
            single.clear();
        }
    }

    @Test
    void eachRowKeepsItsEventTimestampAndArrivalUntilCleared() {
        MicroBatch<String> batch = new MicroBatch<>(4, 100);
        assertThat(batch.nextRow()).isZero();
        batch.add("a", true, 1_000, 7);
        batch.add("b", false, Long.MIN_VALUE, 9);
        assertThat(batch.nextRow()).isEqualTo(2);
        assertThat(batch.size()).isEqualTo(2);
        assertThat(List.of(batch.value(0), batch.value(1))).containsExactly("a", "b");
        assertThat(batch.hasTimestamp(0)).isTrue();
        assertThat(batch.timestamp(0)).isEqualTo(1_000);
        assertThat(batch.hasTimestamp(1)).isFalse();
        assertThat(batch.arrivalNanos(0)).isEqualTo(7);
        assertThat(batch.arrivalNanos(1)).isEqualTo(9);
        assertThatThrownBy(() -> batch.value(2)).isInstanceOf(IndexOutOfBoundsException.class);

        batch.clear();
        assertThat(batch.isEmpty()).isTrue();
        assertThat(batch.nextRow()).isZero();
        assertThatThrownBy(() -> batch.value(0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aFullBatchTakesNoMoreEvents() {
        MicroBatch<String> batch = new MicroBatch<>(2, 100);
        batch.add("a", false, 0, 0);
        batch.add("b", false, 0, 0);
        assertThatThrownBy(() -> batch.add("c", false, 0, 0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the batch holds 2 events already: flush it first");
    }

    @Test
    void sizeAndWaitAreChecked() {
        assertThatThrownBy(() -> new MicroBatch<>(0, 10))
                .hasMessage("batch size must be >= 1 and wait >= 0");
        assertThatThrownBy(() -> new MicroBatch<>(1, -1))
                .hasMessage("batch size must be >= 1 and wait >= 0");
    }

    /**
     * Events at given processing times through a batch driven as the operator drives it: a flush
     * when the batch says so, a timer when it asks for one, and a last flush at the end of input.
     */
    @Test
    void flushPointsOfAStreamOfEvents() {
        long[] at = {0, 1, 2, 5, 6, 12, 30, 31};
        List<List<String>> flushed = new ArrayList<>();
        MicroBatch<String> batch = new MicroBatch<>(3, 10);
        Long timerDue = null;
        for (int i = 0; i < at.length; i++) {
            if (timerDue != null && timerDue <= at[i]) {
                timerDue = null;
                batch.timerFired();
                flush(batch, flushed);
            }
            switch (batch.add("e" + i, true, i, at[i])) {
                case FLUSH -> flush(batch, flushed);
                case START_TIMER -> timerDue = at[i] + batch.maxWaitMillis();
                case WAIT -> {}
            }
        }
        flush(batch, flushed);
        assertThat(flushed)
                .containsExactly(
                        List.of("e0", "e1", "e2"), // full at 2
                        List.of(
                                "e3",
                                "e4"), // the timer e0 started (due at 10) fires before e5 at 12
                        List.of("e5"), // its own timer (due at 22) fires before e6 at 30
                        List.of("e6", "e7")); // end of input, before e6's timer (due at 40)
    }

    private static void flush(MicroBatch<String> batch, List<List<String>> flushed) {
        if (batch.isEmpty()) {
            return;
        }
        List<String> rows = new ArrayList<>();
        for (int r = 0; r < batch.size(); r++) {
            rows.add(batch.value(r));
        }
        flushed.add(rows);
        batch.clear();
    }
}
