package dev.weir.state;

import java.util.Arrays;

/**
 * Keyed state of one account: one hour of one-minute panes kept in a ring, plus the last event
 * seen. A Flink POJO (public fields, no-arg constructor) so its serializer can evolve by adding
 * or removing fields.
 *
 * <p>Size is bounded: {@value #PANES} panes of three longs, about 1.5 KB per account.
 */
public class AccountWindow {

    /** Pane length: the resolution of the hour window's start edge. */
    public static final long PANE_MILLIS = 60_000L;

    /** Number of panes in the window: 60 one-minute panes make one hour. */
    public static final int PANES = 60;

    /** Minute index (event time / pane length) held by each ring slot; -1 when empty. */
    public long[] paneIndex;

    public long[] paneCount;

    public long[] paneAmountMinor;

    /** Greatest event time seen, or {@link Long#MIN_VALUE} before the first event. */
    public long maxEventTime;

    /** Country of the previous event in arrival order; null before the first event. */
    public String lastCountry;

    public AccountWindow() {}

    public static AccountWindow empty() {
        AccountWindow window = new AccountWindow();
        window.paneIndex = new long[PANES];
        Arrays.fill(window.paneIndex, -1L);
        window.paneCount = new long[PANES];
        window.paneAmountMinor = new long[PANES];
        window.maxEventTime = Long.MIN_VALUE;
        return window;
    }
}
