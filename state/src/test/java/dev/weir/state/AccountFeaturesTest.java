package dev.weir.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.schemas.Channel;
import dev.weir.schemas.Transaction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.api.Test;

class AccountFeaturesTest {

    private static final long T0 = 1_767_225_600_000L;

    @Test
    void matchesBruteForceOnRandomStreamsWithBurstsGapsAndDisorder() {
        Random random = new Random(42);
        String[] countries = {"DE", "FR", "US"};
        Map<String, AccountWindow> windows = new HashMap<>();
        Map<String, List<Transaction>> seen = new HashMap<>();
        long clock = T0;
        for (int i = 0; i < 20_000; i++) {
            // Bursts (ms apart), ordinary gaps (minutes) and long silences (hours).
            double r = random.nextDouble();
            clock += r < 0.3 ? random.nextInt(2_000) : r < 0.95 ? random.nextInt(600_000) : random.nextInt(7_200_000);
            // 10% arrive out of order, up to 5 minutes late.
            long eventTime = random.nextDouble() < 0.1 ? clock - random.nextInt(300_000) : clock;
            String account = "a" + random.nextInt(20);
            Transaction txn = txn(account, eventTime, 1 + random.nextInt(100_000),
                    countries[random.nextInt(countries.length)], random.nextBoolean() ? Channel.ONLINE : Channel.POS);

            AccountWindow window = windows.computeIfAbsent(account, k -> AccountWindow.empty());
            List<Transaction> history = seen.computeIfAbsent(account, k -> new ArrayList<>());
            double[] expected = bruteForce(history, txn);
            double[] actual = AccountFeatures.update(window, txn);
            history.add(txn);
            assertThat(actual).as("event %d of %s", i, account).containsExactly(expected);
        }
    }

    @Test
    void firstEventOfAnAccountHasOnlyItself() {
        double[] f = AccountFeatures.update(AccountWindow.empty(), txn("a", T0, 12_345, "DE", Channel.POS));
        assertThat(f[0]).isEqualTo(Math.log1p(123.45));
        assertThat(f[1]).isEqualTo(1.0);
        assertThat(f[2]).isEqualTo(Math.log1p(123.45));
        assertThat(f[3]).isEqualTo(Math.log1p(AccountFeatures.MAX_GAP_SECONDS));
        assertThat(f[4]).isZero();
        assertThat(f[5]).isZero();
    }

    @Test
    void windowStartEdgeIsAtMinuteResolution() {
        AccountWindow w = AccountWindow.empty();
        AccountFeatures.update(w, txn("a", T0 + 30_000, 100, "DE", Channel.POS)); // minute 0
        // 59 minutes and 59 seconds later: minute 59 still includes minute 0.
        assertThat(AccountFeatures.update(w, txn("a", T0 + 3_599_000, 100, "DE", Channel.POS))[1]).isEqualTo(2.0);
        // Minute 60: minute 0 has left the hour even though less than 60 minutes passed since it.
        assertThat(AccountFeatures.update(w, txn("a", T0 + 3_600_000, 100, "DE", Channel.POS))[1]).isEqualTo(2.0);
    }

    @Test
    void eventOlderThanTheHourIsDetectedAsLate() {
        AccountWindow w = AccountWindow.empty();
        AccountFeatures.update(w, txn("a", T0 + 7_200_000, 100, "DE", Channel.POS));
        assertThat(AccountFeatures.tooLateForWindow(w, T0 + 3_600_000)).isTrue();
        assertThat(AccountFeatures.tooLateForWindow(w, T0 + 3_660_000)).isFalse();
        assertThat(AccountFeatures.expiryTime(w)).isEqualTo(T0 + 7_200_000 + 3_600_000);
    }

    @Test
    void windowStateIsAFlinkPojoWithoutKryo() {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(AccountWindow.class);
    }

    /** Recomputes every feature from the raw history, the way the module README defines them. */
    private static double[] bruteForce(List<Transaction> history, Transaction txn) {
        long t = txn.getEventTime().toEpochMilli();
        long pane = Math.floorDiv(t, AccountWindow.PANE_MILLIS);
        long newestBefore = history.stream().mapToLong(h -> h.getEventTime().toEpochMilli()).max().orElse(Long.MIN_VALUE);
        long newestPane = newestBefore == Long.MIN_VALUE ? pane : Math.max(pane, Math.floorDiv(newestBefore, AccountWindow.PANE_MILLIS));
        List<Transaction> all = new ArrayList<>(history);
        boolean fits = pane > newestPane - AccountWindow.PANES;
        if (fits) {
            all.add(txn);
        }
        long count = 0;
        long sum = 0;
        for (Transaction h : all) {
            long p = Math.floorDiv(h.getEventTime().toEpochMilli(), AccountWindow.PANE_MILLIS);
            // Panes the ring still holds: within the hour ending at the newest pane seen.
            boolean retained = p > newestPane - AccountWindow.PANES;
            if (retained && p <= pane && p > pane - AccountWindow.PANES) {
                count++;
                sum += h.getAmountMinor();
            }
        }
        double gap = newestBefore == Long.MIN_VALUE
                ? AccountFeatures.MAX_GAP_SECONDS
                : Math.min(AccountFeatures.MAX_GAP_SECONDS, Math.max(0, t - newestBefore) / 1000.0);
        boolean changed = !history.isEmpty() && !history.get(history.size() - 1).getCountry().equals(txn.getCountry());
        return new double[] {
            Math.log1p(txn.getAmountMinor() / 100.0),
            count,
            Math.log1p(sum / 100.0),
            Math.log1p(gap),
            changed ? 1 : 0,
            txn.getChannel() == Channel.ONLINE ? 1 : 0
        };
    }

    static Transaction txn(String account, long eventTime, long amount, String country, Channel channel) {
        return Transaction.newBuilder()
                .setTransactionId(account + "-" + eventTime + "-" + amount)
                .setAccountId(account)
                .setCardId("c")
                .setMerchantId("m")
                .setMerchantCategory("5411")
                .setAmountMinor(amount)
                .setCurrency("EUR")
                .setCountry(country)
                .setChannel(channel)
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .build();
    }
}
