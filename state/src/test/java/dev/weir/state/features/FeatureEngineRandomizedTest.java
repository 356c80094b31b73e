package dev.weir.state.features;

import static dev.weir.state.features.Aggregation.COUNT;
import static dev.weir.state.features.Aggregation.DECAYED_MEAN;
import static dev.weir.state.features.Aggregation.DECAYED_SUM;
import static dev.weir.state.features.Aggregation.DERIVED;
import static dev.weir.state.features.Aggregation.DISTINCT_COUNT;
import static dev.weir.state.features.Aggregation.FIRST;
import static dev.weir.state.features.Aggregation.LAST;
import static dev.weir.state.features.Aggregation.LAST_N;
import static dev.weir.state.features.Aggregation.MAX;
import static dev.weir.state.features.Aggregation.MEAN;
import static dev.weir.state.features.Aggregation.MIN;
import static dev.weir.state.features.Aggregation.STDDEV;
import static dev.weir.state.features.Aggregation.SUM;
import static dev.weir.state.features.Aggregation.TIME_SINCE_PREVIOUS;
import static dev.weir.state.features.Aggregation.VARIANCE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.schemas.Channel;
import dev.weir.schemas.Transaction;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Compares the feature engine, on randomized event streams (bursts, long silences, many keys,
 * disorder of minutes to hours, TTL expiry), against a brute-force reference that recomputes every
 * value from the raw events the entity has received, following the "Semantics" section and the
 * aggregation table of the module README.
 */
class FeatureEngineRandomizedTest {

    private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    private static final long SECOND = 1_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;
    private static final Schema SCHEMA = Transaction.getClassSchema();
    private static final int OFFSET = 3;

    private static final String ONLINE = "channel == 'ONLINE'";
    private static final String BIG = "amount_minor > 50000";
    private static final String NOT_POS_1000 = "channel != 'POS' and amount_minor >= 1000";

    /** The filters used, as the reference evaluates them. */
    private static final Map<String, Predicate<Ev>> FILTERS =
            Map.of(
                    ONLINE, e -> e.channel == Channel.ONLINE,
                    BIG, e -> e.amount > 50_000,
                    NOT_POS_1000, e -> e.channel != Channel.POS && e.amount >= 1_000);

    /** The derived expressions used, as the reference evaluates them (before the default rule). */
    private static final Map<String, BiFunction<Map<String, double[]>, Ev, Double>> DERIVED_REF =
            Map.of(
                    "amount_minor / amount_mean_1h",
                    (v, e) -> div(e.amount, v.get("amount_mean_1h")[0]),
                    "amount_minor / online_sum_24h",
                    (v, e) -> div(e.amount, v.get("online_sum_24h")[0]),
                    "amount_vs_mean * 2 + 1",
                    (v, e) -> v.get("amount_vs_mean")[0] * 2 + 1,
                    "amount_minor - last_amounts.2",
                    (v, e) -> e.amount - v.get("last_amounts")[1],
                    "log1p(amount_sum_24h) + max(amount_min_7d, 0) / (txn_count_1h + 1)",
                    (v, e) ->
                            Math.log1p(v.get("amount_sum_24h")[0])
                                    + Math.max(v.get("amount_min_7d")[0], 0)
                                            / (v.get("txn_count_1h")[0] + 1));

    private static double div(double l, double r) {
        return r == 0 ? Double.NaN : l / r;
    }

    // ------------------------------------------------------------------------------------------
    // Feature declarations
    // ------------------------------------------------------------------------------------------

    private static FeatureSpec.Builder of(String name, Aggregation aggregation) {
        FeatureSpec.Builder b = FeatureSpec.of(name, aggregation);
        return aggregation.needsField() ? b.field("amount_minor") : b;
    }

    /**
     * Every aggregation, windowed (seconds to 30 days, default and explicit resolutions) and
     * lifetime.
     */
    static List<FeatureSpec> allFeatures() {
        return List.of(
                // count
                of("txn_count_10s", COUNT).window("10s").build(),
                of("txn_count_1h", COUNT).window("1h").build(),
                of("txn_count_15m", COUNT).window("15m").build(),
                of("txn_count_30d", COUNT).window("30d").build(),
                // sum
                of("amount_sum_30s", SUM).window("30s").resolution("5s").build(),
                of("amount_sum_24h", SUM).window("24h").resolution("5m").build(),
                of("amount_sum_7d", SUM).window("7d").build(),
                // mean
                of("amount_mean_1h", MEAN).window("1h").build(),
                of("amount_mean_30d", MEAN).window("30d").defaultValue(-1).build(),
                // min / max
                of("amount_min_45s", MIN).window("45s").defaultValue(-1).build(),
                of("amount_min_7d", MIN).window("7d").resolution("1h").build(),
                of("amount_max_1h", MAX).window("1h").build(),
                of("amount_max_30d", MAX).window("30d").defaultValue(-1).build(),
                // variance / stddev
                of("amount_var_24h", VARIANCE).window("24h").build(),
                of("amount_var_2h", VARIANCE)
                        .window("2h")
                        .resolution("1m")
                        .defaultValue(-1)
                        .build(),
                of("amount_std_7d", STDDEV).window("7d").build(),
                of("amount_std_1h", STDDEV).window("1h").resolution("1s").defaultValue(-1).build(),
                // distinct_count
                FeatureSpec.of("merchants_1h", DISTINCT_COUNT)
                        .field("merchant_id")
                        .window("1h")
                        .build(),
                FeatureSpec.of("merchants_30d", DISTINCT_COUNT)
                        .field("merchant_id")
                        .window("30d")
                        .build(),
                FeatureSpec.of("devices_24h", DISTINCT_COUNT)
                        .field("device_id")
                        .window("24h")
                        .build(),
                of("amounts_distinct_7d", DISTINCT_COUNT).window("7d").build(),
                // first / last
                of("first_amount_1h", FIRST).window("1h").defaultValue(-1).build(),
                of("first_amount_7d", FIRST).window("7d").resolution("1h").build(),
                of("last_amount_10s", LAST).window("10s").defaultValue(-1).build(),
                of("last_amount_30d", LAST).window("30d").build(),
                // lifetime
                of("txn_count_all", COUNT).build(),
                of("amount_sum_all", SUM).build(),
                of("amount_mean_all", MEAN).build(),
                of("amount_var_all", VARIANCE).build(),
                of("amount_min_all", MIN).build(),
                of("amount_max_all", MAX).build(),
                of("first_amount", FIRST).build(),
                of("last_amount", LAST).build(),
                FeatureSpec.of("merchants_all", DISTINCT_COUNT).field("merchant_id").build(),
                // last_n, time_since_previous, decayed
                of("last_amounts", LAST_N).n(3).defaultValue(-1).build(),
                of("last_online_amounts", LAST_N).n(5).filter(ONLINE).build(),
                of("secs_since_prev", TIME_SINCE_PREVIOUS).defaultValue(86_400).build(),
                of("secs_since_prev_online", TIME_SINCE_PREVIOUS)
                        .filter(ONLINE)
                        .defaultValue(-1)
                        .build(),
                of("amount_decayed_1h", DECAYED_SUM).halfLife("1h").build(),
                of("amount_decayed_mean_6h", DECAYED_MEAN).halfLife("6h").defaultValue(-1).build(),
                of("online_decayed_10m", DECAYED_SUM)
                        .halfLife("10m")
                        .filter(ONLINE)
                        .defaultValue(-1)
                        .build(),
                // filtered
                of("online_count_1h", COUNT).filter(ONLINE).window("1h").build(),
                of("online_sum_24h", SUM).filter(ONLINE).window("24h").build(),
                of("big_min_7d", MIN).filter(BIG).window("7d").defaultValue(-1).build(),
                FeatureSpec.of("online_merchants_24h", DISTINCT_COUNT)
                        .field("merchant_id")
                        .filter(ONLINE)
                        .window("24h")
                        .build(),
                of("not_pos_first_1h", FIRST)
                        .filter(NOT_POS_1000)
                        .window("1h")
                        .defaultValue(-1)
                        .build(),
                of("online_last_all", LAST).filter(ONLINE).defaultValue(-1).build(),
                // derived
                of("amount_vs_mean", DERIVED)
                        .expression("amount_minor / amount_mean_1h")
                        .defaultValue(1)
                        .build(),
                of("amount_vs_online", DERIVED)
                        .expression("amount_minor / online_sum_24h")
                        .defaultValue(1)
                        .build(),
                of("vs_mean_scaled", DERIVED).expression("amount_vs_mean * 2 + 1").build(),
                of("minus_prev2", DERIVED).expression("amount_minor - last_amounts.2").build(),
                of("log_sum", DERIVED)
                        .expression(
                                "log1p(amount_sum_24h) + max(amount_min_7d, 0) / (txn_count_1h + 1)")
                        .build());
    }

    // ------------------------------------------------------------------------------------------
    // Tests
    // ------------------------------------------------------------------------------------------

    @Test
    void defaultResolutionsAreTheOnesTheReadmeNames() {
        assertThat(FeatureSpec.defaultResolution(Duration.ofHours(1)))
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(FeatureSpec.defaultResolution(Duration.ofHours(24)))
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(FeatureSpec.defaultResolution(Duration.ofDays(7)))
                .isEqualTo(Duration.ofMinutes(30));
        assertThat(FeatureSpec.defaultResolution(Duration.ofDays(30)))
                .isEqualTo(Duration.ofHours(2));
        assertThat(FeatureSpec.defaultResolution(Duration.ofDays(90)))
                .isEqualTo(Duration.ofHours(6));
        for (FeatureSpec f : allFeatures()) {
            if (f.window() != null) {
                Duration expected =
                        f.resolution() != null
                                ? f.resolution()
                                : readmeDefaultResolution(f.window());
                assertThat(f.effectiveResolution()).as(f.name()).isEqualTo(expected);
            }
        }
    }

    /**
     * Every aggregation against the brute-force reference.
     *
     * @param lateness allowed lateness in minutes
     * @param ttlHours explicit ttl in hours, 0 for the default (the longest window, 30d)
     */
    @ParameterizedTest(name = "seed={0} accounts={1} events={2} lateness={3}m ttl={4}h")
    @CsvSource({
        "1, 30, 12000, 10, 0",
        "2, 30, 12000, 60, 72",
        "3, 4, 8000, 0, 0",
        "4, 4, 8000, 5, 30",
    })
    void everyAggregationMatchesTheBruteForceReference(
            long seed, int accounts, int events, long latenessMinutes, long ttlHours) {
        Duration lateness = Duration.ofMinutes(latenessMinutes);
        Duration ttl = ttlHours == 0 ? null : Duration.ofHours(ttlHours);
        EntitySpec spec = new EntitySpec("account", "account_id", allFeatures(), lateness, ttl);
        EntityEngine engine = new EntityEngine(spec, SCHEMA);
        long ttlMillis = ttlHours == 0 ? 30 * DAY : ttlHours * HOUR;
        assertThat(spec.effectiveTtl().toMillis()).isEqualTo(ttlMillis);

        List<Ev> stream =
                generate(new Random(seed), accounts, events, lateness.toMillis(), ttlMillis, 500);
        Mismatches mismatches = new Mismatches();
        Map<String, EntityState> states = new HashMap<>();
        Map<String, CountingColdPanes> colds = new HashMap<>();
        Map<String, Ref> refs = new HashMap<>();
        ReleasedReference released = new ReleasedReference(spec, SCHEMA);
        int farBehind = 0;
        int restarts = 0;
        int[] width = widths(spec);
        double[] out = new double[OFFSET + engine.width() + 2];
        for (Ev e : stream) {
            EntityState state = states.computeIfAbsent(e.account, k -> engine.newState());
            CountingColdPanes cold = colds.computeIfAbsent(e.account, k -> new CountingColdPanes());
            Ref ref = refs.computeIfAbsent(e.account, k -> new Ref());
            Arrays.fill(out, Double.NaN);
            List<String> warming = new ArrayList<>();
            assertThat(engine.key(e.txn)).isEqualTo(e.account);
            if (ref.now != Long.MIN_VALUE && e.time < ref.now - lateness.toMillis()) {
                farBehind++;
            }
            engine.update(state, cold, e.txn, e.time, out, OFFSET, warming);
            Accept expected = ref.accept(e, ttlMillis);
            restarts += expected.restarted ? 1 : 0;
            assertThat(warming).as("warming of %s", e).isEmpty();
            assertThat(state.newestEventTime).isEqualTo(ref.now);
            assertThat(out[OFFSET - 1]).isNaN();
            assertThat(out[OFFSET + engine.width()]).isNaN();
            compare(spec, width, ref.events, e, ref.now, out, OFFSET, mismatches);
            released.assertSame(e.account, e.txn, e.time, out, OFFSET, warming);
        }
        mismatches.assertNone();
        // The stream really exercised the edges it is meant to.
        assertThat(farBehind).isGreaterThan(10);
        assertThat(restarts).isGreaterThan(0);
        assertThat(mismatches.largeDistinct).isGreaterThan(0);
        // Older panes went cold and came back, some for out-of-order events.
        CountingColdPanes total = new CountingColdPanes();
        colds.values().forEach(total::add);
        assertThat(total.puts).isGreaterThan(300);
        assertThat(total.gets).isGreaterThan(200);
        assertThat(total.removes).isGreaterThan(50);
    }

    /**
     * Events up to 20 days older than their entity's newest, so that many land in blocks of panes
     * that are cold (or in empty blocks between cold ones), against the brute-force reference for
     * every windowed aggregation over 30 and 7 days.
     */
    @Test
    void outOfOrderEventsIntoColdBlocksMatchTheBruteForceReference() {
        List<FeatureSpec> features = new ArrayList<>();
        for (FeatureSpec f : allFeatures()) {
            if (f.window() != null && f.window().toDays() >= 7) {
                features.add(f);
            }
        }
        EntitySpec spec = new EntitySpec("account", "account_id", features, null, null);
        EntityEngine engine = new EntityEngine(spec, SCHEMA);
        long ttlMillis = spec.effectiveTtl().toMillis();
        Random random = new Random(21);
        long[] clocks = new long[3];
        Map<String, EntityState> states = new HashMap<>();
        Map<String, CountingColdPanes> colds = new HashMap<>();
        Map<String, Ref> refs = new HashMap<>();
        Mismatches mismatches = new Mismatches();
        int[] width = widths(spec);
        ReleasedReference released = new ReleasedReference(spec, SCHEMA);
        double[] out = new double[engine.width()];
        int intoOlderBlocks = 0;
        for (int i = 0; i < 6_000; i++) {
            int a = random.nextInt(clocks.length);
            clocks[a] += (long) (random.nextDouble() * 6 * HOUR);
            long time = T0 + clocks[a];
            if (random.nextDouble() < 0.05) {
                time -= (long) (random.nextDouble() * 20 * DAY);
            }
            Ev e =
                    event(
                            "acct" + a,
                            time,
                            1 + random.nextInt(200_000),
                            random.nextBoolean() ? Channel.ONLINE : Channel.POS,
                            "m" + random.nextInt(300),
                            null,
                            i);
            Ref ref = refs.computeIfAbsent(e.account, k -> new Ref());
            // More than two 46-hour blocks of the 30-day windows behind the entity's newest.
            intoOlderBlocks += ref.now - e.time > 4 * DAY && ref.now - e.time < 28 * DAY ? 1 : 0;
            engine.update(
                    states.computeIfAbsent(e.account, k -> engine.newState()),
                    colds.computeIfAbsent(e.account, k -> new CountingColdPanes()),
                    e.txn,
                    e.time,
                    out,
                    0,
                    null);
            ref.accept(e, ttlMillis);
            compare(spec, width, ref.events, e, ref.now, out, 0, mismatches);
            released.assertSame(e.account, e.txn, e.time, out, 0, null);
        }
        mismatches.assertNone();
        assertThat(intoOlderBlocks).isGreaterThan(100);
        CountingColdPanes total = new CountingColdPanes();
        colds.values().forEach(total::add);
        assertThat(total.gets).isGreaterThan(intoOlderBlocks);
    }

    @Test
    void countWithAFieldCountsOnlyEventsWhereTheFieldIsPresent() {
        EntitySpec spec =
                new EntitySpec(
                        "account",
                        "account_id",
                        List.of(
                                FeatureSpec.of("with_device_1h", COUNT)
                                        .field("device_id")
                                        .window("1h")
                                        .build(),
                                FeatureSpec.of("with_device", COUNT).field("device_id").build()),
                        null,
                        null);
        EntityEngine engine = new EntityEngine(spec, SCHEMA);
        EntityState state = engine.newState();
        ColdPanes cold = ColdPanes.inMemory();
        String[] devices = {"d1", null, "d2", null};
        double[] present = {1, 1, 2, 2};
        double[] out = new double[2];
        for (int i = 0; i < devices.length; i++) {
            Ev e = event("a", T0 + i * MINUTE, 100, Channel.POS, "m1", devices[i], i);
            engine.update(state, cold, e.txn, e.time, out, 0, null);
            assertThat(out).as("after %s", e).containsExactly(present[i], present[i]);
        }
    }

    @Test
    void stateWrittenAndReadMidStreamContinuesBitForBit() throws IOException {
        EntitySpec spec =
                new EntitySpec(
                        "account", "account_id", allFeatures(), Duration.ofMinutes(10), null);
        EntityEngine uninterrupted = new EntityEngine(spec, SCHEMA);
        List<Ev> stream = generate(new Random(7), 20, 10_000, 10 * MINUTE, 30 * DAY, 300);
        Random random = new Random(8);
        Map<String, EntityState> plain = new HashMap<>();
        Map<String, EntityState> restored = new HashMap<>();
        // Each run keeps its cold panes, as map state beside the hot value.
        Map<String, ColdPanes> plainCold = new HashMap<>();
        Map<String, ColdPanes> restoredCold = new HashMap<>();
        EntityEngine restoring = new EntityEngine(spec, SCHEMA);
        double[] expected = new double[uninterrupted.width()];
        double[] actual = new double[uninterrupted.width()];
        int roundTrips = 0;
        for (int i = 0; i < stream.size(); i++) {
            Ev e = stream.get(i);
            EntityState a = plain.computeIfAbsent(e.account, k -> uninterrupted.newState());
            EntityState b = restored.get(e.account);
            if (b == null) {
                b = restoring.newState();
                restored.put(e.account, b);
            }
            if (random.nextDouble() < 0.25) {
                // A savepoint between two events; now and then a brand new engine restores it.
                if (random.nextDouble() < 0.2) {
                    restoring = new EntityEngine(spec, SCHEMA);
                }
                b =
                        restoring.read(
                                new DataInputStream(new ByteArrayInputStream(bytes(restoring, b))));
                if (random.nextDouble() < 0.3) {
                    b =
                            restoring.read(
                                    new DataInputStream(
                                            new ByteArrayInputStream(bytes(restoring, b))));
                }
                restored.put(e.account, b);
                roundTrips++;
            }
            List<String> warmingA = new ArrayList<>();
            List<String> warmingB = new ArrayList<>();
            uninterrupted.update(
                    a,
                    plainCold.computeIfAbsent(e.account, k -> ColdPanes.inMemory()),
                    e.txn,
                    e.time,
                    expected,
                    0,
                    warmingA);
            restoring.update(
                    b,
                    restoredCold.computeIfAbsent(e.account, k -> ColdPanes.inMemory()),
                    e.txn,
                    e.time,
                    actual,
                    0,
                    warmingB);
            assertThat(warmingB).as("warming of event %d %s", i, e).isEqualTo(warmingA).isEmpty();
            if (!Arrays.equals(expected, actual)) {
                List<String> names = spec.vectorNames();
                StringBuilder diff = new StringBuilder();
                for (int k = 0; k < expected.length; k++) {
                    if (Double.doubleToLongBits(expected[k])
                            != Double.doubleToLongBits(actual[k])) {
                        diff.append(
                                String.format(
                                        "%n  %s: uninterrupted %s, restored %s",
                                        names.get(k), expected[k], actual[k]));
                    }
                }
                throw new AssertionError("event " + i + " " + e + " differs after restore:" + diff);
            }
            assertThat(b.newestEventTime).isEqualTo(a.newestEventTime);
        }
        assertThat(roundTrips).isGreaterThan(1000);
    }

    /**
     * The heap state backend's copy-on-write: while a checkpoint writes an entity's state, the next
     * event of the entity updates a copy. The copy must continue bit for bit like the uninterrupted
     * state, and nothing the copy does may reach the original being written.
     */
    @Test
    void aCopyContinuesBitForBitAndLeavesTheOriginalAsItWas() throws IOException {
        EntitySpec spec =
                new EntitySpec(
                        "account", "account_id", allFeatures(), Duration.ofMinutes(10), null);
        EntityEngine engine = new EntityEngine(spec, SCHEMA);
        List<Ev> stream = generate(new Random(11), 20, 10_000, 10 * MINUTE, 30 * DAY, 300);
        Random random = new Random(12);
        Map<String, EntityState> plain = new HashMap<>();
        Map<String, EntityState> copied = new HashMap<>();
        Map<String, ColdPanes.InMemory> plainCold = new HashMap<>();
        Map<String, ColdPanes.InMemory> copiedCold = new HashMap<>();
        double[] expected = new double[engine.width()];
        double[] actual = new double[engine.width()];
        int copies = 0;
        for (int i = 0; i < stream.size(); i++) {
            Ev e = stream.get(i);
            EntityState a = plain.computeIfAbsent(e.account, k -> engine.newState());
            EntityState b = copied.computeIfAbsent(e.account, k -> engine.newState());
            ColdPanes.InMemory aCold =
                    plainCold.computeIfAbsent(e.account, k -> ColdPanes.inMemory());
            ColdPanes.InMemory bCold =
                    copiedCold.computeIfAbsent(e.account, k -> ColdPanes.inMemory());
            EntityState original = null;
            byte[] originalBytes = null;
            ColdPanes.InMemory originalCold = null;
            List<String> originalBlocks = null;
            if (random.nextDouble() < 0.3) {
                // The heap backend copies the value and the map state alike.
                original = b;
                originalBytes = bytes(engine, original);
                originalCold = bCold;
                originalBlocks = blocks(bCold);
                b = engine.copy(original);
                bCold = bCold.copy();
                assertThat(bytes(engine, b)).as("copy of %s", e.account).isEqualTo(originalBytes);
                copied.put(e.account, b);
                copiedCold.put(e.account, bCold);
                copies++;
            }
            engine.update(a, aCold, e.txn, e.time, expected, 0, new ArrayList<>());
            engine.update(b, bCold, e.txn, e.time, actual, 0, new ArrayList<>());
            for (int k = 0; k < expected.length; k++) {
                assertThat(Double.doubleToLongBits(actual[k]))
                        .as("%s of event %d %s", spec.vectorNames().get(k), i, e)
                        .isEqualTo(Double.doubleToLongBits(expected[k]));
            }
            if (original != null) {
                assertThat(bytes(engine, original))
                        .as("original of %s after its copy was updated", e.account)
                        .isEqualTo(originalBytes);
                assertThat(blocks(originalCold))
                        .as("cold panes of %s after its copy was updated", e.account)
                        .isEqualTo(originalBlocks);
            }
        }
        assertThat(copies).isGreaterThan(2_000);
    }

    /**
     * The current entity state format (2), hot state and cold blocks, for a fixed stream: pinned,
     * so that a change of any encoding fails here rather than misreading the state of a running job
     * after an upgrade. A deliberate change bumps the format, keeps a reader for the released ones
     * and a test copy of the release that writes them (as {@link ReleasedEntityEngine} and {@link
     * ReleasedEngineParityTest} do for format 1), and records the new digest. (A change of {@link
     * #generate} or of which blocks go cold changes the digest too: check that the format did not
     * change before recording it.)
     */
    @Test
    void theEntityStateFormatIsTheCurrentOne() throws Exception {
        EntitySpec spec =
                new EntitySpec(
                        "account", "account_id", allFeatures(), Duration.ofMinutes(10), null);
        EntityEngine engine = new EntityEngine(spec, SCHEMA);
        Map<String, EntityState> states = new java.util.TreeMap<>();
        Map<String, ColdPanes.InMemory> colds = new HashMap<>();
        double[] out = new double[engine.width()];
        for (Ev e : formatStream(3_000)) {
            if (e != null) {
                engine.update(
                        states.computeIfAbsent(e.account, k -> engine.newState()),
                        colds.computeIfAbsent(e.account, k -> ColdPanes.inMemory()),
                        e.txn,
                        e.time,
                        out,
                        0,
                        null);
            }
        }
        java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
        int blocks = 0;
        for (Map.Entry<String, EntityState> entry : states.entrySet()) {
            digest.update(entry.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            digest.update(bytes(engine, entry.getValue()));
            for (Map.Entry<Long, byte[]> block : colds.get(entry.getKey()).sortedBlocks()) {
                digest.update(java.nio.ByteBuffer.allocate(8).putLong(block.getKey()).array());
                digest.update(block.getValue());
                blocks++;
            }
        }
        assertThat(blocks).isPositive();
        assertThat(java.util.HexFormat.of().formatHex(digest.digest()))
                .as("entity state format 2 (see this test's comment before changing the digest)")
                .isEqualTo("d66fdce630c27245c38990c297e667865efcfcc6a02380033f9fa515250988c4");
    }

    /**
     * The stream of the format digest, {@code n} events long: six accounts, and null for the events
     * more than 10 minutes behind their entity's newest, which a stage would not aggregate.
     */
    private static List<Ev> formatStream(int n) {
        List<Ev> stream = new ArrayList<>();
        Map<String, Long> newest = new HashMap<>();
        for (Ev e : generate(new Random(11), 6, n, 10 * MINUTE, 30 * DAY, 40)) {
            Long now = newest.get(e.account);
            if (now != null && e.time < now - 10 * MINUTE) {
                stream.add(null);
                continue;
            }
            newest.merge(e.account, e.time, Math::max);
            stream.add(e);
        }
        return stream;
    }

    @Test
    void evolutionKeepsUnchangedFeaturesRestartsChangedAndNewOnesAndDropsRemovedOnes()
            throws IOException {
        FeatureSpec a = of("a", SUM).window("24h").resolution("5m").build();
        FeatureSpec b = of("b", COUNT).window("1h").build();
        FeatureSpec c1 = of("c", MAX).window("1h").defaultValue(-1).build();
        FeatureSpec c2 = of("c", MAX).window("2h").defaultValue(-1).build();
        FeatureSpec d = of("d", COUNT).window("30m").build();
        Duration lateness = Duration.ofMinutes(10);
        EntitySpec spec1 =
                new EntitySpec("entity", "account_id", List.of(a, b, c1), lateness, null);
        EntitySpec spec2 =
                new EntitySpec("entity", "account_id", List.of(a, c2, d), lateness, null);
        EntityEngine engine1 = new EntityEngine(spec1, SCHEMA);
        EntityEngine engine2 = new EntityEngine(spec2, SCHEMA);
        assertThat(engine2.width()).isEqualTo(3);
        assertThat(spec2.vectorNames()).containsExactly("entity.a", "entity.c", "entity.d");
        long ttlMillis = spec1.effectiveTtl().toMillis();
        assertThat(spec2.effectiveTtl().toMillis()).isEqualTo(ttlMillis).isEqualTo(DAY);

        List<Ev> stream = generate(new Random(11), 15, 8_000, lateness.toMillis(), ttlMillis, 200);
        int switchAt = stream.size() / 2;
        Map<String, EntityState> states1 = new HashMap<>();
        Map<String, ColdPanes.InMemory> colds1 = new HashMap<>();
        Map<String, Ref> refs = new HashMap<>();
        Mismatches mismatches = new Mismatches();
        int[] width1 = widths(spec1);
        double[] out1 = new double[engine1.width()];
        for (Ev e : stream.subList(0, switchAt)) {
            EntityState s = states1.computeIfAbsent(e.account, k -> engine1.newState());
            ColdPanes cold = colds1.computeIfAbsent(e.account, k -> ColdPanes.inMemory());
            Ref ref = refs.computeIfAbsent(e.account, k -> new Ref());
            List<String> warming = new ArrayList<>();
            engine1.update(s, cold, e.txn, e.time, out1, 0, warming);
            ref.accept(e, ttlMillis);
            assertThat(warming).isEmpty();
            compare(spec1, width1, ref.events, e, ref.now, out1, 0, mismatches);
        }
        mismatches.assertNone();

        // Savepoint under spec1, restored under spec2 (its cold panes copied with it).
        Map<String, EntityState> states2 = new HashMap<>();
        Map<String, ColdPanes.InMemory> colds2 = new HashMap<>();
        for (Map.Entry<String, EntityState> entry : states1.entrySet()) {
            colds2.put(entry.getKey(), colds1.get(entry.getKey()).copy());
            EntityState restored =
                    engine2.read(
                            new DataInputStream(
                                    new ByteArrayInputStream(bytes(engine1, entry.getValue()))));
            assertThat(restored.features()).hasSize(3);
            assertThat(restored.newestEventTime).isEqualTo(entry.getValue().newestEventTime);
            states2.put(entry.getKey(), restored);
        }
        // For c and d: the events since the restore (or since the entity started over).
        Map<String, Ref> fresh = new HashMap<>();
        Map<String, Long> firstAfterRestore = new HashMap<>();
        Set<String> restartedOrNew = new HashSet<>();
        int[] width2 = widths(spec2);
        double[] out2 = new double[engine2.width()];
        int warmingSeen = 0;
        int warmedUp = 0;
        for (Ev e : stream.subList(switchAt, stream.size())) {
            boolean existed = states1.containsKey(e.account);
            EntityState s1 = states1.computeIfAbsent(e.account, k -> engine1.newState());
            EntityState s2 = states2.computeIfAbsent(e.account, k -> engine2.newState());
            ColdPanes cold1 = colds1.computeIfAbsent(e.account, k -> ColdPanes.inMemory());
            ColdPanes cold2 = colds2.computeIfAbsent(e.account, k -> ColdPanes.inMemory());
            if (!existed) {
                restartedOrNew.add(e.account);
            }
            Ref ref = refs.computeIfAbsent(e.account, k -> new Ref());
            Ref post = fresh.computeIfAbsent(e.account, k -> new Ref());
            List<String> warming1 = new ArrayList<>();
            List<String> warming2 = new ArrayList<>();
            engine1.update(s1, cold1, e.txn, e.time, out1, 0, warming1);
            engine2.update(s2, cold2, e.txn, e.time, out2, 0, warming2);
            long nowBefore = ref.now;
            Accept expected = ref.accept(e, ttlMillis);
            if (expected.restarted) {
                restartedOrNew.add(e.account);
                post.events.clear();
            }
            post.events.add(e);
            post.now = ref.now;
            firstAfterRestore.putIfAbsent(e.account, e.time);
            assertThat(nowBefore == Long.MIN_VALUE || ref.now >= nowBefore).isTrue();

            // a: unchanged, continues exactly (bit for bit like the uninterrupted engine, and
            // right).
            assertThat(Double.doubleToLongBits(out2[0]))
                    .as("a of %s", e)
                    .isEqualTo(Double.doubleToLongBits(out1[0]));
            assertThat(out2[0]).isEqualTo(expected(a, ref.events, e, ref.now, Map.of())[0]);
            // c (window changed) and d (new): only the events seen since the restore.
            compare(spec2, width2, post.events, e, ref.now, out2, 0, mismatches, "c", "d");
            // Warming: c and d until their window has passed since the first event after the
            // restore, unless the entity is new or started over since.
            List<String> expectedWarming = new ArrayList<>();
            if (!restartedOrNew.contains(e.account)) {
                long since = firstAfterRestore.get(e.account);
                if (ref.now - since < c2.window().toMillis()) {
                    expectedWarming.add("entity.c");
                }
                if (ref.now - since < d.window().toMillis()) {
                    expectedWarming.add("entity.d");
                }
            }
            assertThat(warming2).as("warming of %s", e).containsExactlyElementsOf(expectedWarming);
            assertThat(warming1).isEmpty();
            warmingSeen += expectedWarming.isEmpty() ? 0 : 1;
            warmedUp += !restartedOrNew.contains(e.account) && expectedWarming.isEmpty() ? 1 : 0;
        }
        mismatches.assertNone();
        assertThat(warmingSeen).isGreaterThan(10);
        assertThat(warmedUp).isGreaterThan(10);

        // b is gone: a state written under spec2 and read back under spec1 has no b any more.
        String account = null;
        for (Map.Entry<String, EntityState> entry : states1.entrySet()) {
            double[] probe = new double[engine1.width()];
            EntityState copy = engine1.copy(entry.getValue());
            Ev next =
                    event(
                            entry.getKey(),
                            copy.newestEventTime + SECOND,
                            100,
                            Channel.POS,
                            "m1",
                            null,
                            0);
            engine1.update(
                    copy, colds1.get(entry.getKey()).copy(), next.txn, next.time, probe, 0, null);
            if (probe[1] > 1) {
                account = entry.getKey();
                break;
            }
        }
        assertThat(account).isNotNull();
        EntityState s1 = states1.get(account);
        EntityState back =
                engine1.read(
                        new DataInputStream(
                                new ByteArrayInputStream(bytes(engine2, states2.get(account)))));
        Ev next = event(account, s1.newestEventTime + SECOND, 100, Channel.POS, "m1", null, 0);
        List<String> warmingBack = new ArrayList<>();
        List<String> warmingUninterrupted = new ArrayList<>();
        double[] backOut = new double[engine1.width()];
        double[] uninterruptedOut = new double[engine1.width()];
        engine1.update(
                back, colds2.get(account).copy(), next.txn, next.time, backOut, 0, warmingBack);
        engine1.update(
                s1,
                colds1.get(account),
                next.txn,
                next.time,
                uninterruptedOut,
                0,
                warmingUninterrupted);
        assertThat(uninterruptedOut[1]).isGreaterThan(1);
        assertThat(backOut[1]).as("b restarted from nothing").isEqualTo(1);
        assertThat(backOut[0]).as("a still kept").isEqualTo(uninterruptedOut[0]);
        assertThat(warmingBack).containsExactly("entity.b", "entity.c");
        assertThat(warmingUninterrupted).isEmpty();
    }

    // ------------------------------------------------------------------------------------------
    // Random streams
    // ------------------------------------------------------------------------------------------

    /** One input event, with the values the reference reads. */
    record Ev(
            long seq,
            String account,
            long time,
            long amount,
            Channel channel,
            String merchant,
            String device,
            Transaction txn) {
        @Override
        public String toString() {
            return String.format(
                    "#%d{account=%s, t=T0%+dms, amount=%d, channel=%s, merchant=%s, device=%s}",
                    seq, account, time - T0, amount, channel, merchant, device);
        }
    }

    static Ev event(
            String account,
            long time,
            long amount,
            Channel channel,
            String merchant,
            String device,
            long seq) {
        Transaction txn =
                Transaction.newBuilder()
                        .setTransactionId(account + "-" + seq)
                        .setAccountId(account)
                        .setCardId("card-" + account)
                        .setMerchantId(merchant)
                        .setMerchantCategory("5411")
                        .setDeviceId(device)
                        .setAmountMinor(amount)
                        .setCurrency("EUR")
                        .setCountry("DE")
                        .setChannel(channel)
                        .setEventTime(java.time.Instant.ofEpochMilli(time))
                        .build();
        return new Ev(seq, account, time, amount, channel, merchant, device, txn);
    }

    /**
     * A stream of many accounts, each on its own clock, interleaved at random (an account often
     * followed by itself: bursts). Gaps within an account: same millisecond, milliseconds, minutes,
     * hours and rare multi-day silences. 10% of events shifted back up to 5 minutes, 2% further
     * back (up to 3 hours), some at event-time ties and at exactly the lateness and TTL edges.
     */
    static List<Ev> generate(
            Random r, int accounts, int n, long latenessMillis, long ttlMillis, int merchants) {
        Channel[] channels = {
            Channel.POS, Channel.POS, Channel.ONLINE, Channel.ONLINE, Channel.ATM, Channel.UNKNOWN
        };
        Map<String, Long> clocks = new HashMap<>();
        Map<String, Long> newest = new HashMap<>();
        Map<String, List<Long>> times = new HashMap<>();
        List<Ev> out = new ArrayList<>(n);
        String previous = null;
        for (int i = 0; i < n; i++) {
            String account =
                    previous != null && r.nextDouble() < 0.3
                            ? previous
                            : "acct" + r.nextInt(accounts);
            previous = account;
            long clock = clocks.computeIfAbsent(account, k -> T0 + (long) (r.nextDouble() * DAY));
            double g = r.nextDouble();
            if (g < 0.03) {
                clock += 0; // same millisecond
            } else if (g < 0.33) {
                clock += r.nextInt(2_000);
            } else if (g < 0.92) {
                clock += r.nextInt((int) (10 * MINUTE));
            } else if (g < 0.995) {
                clock += (long) (r.nextDouble() * 3 * HOUR);
            } else {
                clock += DAY + (long) (r.nextDouble() * 40 * DAY);
            }
            Long now = newest.get(account);
            long t = clock;
            double d = r.nextDouble();
            if (d < 0.10) {
                t = clock - r.nextInt((int) (5 * MINUTE));
            } else if (d < 0.12) {
                t = clock - 5 * MINUTE - (long) (r.nextDouble() * 3 * HOUR);
            } else if (d < 0.14 && times.containsKey(account)) {
                List<Long> ts = times.get(account);
                t = ts.get(ts.size() - 1 - r.nextInt(Math.min(ts.size(), 20))); // an event-time tie
            } else if (d < 0.145 && now != null) {
                t = now - latenessMillis; // exactly the lateness behind now
            } else if (d < 0.15 && now != null) {
                t = now - latenessMillis - 1; // one millisecond more
            } else if (d < 0.151 && now != null) {
                t = now + ttlMillis - 1; // the last moment before expiry
            } else if (d < 0.152 && now != null) {
                t = now + ttlMillis; // expired: starts over
            }
            clocks.put(account, Math.max(clock, t));
            long amount =
                    r.nextDouble() < 0.05
                            ? 1 + r.nextInt(99)
                            : r.nextDouble() < 0.1
                                    ? 100 * (1 + r.nextInt(20))
                                    : 1 + r.nextInt(200_000);
            String merchant = "m" + (r.nextDouble() < 0.3 ? r.nextInt(5) : r.nextInt(merchants));
            String device = r.nextDouble() < 0.3 ? null : "d" + r.nextInt(6);
            Ev e =
                    event(
                            account,
                            t,
                            amount,
                            channels[r.nextInt(channels.length)],
                            merchant,
                            device,
                            i);
            out.add(e);
            newest.merge(account, t, Math::max);
            times.computeIfAbsent(account, k -> new ArrayList<>()).add(t);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // The brute-force reference
    // ------------------------------------------------------------------------------------------

    record Accept(boolean restarted) {}

    /** What the README says an entity holds: its events since it (re)started and its "now". */
    static final class Ref {
        final List<Ev> events = new ArrayList<>();
        long now = Long.MIN_VALUE;

        Accept accept(Ev e, long ttlMillis) {
            boolean restarted = false;
            if (now != Long.MIN_VALUE && e.time >= now + ttlMillis) {
                events.clear();
                now = Long.MIN_VALUE;
                restarted = true;
            }
            events.add(e);
            now = Math.max(now, e.time);
            return new Accept(restarted);
        }
    }

    /** The README rule: the finest nice pane length giving at most 360 panes. */
    static Duration readmeDefaultResolution(Duration window) {
        long[] nice = {
            SECOND,
            5 * SECOND,
            10 * SECOND,
            15 * SECOND,
            30 * SECOND,
            MINUTE,
            5 * MINUTE,
            10 * MINUTE,
            15 * MINUTE,
            30 * MINUTE,
            HOUR,
            2 * HOUR,
            3 * HOUR,
            6 * HOUR,
            12 * HOUR,
            DAY
        };
        long w = window.toMillis();
        for (long r : nice) {
            if (w % r == 0 && w / r <= 360) {
                return Duration.ofMillis(r);
            }
        }
        throw new IllegalArgumentException("no nice resolution for " + window);
    }

    private static boolean matches(FeatureSpec f, Ev e) {
        if (f.filter() != null && !FILTERS.get(f.filter()).test(e)) {
            return false;
        }
        return f.field() == null || value(f.field(), e) != null;
    }

    private static Object value(String field, Ev e) {
        return switch (field) {
            case "amount_minor" -> (double) e.amount;
            case "merchant_id" -> e.merchant;
            case "device_id" -> e.device;
            default -> throw new IllegalArgumentException(field);
        };
    }

    /**
     * The feature's value(s), recomputed from the entity's events (arrival order, current last).
     */
    static double[] expected(
            FeatureSpec f, List<Ev> events, Ev current, long now, Map<String, double[]> values) {
        double def = f.defaultValue();
        switch (f.aggregation()) {
            case DERIVED:
                {
                    double v = DERIVED_REF.get(f.expression()).apply(values, current);
                    return new double[] {Double.isFinite(v) ? v : def};
                }
            case TIME_SINCE_PREVIOUS:
                {
                    long prev = Long.MIN_VALUE;
                    for (int i = 0; i < events.size() - 1; i++) {
                        Ev e = events.get(i);
                        if (matches(f, e)) {
                            prev = Math.max(prev, e.time);
                        }
                    }
                    return new double[] {
                        prev == Long.MIN_VALUE ? def : Math.max(0, current.time - prev) / 1000.0
                    };
                }
            case LAST_N:
                {
                    List<Ev> m = new ArrayList<>();
                    for (Ev e : events) {
                        if (matches(f, e)) {
                            m.add(e);
                        }
                    }
                    // Newest first by event time; among equal times the later arrival first.
                    m.sort(
                            (x, y) ->
                                    x.time != y.time
                                            ? Long.compare(y.time, x.time)
                                            : Long.compare(y.seq, x.seq));
                    double[] v = new double[f.n()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = i < m.size() ? m.get(i).amount : def;
                    }
                    return v;
                }
            case DECAYED_SUM:
            case DECAYED_MEAN:
                {
                    double sum = 0;
                    double weight = 0;
                    boolean any = false;
                    double halfLife = f.halfLife().toMillis();
                    for (Ev e : events) {
                        if (matches(f, e)) {
                            double w = Math.pow(2, -(now - e.time) / halfLife);
                            sum += e.amount * w;
                            weight += w;
                            any = true;
                        }
                    }
                    if (!any) {
                        return new double[] {def};
                    }
                    return new double[] {f.aggregation() == DECAYED_SUM ? sum : sum / weight};
                }
            default:
                break;
        }
        // Windowed (or lifetime) aggregations over the matching events in the window.
        List<Ev> in = new ArrayList<>();
        long lo = Long.MIN_VALUE;
        long res = 0;
        if (f.window() != null) {
            res =
                    (f.resolution() != null ? f.resolution() : readmeDefaultResolution(f.window()))
                            .toMillis();
            long panes = f.window().toMillis() / res;
            lo = Math.floorDiv(now, res) - panes + 1;
        }
        for (Ev e : events) {
            if (!matches(f, e)) {
                continue;
            }
            if (f.window() != null) {
                long p = Math.floorDiv(e.time, res);
                if (p < lo || p > Math.floorDiv(now, res)) {
                    continue;
                }
            }
            in.add(e);
        }
        switch (f.aggregation()) {
            case COUNT:
                return new double[] {in.size()};
            case SUM:
                {
                    long s = 0;
                    for (Ev e : in) {
                        s += e.amount;
                    }
                    return new double[] {s};
                }
            case MEAN:
                {
                    if (in.isEmpty()) {
                        return new double[] {def};
                    }
                    long s = 0;
                    for (Ev e : in) {
                        s += e.amount;
                    }
                    return new double[] {(double) s / in.size()};
                }
            case VARIANCE:
            case STDDEV:
                {
                    if (in.isEmpty()) {
                        return new double[] {def};
                    }
                    long s = 0;
                    for (Ev e : in) {
                        s += e.amount;
                    }
                    double mean = (double) s / in.size();
                    double sq = 0;
                    for (Ev e : in) {
                        sq += (e.amount - mean) * (e.amount - mean);
                    }
                    double var = sq / in.size();
                    return new double[] {f.aggregation() == VARIANCE ? var : Math.sqrt(var)};
                }
            case MIN:
            case MAX:
                {
                    if (in.isEmpty()) {
                        return new double[] {def};
                    }
                    long x = in.get(0).amount;
                    for (Ev e : in) {
                        x = f.aggregation() == MIN ? Math.min(x, e.amount) : Math.max(x, e.amount);
                    }
                    return new double[] {x};
                }
            case FIRST:
            case LAST:
                {
                    if (in.isEmpty()) {
                        return new double[] {def};
                    }
                    Ev pick = in.get(0);
                    for (Ev e : in) {
                        // Ties: first keeps the earliest arrival, last takes the latest arrival.
                        if (f.aggregation() == FIRST ? e.time < pick.time : e.time >= pick.time) {
                            pick = e;
                        }
                    }
                    return new double[] {pick.amount};
                }
            case DISTINCT_COUNT:
                {
                    Set<Object> distinct = new HashSet<>();
                    for (Ev e : in) {
                        distinct.add(value(f.field(), e));
                    }
                    return new double[] {in.isEmpty() ? def : distinct.size()};
                }
            default:
                throw new IllegalStateException(f.aggregation().toString());
        }
    }

    private static int[] widths(EntitySpec spec) {
        int[] offsets = new int[spec.features().size() + 1];
        for (int i = 0; i < spec.features().size(); i++) {
            offsets[i + 1] = offsets[i] + spec.features().get(i).width();
        }
        return offsets;
    }

    /** Compares every feature (or only {@code only}) of the vector with the reference. */
    private static void compare(
            EntitySpec spec,
            int[] offsets,
            List<Ev> events,
            Ev current,
            long now,
            double[] out,
            int base,
            Mismatches mismatches,
            String... only) {
        Map<String, double[]> values = new HashMap<>();
        List<String> selected = Arrays.asList(only);
        for (int i = 0; i < spec.features().size(); i++) {
            FeatureSpec f = spec.features().get(i);
            double[] expected = expected(f, events, current, now, values);
            values.put(f.name(), expected);
            if (!selected.isEmpty() && !selected.contains(f.name())) {
                continue;
            }
            for (int k = 0; k < expected.length; k++) {
                double actual = out[base + offsets[i] + k];
                if (f.aggregation() == DISTINCT_COUNT && expected[k] >= 100) {
                    mismatches.largeDistinct++;
                    mismatches.worstDistinctError =
                            Math.max(
                                    mismatches.worstDistinctError,
                                    Math.abs(actual - expected[k]) / expected[k]);
                }
                if (!close(f, expected[k], actual)) {
                    String name = f.width() == 1 ? f.name() : f.name() + "." + (k + 1);
                    mismatches.add(
                            name,
                            String.format(
                                    "%s: expected %s but engine gave %s for %s (entity now T0%+dms, %d events since start; "
                                            + "last events: %s)",
                                    name,
                                    expected[k],
                                    actual,
                                    current,
                                    now - T0,
                                    events.size(),
                                    events.subList(Math.max(0, events.size() - 6), events.size())));
                }
            }
        }
    }

    private static boolean close(FeatureSpec f, double expected, double actual) {
        if (Double.compare(expected, actual) == 0 || expected == actual) {
            return true;
        }
        if (Double.isNaN(expected) || Double.isNaN(actual)) {
            return false;
        }
        double diff = Math.abs(expected - actual);
        return switch (f.aggregation()) {
            // E[x^2] - mean^2 on exact integer totals: a few ulps of E[x^2] (amounts <= 2e5).
            case VARIANCE -> diff <= 1e-6 * Math.abs(expected) + 1e-4;
            case STDDEV -> diff <= 1e-6 * Math.abs(expected) + 1e-2;
            // Relative, except where a value decayed for weeks has fallen into the subnormal range
            // (below 2.2e-308), which has no relative precision to compare.
            case DECAYED_SUM, DECAYED_MEAN -> diff <= 1e-9 * Math.abs(expected) + 1e-300;
            case DISTINCT_COUNT -> expected >= 100 && diff <= 0.05 * expected;
            default -> false; // everything else is exact
        };
    }

    /** Mismatches per feature: the first one in full, and how many there were. */
    static final class Mismatches {
        private final Map<String, String> first = new LinkedHashMap<>();
        private final Map<String, Integer> count = new LinkedHashMap<>();
        int largeDistinct;
        double worstDistinctError;

        void add(String feature, String message) {
            first.putIfAbsent(feature, message);
            count.merge(feature, 1, Integer::sum);
        }

        void assertNone() {
            if (first.isEmpty()) {
                return;
            }
            StringBuilder sb = new StringBuilder("engine differs from the README reference:");
            first.forEach(
                    (name, message) ->
                            sb.append(
                                    String.format(
                                            "%n- %d mismatches of %s; first: %s",
                                            count.get(name), name, message)));
            throw new AssertionError(sb.toString());
        }
    }

    /** The blocks of a store as text (key and bytes), to compare stores by content. */
    private static List<String> blocks(ColdPanes.InMemory cold) {
        return cold.sortedBlocks().stream()
                .map(b -> b.getKey() + ":" + java.util.HexFormat.of().formatHex(b.getValue()))
                .toList();
    }

    /** A store that counts its reads, writes and removals. */
    static final class CountingColdPanes implements ColdPanes {
        private final ColdPanes.InMemory blocks = ColdPanes.inMemory();
        long gets;
        long puts;
        long removes;

        void add(CountingColdPanes other) {
            gets += other.gets;
            puts += other.puts;
            removes += other.removes;
        }

        @Override
        public byte[] get(long key) {
            gets++;
            return blocks.get(key);
        }

        @Override
        public void put(long key, byte[] block) {
            puts++;
            blocks.put(key, block);
        }

        @Override
        public void remove(long key) {
            removes++;
            blocks.remove(key);
        }

        @Override
        public Iterable<Long> keys() {
            return blocks.keys();
        }

        @Override
        public boolean isEmpty() {
            return blocks.isEmpty();
        }

        @Override
        public void clear() {
            blocks.clear();
        }
    }

    private static byte[] bytes(EntityEngine engine, EntityState state) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(buffer);
        engine.write(state, out);
        out.flush();
        return buffer.toByteArray();
    }
}
