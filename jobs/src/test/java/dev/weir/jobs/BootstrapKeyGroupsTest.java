package dev.weir.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.jobs.BootstrapJob.Settings;
import dev.weir.jobs.bootstrap.SavepointBootstrap;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.operators.features.EntityFeatureStage;
import dev.weir.schemas.Channel;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.EntityState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.configuration.BatchExecutionOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.apache.iceberg.flink.CatalogLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A history whose bytes fall mostly in one half of the key groups, as production's do (a few busy
 * accounts): the savepoint writer's subtasks must each receive exactly the key groups their state
 * owns. A batch scheduler that balanced the keyed exchange by data size handed the second subtask
 * key groups of the first; its writer task died silently and the bootstrap waited forever, so this
 * test has a timeout. Every account of the history must have its state in the savepoint, as of its
 * newest event.
 */
class BootstrapKeyGroupsTest {

    private static final int PARALLELISM = 2;
    private static final int ACCOUNTS = 400;
    private static final int EVENTS = 6_000;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .setConfiguration(smallTasks())
                            .build());

    @TempDir Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void everyAccountOfASkewedHistoryHasItsStateInTheSavepoint() throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("kafka.bootstrap-servers", "127.0.0.1:9");
        settings.put("iceberg.warehouse", dir.resolve("warehouse").toString());
        settings.put("model.dir", dir.resolve("model").toString());
        // No parallelism: the batch scheduler decides it from the data, as for a user who sets
        // none.
        PipelineConfig config = PipelineConfig.from(settings);
        int maxParallelism = SavepointBootstrap.maxParallelism(config.parallelism());

        List<String> lowHalf = new ArrayList<>();
        List<String> highHalf = new ArrayList<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            String account = "acc-" + i;
            int keyGroup = KeyGroupRangeAssignment.assignToKeyGroup(account, maxParallelism);
            (keyGroup < maxParallelism / 2 ? lowHalf : highHalf).add(account);
        }
        Random random = new Random(5);
        Map<String, Long> newest = new HashMap<>();
        List<Transaction> events = new ArrayList<>();
        long time = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
        for (int i = 0; i < EVENTS; i++) {
            // Nineteen in twenty events belong to accounts of the first half of the key groups.
            List<String> half = random.nextInt(20) == 0 ? highHalf : lowHalf;
            String account = half.get(random.nextInt(half.size()));
            time += 1_000 + random.nextInt(30_000);
            newest.put(account, time);
            events.add(event(i, account, time));
        }
        CatalogLoader catalog = Catalogs.loader(config);
        Catalogs.ensureTables(catalog.loadCatalog(), config);
        BootstrapJobTest.appendEvents(config, catalog, events);

        String savepoint =
                BootstrapJob.run(
                        config,
                        new Settings(null, null, List.of("account"), null, null),
                        dir.resolve("savepoints").toString());

        assertThat(newestEventTimes(config, savepoint)).isEqualTo(newest);
    }

    /** A few kilobytes per task, so the scheduler gives this small history several subtasks. */
    private static Configuration smallTasks() {
        Configuration conf = new Configuration();
        conf.set(
                BatchExecutionOptions.ADAPTIVE_AUTO_PARALLELISM_AVG_DATA_VOLUME_PER_TASK,
                MemorySize.parse("16kb"));
        return conf;
    }

    /** Each account in the account stage's state with the newest event time it aggregated. */
    private static Map<String, Long> newestEventTimes(PipelineConfig config, String savepoint)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        SavepointReader reader = SavepointReader.read(env, savepoint);
        Map<String, Long> out = new HashMap<>();
        try (CloseableIterator<Map.Entry<String, Long>> it =
                reader.readKeyedState(
                                OperatorIdentifier.forUid(
                                        SavepointBootstrap.uid(
                                                config.featureSet().entity("account"))),
                                new NewestEventTime(config.featureSet().entity("account")))
                        .executeAndCollect()) {
            it.forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        }
        return out;
    }

    private static final class NewestEventTime
            extends KeyedStateReaderFunction<String, Map.Entry<String, Long>> {
        private static final long serialVersionUID = 1L;
        private final EntitySpec account;
        private transient ValueState<EntityState> state;

        NewestEventTime(EntitySpec account) {
            this.account = account;
        }

        @Override
        public void open(OpenContext openContext) {
            state = getRuntimeContext().getState(EntityFeatureStage.descriptor(account));
        }

        @Override
        public void readKey(String key, Context ctx, Collector<Map.Entry<String, Long>> out)
                throws Exception {
            out.collect(Map.entry(key, state.value().newestEventTime));
        }
    }

    private static Transaction event(int i, String account, long time) {
        return Transaction.newBuilder()
                .setTransactionId(String.format("t-%05d", i))
                .setAccountId(account)
                .setCardId("card-" + account)
                .setMerchantId("m-" + (i % 7))
                .setMerchantCategory("5411")
                .setDeviceId(null)
                .setAmountMinor(100 + i % 5_000)
                .setCurrency("EUR")
                .setCountry("DE")
                .setChannel(Channel.POS)
                .setEventTime(Instant.ofEpochMilli(time))
                .build();
    }
}
