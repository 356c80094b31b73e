package dev.weir.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which followed items a round polls, what the cap drops, and what stays open. */
class FollowQueueTest {

    @Test
    void pollsTheOldestEveryRoundAndTheOthersInTurn() {
        FollowQueue<String> q = new FollowQueue<>(100, 2, 2);
        for (String item : List.of("a", "b", "c", "d", "e", "f", "g")) {
            assertThat(q.add(item)).isNull();
        }

        assertThat(q.round()).containsExactly("a", "b", "c", "d");
        assertThat(q.round()).containsExactly("a", "b", "e", "f");
        assertThat(q.round()).containsExactly("a", "b", "g", "c");
        assertThat(q.round()).containsExactly("a", "b", "d", "e");
    }

    @Test
    void everyOpenItemIsPolledWithinAFewRounds() {
        FollowQueue<Integer> q = new FollowQueue<>(1_000, 3, 5);
        for (int i = 0; i < 50; i++) {
            q.add(i);
        }
        Set<Integer> polled = new HashSet<>();
        // 3 oldest every round, the other 47 five at a time: ten rounds reach all of them.
        for (int round = 0; round < 10; round++) {
            polled.addAll(q.round());
        }
        assertThat(polled).hasSize(50);
    }

    @Test
    void aDoneItemIsNoLongerPolledAndTheOthersKeepTheirTurn() {
        FollowQueue<String> q = new FollowQueue<>(100, 1, 2);
        for (String item : List.of("a", "b", "c", "d", "e")) {
            q.add(item);
        }
        assertThat(q.round()).containsExactly("a", "b", "c");

        q.done("a");
        q.done("c");

        // "d" was next in turn; "b" is now the oldest.
        assertThat(q.round()).containsExactly("b", "d", "e");
        assertThat(q.open()).containsExactly("b", "d", "e");
        q.done("not followed");
        assertThat(q.size()).isEqualTo(3);
    }

    @Test
    void beyondTheCapTheOldestIsDropped() {
        FollowQueue<String> q = new FollowQueue<>(3, 1, 1);
        List<String> dropped = new ArrayList<>();
        for (String item : List.of("a", "b", "c", "d", "e")) {
            String d = q.add(item);
            if (d != null) {
                dropped.add(d);
            }
        }

        assertThat(dropped).containsExactly("a", "b");
        assertThat(q.open()).containsExactly("c", "d", "e");
        assertThat(q.round()).containsExactly("c", "d");
    }

    @Test
    void anEmptyQueuePollsNothing() {
        FollowQueue<String> q = new FollowQueue<>(3, 2, 2);
        assertThat(q.round()).isEmpty();
        q.add("a");
        assertThat(q.round()).containsExactly("a");
    }

    @Test
    void refusesAnEmptyCap() {
        assertThatThrownBy(() -> new FollowQueue<String>(0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
