package dev.weir.state;

import dev.weir.schemas.Channel;
import dev.weir.schemas.Transaction;
import java.util.List;

/**
 * The account-level feature set: pure functions over {@link AccountWindow}, shared by the
 * streaming stage and by training so that both compute exactly the same values.
 *
 * <p>A value at event time t covers the events of the same account whose minute pane lies in
 * [pane(t) - 59, pane(t)], the current event included. An out-of-order event lands in its own
 * pane as long as that pane is still inside the hour that ends at the newest event; an older
 * one no longer fits any window: its count and sum cover only what the window still holds (so
 * not itself), and it only updates the "last event" fields. Callers count such events as late.
 */
public final class AccountFeatures {

    /** Cap for the time since the previous event: "none within a day" reads as one day. */
    public static final double MAX_GAP_SECONDS = 86_400.0;

    /** Feature names in vector order; recorded in the model metadata. */
    public static final List<String> NAMES =
            List.of(
                    "amount_log",
                    "account_txn_count_1h",
                    "account_amount_sum_1h_log",
                    "account_secs_since_prev_log",
                    "account_country_changed",
                    "is_online");

    private AccountFeatures() {}

    /**
     * Adds the transaction to the window and returns its feature vector, computed after the
     * update.
     */
    public static double[] update(AccountWindow window, Transaction txn) {
        long eventTime = txn.getEventTime().toEpochMilli();
        long pane = Math.floorDiv(eventTime, AccountWindow.PANE_MILLIS);
        long newestPane =
                window.maxEventTime == Long.MIN_VALUE
                        ? pane
                        : Math.max(pane, Math.floorDiv(window.maxEventTime, AccountWindow.PANE_MILLIS));

        double gapSeconds =
                window.maxEventTime == Long.MIN_VALUE
                        ? MAX_GAP_SECONDS
                        : Math.min(
                                MAX_GAP_SECONDS,
                                Math.max(0L, eventTime - window.maxEventTime) / 1000.0);
        boolean countryChanged =
                window.lastCountry != null && !window.lastCountry.equals(txn.getCountry());

        if (pane > newestPane - AccountWindow.PANES) {
            int slot = (int) Math.floorMod(pane, (long) AccountWindow.PANES);
            if (window.paneIndex[slot] != pane) {
                window.paneIndex[slot] = pane;
                window.paneCount[slot] = 0;
                window.paneAmountMinor[slot] = 0;
            }
            window.paneCount[slot]++;
            window.paneAmountMinor[slot] += txn.getAmountMinor();
        }

        long count = 0;
        long sum = 0;
        for (int i = 0; i < AccountWindow.PANES; i++) {
            long p = window.paneIndex[i];
            // Slots may still hold panes that left the hour of the newest event; skip them.
            if (p <= pane && p > pane - AccountWindow.PANES && p > newestPane - AccountWindow.PANES) {
                count += window.paneCount[i];
                sum += window.paneAmountMinor[i];
            }
        }

        window.maxEventTime = Math.max(window.maxEventTime, eventTime);
        window.lastCountry = txn.getCountry();

        return new double[] {
            Math.log1p(Math.max(0L, txn.getAmountMinor()) / 100.0),
            count,
            Math.log1p(Math.max(0L, sum) / 100.0),
            Math.log1p(gapSeconds),
            countryChanged ? 1.0 : 0.0,
            txn.getChannel() == Channel.ONLINE ? 1.0 : 0.0
        };
    }

    /** Whether an event at this time is older than every pane the window still holds. */
    public static boolean tooLateForWindow(AccountWindow window, long eventTime) {
        if (window.maxEventTime == Long.MIN_VALUE) {
            return false;
        }
        long newestPane = Math.floorDiv(window.maxEventTime, AccountWindow.PANE_MILLIS);
        return Math.floorDiv(eventTime, AccountWindow.PANE_MILLIS) <= newestPane - AccountWindow.PANES;
    }

    /** Event time after which the window holds nothing and its state can be dropped. */
    public static long expiryTime(AccountWindow window) {
        return window.maxEventTime + AccountWindow.PANES * AccountWindow.PANE_MILLIS;
    }
}
