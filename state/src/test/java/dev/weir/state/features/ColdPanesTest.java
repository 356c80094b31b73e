package dev.weir.state.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.schemas.Channel;
import dev.weir.schemas.Transaction;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** What the entity keeps in {@link ColdPanes}: how much, and that nothing outlives its feature. */
class ColdPanesTest {

    private static final long T0 = 1_767_225_600_000L;
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;

    private static final FeatureSpec SUM_30D =
            FeatureSpec.of("sum_30d", Aggregation.SUM).field("amount_minor").window("30d").build();
    private static final FeatureSpec COUNT_30D =
            FeatureSpec.of("count_30d", Aggregation.COUNT).window("30d").build();
    private static final FeatureSpec MAX_7D =
            FeatureSpec.of("max_7d", Aggregation.MAX).field("amount_minor").window("7d").build();
    private static final FeatureSpec COUNT_1H =
            FeatureSpec.of("count_1h", Aggregation.COUNT).window("1h").build();

    /** One entity's events, one every 1 to 9 hours over 40 days. */
    private static List<Transaction> events() {
        Random random = new Random(5);
        List<Transaction> events = new ArrayList<>();
        long t = T0;
        while (t < T0 + 40 * DAY) {
            t += HOUR + (long) (random.nextDouble() * 8 * HOUR);
            events.add(
                    FeatureEngineRandomizedTest.event(
                                    "a", t, 1 + random.nextInt(9_999), Channel.POS, "m", null, 0)
                            .txn());
        }
        return events;
    }

    private static EntityEngine engine(FeatureSpec... features) {
        return new EntityEngine(
                new EntitySpec("account", "account_id", List.of(features), null, null),
                Transaction.getClassSchema());
    }

    private static void run(
            EntityEngine engine, EntityState state, ColdPanes cold, List<Transaction> events) {
        double[] out = new double[engine.width()];
        for (Transaction t : events) {
            engine.update(state, cold, t, t.getEventTime().toEpochMilli(), out, 0, null);
        }
    }

    private static EntityState restore(EntityEngine from, EntityState state, EntityEngine to)
            throws IOException {
        DataOutputSerializer bytes = new DataOutputSerializer(4096);
        from.write(state, bytes);
        return to.read(new DataInputStream(new ByteArrayInputStream(bytes.getCopyOfBuffer())));
    }

    private static List<String> blocks(ColdPanes.InMemory cold) {
        return cold.sortedBlocks().stream()
                .map(b -> b.getKey() + ":" + HexFormat.of().formatHex(b.getValue()))
                .toList();
    }

    @Test
    void featuresOfOneWindowShareBlocksAndTheHotStateStaysSmall() throws IOException {
        List<Transaction> events = events();
        EntityEngine engine = engine(SUM_30D, COUNT_30D);
        EntityState state = engine.newState();
        ColdPanes.InMemory cold = ColdPanes.inMemory();
        run(engine, state, cold, events);
        EntityEngine alone = engine(SUM_30D);
        EntityState aloneState = alone.newState();
        ColdPanes.InMemory aloneCold = ColdPanes.inMemory();
        run(alone, aloneState, aloneCold, events);

        // 30 days of 2-hour panes in blocks of 45 panes: the window spans 8 or 9 blocks, the
        // oldest and newest hot, one entry per block for both features.
        assertThat(cold.size()).isBetween(6, 7).isEqualTo(aloneCold.size());
        DataOutputSerializer hot = new DataOutputSerializer(4096);
        engine.write(state, hot);
        // About 110 panes in the window, of which the hot state holds two blocks' worth.
        assertThat(cold.bytes()).isGreaterThan(2 * hot.length());
    }

    @Test
    void anUpgradeRemovesTheColdPanesOfTheFeaturesItDrops() throws IOException {
        List<Transaction> events = events();
        List<Transaction> before = events.subList(0, events.size() - 20);
        List<Transaction> after = events.subList(events.size() - 20, events.size());
        EntityEngine v1 = engine(SUM_30D, COUNT_30D, MAX_7D);
        EntityState state = v1.newState();
        ColdPanes.InMemory cold = ColdPanes.inMemory();
        run(v1, state, cold, before);
        assertThat(cold.size()).isPositive();

        // count_30d and max_7d dropped, count_1h added; sum_30d keeps its state and cold panes.
        EntityEngine v2 = engine(SUM_30D, COUNT_1H);
        EntityState restored = restore(v1, state, v2);
        run(v2, restored, cold, after);
        // sum_30d alone from the start holds the very same blocks.
        EntityEngine sumOnly = engine(SUM_30D);
        EntityState reference = sumOnly.newState();
        ColdPanes.InMemory referenceCold = ColdPanes.inMemory();
        run(sumOnly, reference, referenceCold, events);
        assertThat(blocks(cold)).isEqualTo(blocks(referenceCold));

        // Every long window dropped: nothing cold remains after the next event.
        EntityEngine v3 = engine(COUNT_1H);
        EntityState last = restore(v2, restored, v3);
        Transaction next =
                FeatureEngineRandomizedTest.event(
                                "a", restored.newestEventTime + HOUR, 5, Channel.POS, "m", null, 0)
                        .txn();
        run(v3, last, cold, List.of(next));
        assertThat(cold.isEmpty()).isTrue();
    }

    @Test
    void aStateMadeUnderOtherDefinitionsIsAdaptedWithItsColdPanes() {
        // The heap backend restores states with the engine of the definitions they were written
        // with; the current engine adapts them at their next event.
        List<Transaction> events = events();
        EntityEngine v1 = engine(COUNT_30D, SUM_30D);
        EntityState state = v1.newState();
        ColdPanes.InMemory cold = ColdPanes.inMemory();
        run(v1, state, cold, events.subList(0, events.size() - 20));
        EntityEngine v2 = engine(COUNT_1H, SUM_30D);
        run(v2, state, cold, events.subList(events.size() - 20, events.size()));

        EntityEngine sumOnly = engine(SUM_30D);
        ColdPanes.InMemory referenceCold = ColdPanes.inMemory();
        EntityState reference = sumOnly.newState();
        run(sumOnly, reference, referenceCold, events);
        double[] a = new double[2];
        double[] b = new double[1];
        Transaction next =
                FeatureEngineRandomizedTest.event(
                                "a", state.newestEventTime + HOUR, 5, Channel.POS, "m", null, 0)
                        .txn();
        v2.update(state, cold, next, next.getEventTime().toEpochMilli(), a, 0, null);
        sumOnly.update(
                reference, referenceCold, next, next.getEventTime().toEpochMilli(), b, 0, null);
        assertThat(a[1]).isEqualTo(b[0]);
        assertThat(cold.size()).isEqualTo(referenceCold.size());
    }

    @Test
    void anEntityThatStartsOverKeepsNoColdPanes() {
        List<Transaction> events = events();
        EntityEngine engine = engine(SUM_30D, MAX_7D);
        EntityState state = engine.newState();
        ColdPanes.InMemory cold = ColdPanes.inMemory();
        run(engine, state, cold, events);
        assertThat(cold.isEmpty()).isFalse();
        // The TTL is the longest window: an event 30 days after the newest starts over.
        Transaction late =
                FeatureEngineRandomizedTest.event(
                                "a", state.newestEventTime + 30 * DAY, 7, Channel.POS, "m", null, 0)
                        .txn();
        double[] out = new double[2];
        engine.update(state, cold, late, late.getEventTime().toEpochMilli(), out, 0, null);
        assertThat(out).containsExactly(7.0, 7.0);
        assertThat(cold.isEmpty()).isTrue();
    }

    @Test
    void windowsOfFewPanesNeverGoCold() {
        EntityEngine engine =
                engine(
                        FeatureSpec.of("count_1h", Aggregation.COUNT)
                                .window("1h")
                                .resolution("5m")
                                .build());
        EntityState state = engine.newState();
        ColdPanes.InMemory cold = ColdPanes.inMemory();
        List<Transaction> dense = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            dense.add(
                    FeatureEngineRandomizedTest.event(
                                    "a", T0 + i * 10_000L, 1, Channel.POS, "m", null, i)
                            .txn());
        }
        run(engine, state, cold, dense);
        assertThat(cold.isEmpty()).isTrue();
    }

    /**
     * The cold rule: a complete block between the oldest and the newest goes cold with at least
     * {@link PaneWindow#MIN_COLD_PANES} non-empty panes, and stays hot with fewer.
     */
    @Test
    void aBlockGoesColdOnlyWithEnoughPanes() {
        assertThat(PaneWindow.MIN_COLD_PANES).isEqualTo(8);
        // 30 days of 2-hour panes: blocks of 45 panes (90 hours) starting at multiples of 90 hours.
        long block = 45 * 2 * HOUR;
        long start = Math.floorDiv(T0, block) * block + block;
        for (int panes : new int[] {PaneWindow.MIN_COLD_PANES - 1, PaneWindow.MIN_COLD_PANES}) {
            EntityEngine engine = engine(COUNT_30D);
            EntityState state = engine.newState();
            ColdPanes.InMemory cold = ColdPanes.inMemory();
            List<Transaction> events = new ArrayList<>();
            // Three blocks: one event, `panes` events in panes of their own, then one event.
            events.add(event(start + HOUR));
            for (int i = 0; i < panes; i++) {
                events.add(event(start + block + i * 2 * HOUR + HOUR));
            }
            events.add(event(start + 2 * block + HOUR));
            run(engine, state, cold, events);
            assertThat(cold.size())
                    .as("blocks cold with %d panes", panes)
                    .isEqualTo(panes >= PaneWindow.MIN_COLD_PANES ? 1 : 0);
            assertThat(engine.hasColdPanes(state)).isEqualTo(!cold.isEmpty());
        }
    }

    private static Transaction event(long time) {
        return FeatureEngineRandomizedTest.event("a", time, 1, Channel.POS, "m", null, 0).txn();
    }
}
