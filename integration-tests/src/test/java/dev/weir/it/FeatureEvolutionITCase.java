package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.cli.train.TrainCommand;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.models.TrainerConfig;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import dev.weir.state.features.FeatureSetEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feature definitions change across a real stop-with-savepoint and restore: an unchanged feature
 * continues exactly, a redefined and an added one restart and are marked warming up, a removed one
 * disappears; and no event is lost or scored twice across the switch.
 */
class FeatureEvolutionITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TestEnvironment.miniCluster();

    private static final String RELEASE_A =
            String.join(
                    "\n",
                    "entities:",
                    "  - name: account",
                    "    key: account_id",
                    "    features:",
                    "      - {name: txn_count_1h, aggregation: count, window: 1h}",
                    "      - {name: amount_sum, aggregation: sum, field: amount_minor, window: 24h}",
                    "      - {name: amount_max_1h, aggregation: max, field: amount_minor, window: 1h}",
                    "  - name: merchant",
                    "    key: merchant_id",
                    "    features:",
                    "      - {name: txn_count_1h, aggregation: count, window: 1h}",
                    "");

    /** amount_sum redefined (24h to 12h), amount_max_1h removed, amount_mean_1h added. */
    private static final String RELEASE_B =
            String.join(
                    "\n",
                    "entities:",
                    "  - name: account",
                    "    key: account_id",
                    "    features:",
                    "      - {name: txn_count_1h, aggregation: count, window: 1h}",
                    "      - {name: amount_sum, aggregation: sum, field: amount_minor, window: 12h}",
                    "      - {name: amount_mean_1h, aggregation: mean, field: amount_minor, window: 1h}",
                    "  - name: merchant",
                    "    key: merchant_id",
                    "    features:",
                    "      - {name: txn_count_1h, aggregation: count, window: 1h}",
                    "");

    private static final int PER_BATCH = 1_000;

    @TempDir Path dir;

    @Test
    void unchangedFeaturesContinueAcrossAStopWithSavepointAndRestore() throws Exception {
        Path featuresA = Files.writeString(dir.resolve("a.yaml"), RELEASE_A);
        Path featuresB = Files.writeString(dir.resolve("b.yaml"), RELEASE_B);
        FeatureSet setA = FeatureSets.load(featuresA.toString());
        FeatureSet setB = FeatureSets.load(featuresB.toString());
        TrainerConfig small = new TrainerConfig(List.of(8), 1, 0.01, 256, 0.2, 3L);
        TrainCommand.train(
                dir.resolve("model-a"), setA, "evo", "1", 5L, 3_000, 200, 100, 0.05, small);
        TrainCommand.train(
                dir.resolve("model-b"), setB, "evo", "2", 5L, 3_000, 200, 100, 0.05, small);

        String suffix = TestEnvironment.uniqueName("evo");
        Map<String, String> settings =
                TestEnvironment.settings(suffix, dir.resolve("warehouse"), dir.resolve("model-a"));
        // One subtask: every entity sees its events in order, so the expected values are exact.
        settings.put("pipeline.parallelism", "1");
        settings.put("features.definitions", featuresA.toString());
        PipelineConfig configA = PipelineConfig.from(settings);
        settings.put("features.definitions", featuresB.toString());
        settings.put("model.dir", dir.resolve("model-b").toString());
        PipelineConfig configB = PipelineConfig.from(settings);
        TestEnvironment.kafka().createTopics(1, configA.transactionsTopic());
        TestEnvironment.kafka()
                .createTopics(2, configA.scoresTopic(), configA.dlqTopic(), configA.controlTopic());
        var catalogLoader = Catalogs.loader(configA);
        Catalog catalog = catalogLoader.loadCatalog();
        WeirTables.ensure(catalog, configA.namespace());

        TransactionGenerator generator = new TransactionGenerator(77L, 60, 0.03);
        long start = System.currentTimeMillis() - 4 * 3_600_000L;
        List<Transaction> batch1 = produce(configA, generator, start, 0);
        List<Transaction> batch2 = produce(configA, generator, start, PER_BATCH);

        // Release A: runs, then stops with a savepoint.
        JobClient jobA =
                TestEnvironment.pipeline(configA, catalogLoader, false, null)
                        .executeAsync("evolution-a-" + suffix);
        awaitRows(catalog, configA, PER_BATCH);
        String savepoint =
                jobA.stopWithSavepoint(
                                false,
                                dir.resolve("savepoints").toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get(2, TimeUnit.MINUTES);

        // Release B: other definitions, restored from A's savepoint.
        TestEnvironment.send(configA.transactionsTopic(), batch2);
        JobClient jobB =
                TestEnvironment.pipeline(configB, catalogLoader, false, savepoint)
                        .executeAsync("evolution-b-" + suffix);
        try {
            awaitRows(catalog, configA, 2 * PER_BATCH);
            JobProgress.of(MINI_CLUSTER, jobB.getJobID())
                    .awaitCheckpoints(1); // any repeat is committed by now
        } finally {
            jobB.cancel().get();
        }

        // Expected values, recomputed offline by the same engine.
        List<Transaction> all = new ArrayList<>(batch1);
        all.addAll(batch2);
        Map<String, double[]> continuing = offline(setB, all);
        Map<String, double[]> restarted = offline(setB, batch2);
        Set<String> accountsOfA = new HashSet<>();
        batch1.forEach(t -> accountsOfA.add(t.getAccountId()));

        Map<String, Record> rows = new HashMap<>();
        for (Record row : TestEnvironment.rows(catalog, configA.namespace(), WeirTables.FEATURES)) {
            assertThat(rows.put((String) row.getField("transaction_id"), row)).isNull();
        }
        assertThat(rows).hasSize(2 * PER_BATCH);
        List<String> namesB = setB.vectorNames();
        for (Transaction t : batch2) {
            Record row = rows.get(t.getTransactionId());
            assertThat(row.getField("feature_set_version")).isEqualTo(setB.version());
            Map<?, ?> values = (Map<?, ?>) row.getField("features");
            Set<Object> keys = new HashSet<>(values.keySet());
            assertThat(keys)
                    .as("the removed feature is gone")
                    .isEqualTo(new HashSet<Object>(namesB));
            double[] full = continuing.get(t.getTransactionId());
            double[] fresh = restarted.get(t.getTransactionId());
            for (int i = 0; i < namesB.size(); i++) {
                String name = namesB.get(i);
                boolean restarts =
                        name.equals("account.amount_sum") || name.equals("account.amount_mean_1h");
                double expected = restarts ? fresh[i] : full[i];
                assertThat((Double) values.get(name))
                        .as("%s of %s", name, t.getTransactionId())
                        .isEqualTo(expected);
            }
            List<Object> warming = new ArrayList<>((List<?>) row.getField("warming"));
            if (accountsOfA.contains(t.getAccountId())) {
                assertThat(warming)
                        .as("warming of %s", t.getTransactionId())
                        .containsExactlyInAnyOrder(
                                (Object) "account.amount_sum", "account.amount_mean_1h");
            } else {
                assertThat(warming).isEmpty();
            }
        }
        // Release A's rows carry A's definitions, the removed feature included.
        Record first = rows.get(batch1.get(0).getTransactionId());
        assertThat(first.getField("feature_set_version")).isEqualTo(setA.version());
        assertThat(new HashSet<Object>(((Map<?, ?>) first.getField("features")).keySet()))
                .contains((Object) "account.amount_max_1h");

        // Scores: every event exactly once across the switch, by the release that saw it.
        List<Score> scores =
                PipelineITCase.readCommitted(
                        configA.bootstrapServers(), configA.scoresTopic(), Score.class);
        Map<String, String> versionById = new HashMap<>();
        for (Score s : scores) {
            assertThat(versionById.put(s.getTransactionId(), s.getModelVersion()))
                    .as("scored once")
                    .isNull();
        }
        assertThat(versionById).hasSize(2 * PER_BATCH);
        batch1.forEach(t -> assertThat(versionById.get(t.getTransactionId())).isEqualTo("1"));
        batch2.forEach(t -> assertThat(versionById.get(t.getTransactionId())).isEqualTo("2"));
    }

    private static Map<String, double[]> offline(FeatureSet set, List<Transaction> events) {
        FeatureSetEngine engine = new FeatureSetEngine(set, Transaction.getClassSchema());
        Map<String, double[]> out = new HashMap<>();
        for (Transaction t : events) {
            out.put(t.getTransactionId(), engine.update(t, t.getEventTime().toEpochMilli(), null));
        }
        return out;
    }

    private static void awaitRows(Catalog catalog, PipelineConfig config, int rows) {
        Eventually.rows(
                catalog, config.namespace(), WeirTables.FEATURES, rows, Duration.ofMinutes(2));
    }

    /** The next batch of events (generated now, sent later for the second batch). */
    private static List<Transaction> produce(
            PipelineConfig config, TransactionGenerator generator, long start, int first)
            throws Exception {
        List<Transaction> batch = new ArrayList<>();
        for (int i = first; i < first + PER_BATCH; i++) {
            batch.add(generator.next(start + i * 3_000L).transaction());
        }
        if (first == 0) {
            TestEnvironment.send(config.transactionsTopic(), batch);
        }
        return batch;
    }
}
