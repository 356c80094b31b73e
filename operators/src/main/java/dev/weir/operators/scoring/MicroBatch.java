package dev.weir.operators.scoring;

import java.util.Arrays;
import java.util.Objects;

/**
 * The events waiting to be scored together, and when they must go: at once when the batch is full
 * or waiting is off, otherwise when a wait timer started by the batch's first event fires. The
 * caller owns the clock and the timer, and flushes on its own account as well (watermarks,
 * checkpoint barriers, end of input); this class only tells it what an added event requires.
 *
 * <p>At most one wait timer is pending: a timer started for an earlier batch is not replaced when
 * that batch is flushed early, so it flushes whatever is waiting when it fires, possibly sooner
 * than {@code maxWaitMillis} after that event arrived.
 *
 * <p>Each row keeps the event, its timestamp and its arrival time, for the scores built after the
 * flush. Not thread-safe: one per subtask.
 *
 * <p>{@code switch (batch.add(event, true, ts, System.nanoTime())) { case FLUSH -> flush(); case
 * START_TIMER -> register(now + batch.maxWaitMillis()); case WAIT -> {} }}
 */
public final class MicroBatch<T> {

    /** What the caller must do after an event was added. */
    public enum Next {
        /** The batch is full, or waiting is off: score it now. */
        FLUSH,
        /** Start a timer {@link #maxWaitMillis()} from now and call {@link #timerFired()} then. */
        START_TIMER,
        /** Nothing: a timer is already pending. */
        WAIT
    }

    private final int capacity;
    private final long maxWaitMillis;
    private final Object[] values;
    private final boolean[] hasTimestamp;
    private final long[] timestamps;
    private final long[] arrivalNanos;
    private int size;
    private boolean timerPending;

    public MicroBatch(int capacity, long maxWaitMillis) {
        if (capacity < 1 || maxWaitMillis < 0) {
            throw new IllegalArgumentException("batch size must be >= 1 and wait >= 0");
        }
        this.capacity = capacity;
        this.maxWaitMillis = maxWaitMillis;
        this.values = new Object[capacity];
        this.hasTimestamp = new boolean[capacity];
        this.timestamps = new long[capacity];
        this.arrivalNanos = new long[capacity];
    }

    public int capacity() {
        return capacity;
    }

    public long maxWaitMillis() {
        return maxWaitMillis;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The row the next added event takes: where its features go in the scorers. */
    public int nextRow() {
        return size;
    }

    /**
     * Adds an event in row {@link #nextRow()}.
     *
     * @throws IllegalStateException when the batch is full: the caller must flush on {@link
     *     Next#FLUSH}
     */
    public Next add(T value, boolean withTimestamp, long timestamp, long arrivedAtNanos) {
        if (size == capacity) {
            throw new IllegalStateException(
                    "the batch holds " + capacity + " events already: flush it first");
        }
        values[size] = value;
        hasTimestamp[size] = withTimestamp;
        timestamps[size] = timestamp;
        arrivalNanos[size] = arrivedAtNanos;
        size++;
        if (size == capacity || maxWaitMillis == 0) {
            return Next.FLUSH;
        }
        if (timerPending) {
            return Next.WAIT;
        }
        timerPending = true;
        return Next.START_TIMER;
    }

    /** The pending wait timer fired: the caller flushes, and the next event starts a new one. */
    public void timerFired() {
        timerPending = false;
    }

    @SuppressWarnings("unchecked")
    public T value(int row) {
        return (T) values[Objects.checkIndex(row, size)];
    }

    public boolean hasTimestamp(int row) {
        return hasTimestamp[Objects.checkIndex(row, size)];
    }

    public long timestamp(int row) {
        return timestamps[Objects.checkIndex(row, size)];
    }

    /** {@link System#nanoTime()} when the event in {@code row} arrived. */
    public long arrivalNanos(int row) {
        return arrivalNanos[Objects.checkIndex(row, size)];
    }

    /** Empties the batch after a flush; it holds no reference to the flushed events. */
    public void clear() {
        Arrays.fill(values, 0, size, null);
        size = 0;
    }
}
