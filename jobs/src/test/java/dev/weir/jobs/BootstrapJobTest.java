package dev.weir.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.jobs.BootstrapJob.Settings;
import dev.weir.jobs.bootstrap.SavepointBootstrap;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.jobs.pipeline.KafkaIcebergSinks;
import dev.weir.jobs.pipeline.Uids;
import dev.weir.operators.features.FeatureOrdering;
import dev.weir.operators.features.FeatureStages;
import dev.weir.operators.features.FeatureVectors;
import dev.weir.operators.iceberg.RowConverters;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.Channel;
import dev.weir.schemas.EntityFeatures;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A savepoint bootstrapped from the Iceberg events table up to a time T, restored into the
 * streaming feature stages that then see the events after T, gives those events exactly the feature
 * values of one ordered run over all events: the same bits. The history arrives shuffled, in two
 * commits, over several accounts, merchants and devices (some events without a device, some of one
 * account at the same millisecond); the entities' expiry timers are in the savepoint.
 */
class BootstrapJobTest {

    private static final int PARALLELISM = 2;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant T = START.plus(Duration.ofHours(48));
    private static final int EVENTS = 800;
    private static final String IDLE_DEVICE = "dev-idle";

    @TempDir Path dir;

    private Map<String, String> settings;
    private PipelineConfig config;
    private List<Transaction> events;
    private Map<String, FeaturedTransaction> reference;

    @BeforeEach
    void historyInIcebergAndReference() throws Exception {
        settings = new HashMap<>();
        settings.put("kafka.bootstrap-servers", "127.0.0.1:9");
        settings.put("iceberg.warehouse", dir.resolve("warehouse").toString());
        settings.put("model.dir", dir.resolve("model").toString());
        settings.put("pipeline.parallelism", Integer.toString(PARALLELISM));
        config = PipelineConfig.from(settings);
        events = events();
        List<Transaction> shuffled = new ArrayList<>(events);
        Collections.shuffle(shuffled, new Random(7));
        CatalogLoader catalog = Catalogs.loader(config);
        Catalogs.ensureTables(catalog.loadCatalog(), config);
        // Two commits, so the source reads several files.
        appendEvents(config, catalog, shuffled.subList(0, EVENTS / 2));
        appendEvents(config, catalog, shuffled.subList(EVENTS / 2, shuffled.size()));
        reference = orderedRunOverAllEvents(shuffled);
        assertThat(reference).hasSize(events.size());
    }

    @Test
    void theStagesRestoredFromTheBootstrapGiveTheEventsAfterItTheValuesOfOneRunOverAll()
            throws Exception {
        String savepoint = bootstrap(new Settings(T, null, List.of(), null, null));

        Restored restored = runAfterT(savepoint);
        assertEqualToReference(restored.featured());

        // The idle device's state expired in the stream (its timer came with the savepoint).
        long lastIdle =
                events.stream()
                        .filter(e -> IDLE_DEVICE.equals(e.getDeviceId()))
                        .mapToLong(e -> e.getEventTime().toEpochMilli())
                        .max()
                        .orElseThrow();
        long ttl = config.featureSet().entity("device").effectiveTtl().toMillis();
        long expiry = lastIdle + ttl;
        assertThat(expiry).isLessThan(T.toEpochMilli());
        // Expiry timers are rounded up to a 64th of the TTL.
        long step = ttl / 64;
        long expiryTimer = Math.floorDiv(expiry + step - 1, step) * step;
        assertThat(restored.entityFeatures())
                .filteredOn(f -> f.getEntity().equals("device"))
                .filteredOn(f -> f.getEntityId().equals(IDLE_DEVICE))
                .singleElement()
                .satisfies(
                        f -> {
                            assertThat(f.getNames()).as("an expiry record").isEmpty();
                            assertThat(f.getAsOf().toEpochMilli()).isEqualTo(expiryTimer);
                        });
    }

    @Test
    void fromAnExistingSavepointTheChosenStagesAreReplacedAndTheOthersKept() throws Exception {
        // Merchant and device state of every event, after T included: wrong for a start at T.
        String wrong =
                bootstrap(new Settings(null, null, List.of("merchant", "device"), null, null));
        // The account stage is added, the others kept.
        String withAccount = bootstrap(new Settings(T, null, List.of("account"), wrong, null));
        // Merchant and device are replaced; the account's state stays.
        String fixed =
                bootstrap(new Settings(T, null, List.of("merchant", "device"), withAccount, null));

        assertEqualToReference(runAfterT(fixed).featured());
        assertThatThrownBy(() -> assertEqualToReference(runAfterT(withAccount).featured()))
                .as("the merchant and device state kept from the first savepoint")
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void asOfASnapshotTheHistoryIsWhatThatSnapshotHeld() throws Exception {
        // A warehouse of its own: the history up to T in one commit, then the events after it.
        Map<String, String> own = new HashMap<>(settings);
        own.put("iceberg.warehouse", dir.resolve("snapshots-warehouse").toString());
        PipelineConfig appended = PipelineConfig.from(own);
        CatalogLoader catalog = Catalogs.loader(appended);
        Catalogs.ensureTables(catalog.loadCatalog(), appended);
        TableIdentifier eventsTable = TableIdentifier.of(appended.namespace(), WeirTables.EVENTS);
        appendEvents(
                appended,
                catalog,
                events.stream().filter(e -> !e.getEventTime().isAfter(T)).toList());
        long historyEnd =
                catalog.loadCatalog().loadTable(eventsTable).currentSnapshot().snapshotId();
        appendEvents(
                appended,
                catalog,
                events.stream().filter(e -> e.getEventTime().isAfter(T)).toList());

        String savepoint =
                BootstrapJob.run(
                        appended,
                        new Settings(null, historyEnd, List.of(), null, null),
                        dir.resolve("savepoints").toString());

        assertEqualToReference(runAfterT(savepoint).featured());
        assertThatThrownBy(
                        () ->
                                BootstrapJob.run(
                                        appended,
                                        new Settings(null, historyEnd + 1, List.of(), null, null),
                                        dir.resolve("savepoints").toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no snapshot " + (historyEnd + 1));
    }

    @Test
    void refusesAnEntityTheFeatureSetDoesNotHave() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThatThrownBy(
                        () ->
                                BootstrapJob.define(
                                        env,
                                        config,
                                        new Settings(null, null, List.of("acount"), null, null),
                                        Map.of(),
                                        dir.resolve("never").toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no entity 'acount'")
                .hasMessageContaining("[account, merchant, device]");
    }

    @Test
    void eventsWaitingInAStageOfTheExistingSavepointWaitAgainAndAreNotInItsHistory()
            throws Exception {
        // As the stream holds them at a savepoint: the newest events before T wait in the account
        // stage for the watermark; no stage has aggregated them yet.
        List<Transaction> beforeT =
                events.stream().filter(e -> !e.getEventTime().isAfter(T)).toList();
        List<Transaction> waiting = beforeT.subList(beforeT.size() - 6, beforeT.size());
        String version = config.featureSet().prefixVersion(0);
        String existing = BootstrapJob.newSavepointPath(dir.resolve("savepoints").toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        env.setParallelism(PARALLELISM);
        SavepointWriter writer =
                SavepointWriter.newSavepoint(env, SavepointBootstrap.maxParallelism(PARALLELISM));
        SavepointBootstrap.define(
                writer,
                env.fromData(beforeT, WeirTypes.TRANSACTION),
                config.featureSet(),
                config.featureSet().entities(),
                Map.of(
                        "account",
                        waiting.stream().map(t -> FeatureVectors.start(t, version)).toList()));
        writer.write(existing);
        env.execute("existing");

        String replaced = bootstrap(new Settings(T, null, List.of("account"), existing, null));

        Restored restored = runAfterT(replaced, waiting.size());
        assertEqualToReference(restored.featured());
        for (Transaction w : waiting) {
            String id = w.getTransactionId();
            assertThat(restored.featured()).as("vector of waiting " + id).containsKey(id);
            assertThat(restored.featured().get(id).getFeatures())
                    .as("features of waiting " + id)
                    .isEqualTo(reference.get(id).getFeatures());
        }
    }

    private String bootstrap(Settings settings) throws Exception {
        return BootstrapJob.run(config, settings, dir.resolve("savepoints").toString());
    }

    /** The events after T, arriving out of order, through the streaming stages from a savepoint. */
    private Restored runAfterT(String savepoint) throws Exception {
        return runAfterT(savepoint, 0);
    }

    /**
     * @param waiting events waiting in the savepoint's stages, whose vectors come out too
     */
    private Restored runAfterT(String savepoint, int waiting) throws Exception {
        Configuration conf = noRestart();
        conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        env.setParallelism(PARALLELISM);
        List<Transaction> after = events.stream().filter(e -> e.getEventTime().isAfter(T)).toList();
        DataStream<Transaction> stream =
                env.fromData(WeirTypes.TRANSACTION, disordered(after).toArray(Transaction[]::new))
                        .assignTimestampsAndWatermarks(
                                WatermarkStrategy.<Transaction>forBoundedOutOfOrderness(
                                                Duration.ofMinutes(30))
                                        .withTimestampAssigner(
                                                (t, ts) -> t.getEventTime().toEpochMilli()));
        FeatureStages.Result result =
                FeatureStages.apply(
                        stream,
                        config.featureSet(),
                        Uids.FEATURES,
                        FeatureOrdering.ORDERED,
                        Duration.ZERO,
                        true);
        CloseableIterator<FeaturedTransaction> featured = result.featured().collectAsync();
        CloseableIterator<FeaturedTransaction> late = result.late().collectAsync();
        CloseableIterator<EntityFeatures> entityFeatures = result.entityFeatures().collectAsync();
        env.execute("after T");
        Restored restored = new Restored(new HashMap<>(), new ArrayList<>());
        featured.forEachRemaining(
                f -> restored.featured().put(f.getTransaction().getTransactionId(), f));
        entityFeatures.forEachRemaining(restored.entityFeatures()::add);
        assertThat(late.hasNext()).as("late events").isFalse();
        assertThat(restored.featured()).hasSize(after.size() + waiting);
        return restored;
    }

    private record Restored(
            Map<String, FeaturedTransaction> featured, List<EntityFeatures> entityFeatures) {}

    private void assertEqualToReference(Map<String, FeaturedTransaction> after) {
        List<String> names = config.featureSet().vectorNames();
        int account = names.indexOf("account.txn_count_24h");
        Map<String, Integer> seenAfterT = new HashMap<>();
        int withHistory = 0;
        for (Transaction e : events) {
            if (!e.getEventTime().isAfter(T)) {
                continue;
            }
            String id = e.getTransactionId();
            FeaturedTransaction expected = reference.get(id);
            FeaturedTransaction actual = after.get(id);
            assertThat(actual).as(id).isNotNull();
            for (int i = 0; i < names.size(); i++) {
                // The same bits: -0.0 and NaN payloads count too.
                assertThat(Double.doubleToRawLongBits(actual.getFeatures().get(i)))
                        .as(
                                "%s of %s: reference %s, from the savepoint %s",
                                names.get(i),
                                id,
                                expected.getFeatures().get(i),
                                actual.getFeatures().get(i))
                        .isEqualTo(Double.doubleToRawLongBits(expected.getFeatures().get(i)));
            }
            assertThat(actual.getWarming()).as("warming of " + id).isEqualTo(expected.getWarming());
            int seen = seenAfterT.merge(e.getAccountId(), 1, Integer::sum);
            if (expected.getFeatures().get(account) > seen) {
                withHistory++;
            }
        }
        assertThat(withHistory)
                .as("events after T whose account counts include events before it")
                .isGreaterThan(50);
    }

    /** The BATCH backfill's path: every event through the ordered stages. */
    private Map<String, FeaturedTransaction> orderedRunOverAllEvents(List<Transaction> shuffled)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(noRestart());
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        env.setParallelism(PARALLELISM);
        DataStream<Transaction> all =
                env.fromData(WeirTypes.TRANSACTION, shuffled.toArray(Transaction[]::new))
                        .assignTimestampsAndWatermarks(
                                WatermarkStrategy.<Transaction>forMonotonousTimestamps()
                                        .withTimestampAssigner(
                                                (t, ts) -> t.getEventTime().toEpochMilli()));
        FeatureSet featureSet = config.featureSet();
        Map<String, FeaturedTransaction> byId = new HashMap<>();
        try (CloseableIterator<FeaturedTransaction> it =
                FeatureStages.apply(all, featureSet, Uids.FEATURES, FeatureOrdering.ORDERED)
                        .featured()
                        .executeAndCollect()) {
            it.forEachRemaining(f -> byId.put(f.getTransaction().getTransactionId(), f));
        }
        return byId;
    }

    /**
     * Appends events to the events table of {@code config}'s catalog, as the pipeline writes them.
     */
    static void appendEvents(PipelineConfig config, CatalogLoader catalog, List<Transaction> batch)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(noRestart());
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        env.setParallelism(PARALLELISM);
        KafkaIcebergSinks.appendToIceberg(
                env.fromData(WeirTypes.TRANSACTION, batch.toArray(Transaction[]::new)),
                new RowConverters.EventRow(),
                WeirTables.EVENTS_SCHEMA,
                catalog,
                config.namespace(),
                WeirTables.EVENTS,
                "test-to-row",
                "test-events");
        env.execute("events");
    }

    /** Neighbours swapped in blocks of eight: out of order by minutes, never late. */
    private static List<Transaction> disordered(List<Transaction> inOrder) {
        List<Transaction> out = new ArrayList<>();
        Random random = new Random(11);
        for (int i = 0; i < inOrder.size(); i += 8) {
            List<Transaction> block =
                    new ArrayList<>(inOrder.subList(i, Math.min(i + 8, inOrder.size())));
            Collections.shuffle(block, random);
            out.addAll(block);
        }
        return out;
    }

    /**
     * About 66 hours of payments, in event-time order: 20 accounts, 5 merchants, 8 devices and
     * events without one; every 25th at the same millisecond as the one before, of the same
     * account; an idle device seen only in the first hours.
     */
    private static List<Transaction> events() {
        Random random = new Random(3);
        String[] countries = {"DE", "FR", "NL", "ES"};
        List<Transaction> out = new ArrayList<>();
        long time = START.toEpochMilli();
        String previousAccount = null;
        for (int i = 0; i < EVENTS; i++) {
            String account;
            if (i % 25 == 24) {
                account = previousAccount;
            } else {
                time += 60_000L + random.nextInt(8 * 60_000);
                account = "acc-" + random.nextInt(20);
            }
            String device;
            if (i < 5) {
                device = IDLE_DEVICE;
            } else {
                device = random.nextInt(10) < 3 ? null : "dev-" + random.nextInt(8);
            }
            out.add(
                    Transaction.newBuilder()
                            // Ties are taken by id, not by arrival: ids unrelated to time order.
                            .setTransactionId(String.format("t-%04d", (i * 37) % 10_000))
                            .setAccountId(account)
                            .setCardId("card-" + account)
                            .setMerchantId("m-" + random.nextInt(5))
                            .setMerchantCategory("5411")
                            .setDeviceId(device)
                            .setAmountMinor(100 + random.nextInt(50_000))
                            .setCurrency("EUR")
                            .setCountry(countries[random.nextInt(countries.length)])
                            .setChannel(random.nextBoolean() ? Channel.POS : Channel.ONLINE)
                            .setEventTime(Instant.ofEpochMilli(time))
                            .build());
            previousAccount = account;
        }
        assertThat(Instant.ofEpochMilli(time)).isAfter(T.plus(Duration.ofHours(12)));
        return out;
    }

    private static Configuration noRestart() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return conf;
    }
}
