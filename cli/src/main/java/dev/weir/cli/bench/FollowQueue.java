package dev.weir.cli.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The followed items not yet done, oldest first, and which of them one round polls: the oldest few
 * every round (a server that lags makes the oldest readable first), then the next few of the others
 * in turn, so a round stays short however many are open. Beyond the cap the oldest is dropped, so a
 * server that never catches up costs bounded memory.
 *
 * <p>{@code FollowQueue<Payment> q = new FollowQueue<>(10_000, 8, 8); q.add(p); for (Payment p :
 * q.round()) if (readable(p)) q.done(p);}
 *
 * <p>Not thread-safe.
 */
final class FollowQueue<T> {

    private final int cap;
    private final int oldestPerRound;
    private final int othersPerRound;
    private final List<T> open = new ArrayList<>();

    /** The next of the others a round polls: an index at or after {@code oldestPerRound}. */
    private int cursor;

    /**
     * @param cap most items followed at once
     * @param oldestPerRound the oldest polled every round
     * @param othersPerRound of the rest, how many a round polls, in turn
     */
    FollowQueue(int cap, int oldestPerRound, int othersPerRound) {
        if (cap < 1 || oldestPerRound < 1 || othersPerRound < 0) {
            throw new IllegalArgumentException(
                    "cap and oldest per round must be at least 1 and others per round at least 0,"
                            + " got "
                            + cap
                            + ", "
                            + oldestPerRound
                            + ", "
                            + othersPerRound);
        }
        this.cap = cap;
        this.oldestPerRound = oldestPerRound;
        this.othersPerRound = othersPerRound;
    }

    /** Adds the newest item; returns the oldest, dropped to stay within the cap, or null. */
    T add(T item) {
        open.add(item);
        if (open.size() <= cap) {
            return null;
        }
        T dropped = open.remove(0);
        shiftCursorAfterRemovalAt(0);
        return dropped;
    }

    /** The items to poll this round: the oldest, then the next of the others in turn. */
    List<T> round() {
        int oldest = Math.min(oldestPerRound, open.size());
        List<T> polled = new ArrayList<>(open.subList(0, oldest));
        int others = Math.min(othersPerRound, open.size() - oldest);
        for (int i = 0; i < others; i++) {
            if (cursor < oldest || cursor >= open.size()) {
                cursor = oldest;
            }
            polled.add(open.get(cursor++));
        }
        return polled;
    }

    /** The item is done (readable): no longer followed. */
    void done(T item) {
        for (int i = 0; i < open.size(); i++) {
            if (open.get(i) == item) {
                open.remove(i);
                shiftCursorAfterRemovalAt(i);
                return;
            }
        }
    }

    /** The items still followed, oldest first. */
    List<T> open() {
        return List.copyOf(open);
    }

    int size() {
        return open.size();
    }

    private void shiftCursorAfterRemovalAt(int index) {
        // The others keep their turn: the item the cursor pointed at moved down by one.
        if (index < cursor) {
            cursor--;
        }
    }
}
