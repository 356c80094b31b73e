package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.jobs.PipelineJob;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.config.WeirOptions;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.models.ModelBundle;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.models.testing.S3TestServer;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline with everything durable on S3, against a real S3 server (S3Proxy in a process of its
 * own, signatures checked against the credentials of the environment): checkpoints on {@code s3://}
 * through Flink's S3 plugin, the model from a registry on {@code s3://}, the Iceberg warehouse on
 * {@code s3://} (S3FileIO) with a jdbc catalog. Payments are scored exactly once in Kafka and in
 * Iceberg across a failure, after which the job restores its state from a checkpoint on S3.
 */
class ObjectStorageITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TestEnvironment.miniCluster();

    private static final String STATE = "weir-state";
    private static final String WAREHOUSE = "weir-warehouse";
    private static final String MODELS = "weir-models";
    private static final int PAYMENTS = 400;

    @TempDir static Path dir;

    private static S3TestServer s3;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = S3TestServer.start(dir.resolve("s3"), STATE, WAREHOUSE, MODELS);
        // The live cluster's S3 settings (credentials from the environment only), pointed at
        // the test server.
        Map<String, String> flink = TestEnvironment.liveS3Settings();
        assertThat(flink).containsKey("s3.aws.credentials.provider");
        flink.putAll(s3.flinkSettings());
        S3TestServer.initializeFlinkFileSystems(Configuration.fromMap(flink));
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
        FileSystem.initialize(new Configuration(), null);
    }

    @Test
    void scoresExactlyOnceWithCheckpointsModelAndTablesOnS3() throws Exception {
        String suffix = TestEnvironment.uniqueName("s3");
        String registryRoot = "s3://" + MODELS + "/registry-" + suffix;
        ModelRegistry registry = new ModelRegistry(registryRoot);
        ModelPointer registered =
                registry.register(ModelBundle.load(TestEnvironment.model()), null);
        registry.promote(registered.name(), registered.version());

        Map<String, String> settings =
                TestEnvironment.settings(suffix, dir.resolve("unused"), TestEnvironment.model());
        settings.remove(WeirOptions.MODEL_DIR.key());
        settings.put(WeirOptions.MODEL_REGISTRY.key(), registryRoot);
        settings.put(WeirOptions.MODEL_NAME.key(), registered.name());
        settings.put(WeirOptions.CATALOG_TYPE.key(), "jdbc");
        settings.put(
                WeirOptions.CATALOG_URI.key(),
                "jdbc:sqlite:" + dir.resolve("catalog-" + suffix + ".db") + "?busy_timeout=60000");
        settings.put(WeirOptions.WAREHOUSE.key(), "s3://" + WAREHOUSE + "/" + suffix);
        settings.put(WeirOptions.ICEBERG_S3_ENDPOINT.key(), s3.endpoint());
        settings.put(WeirOptions.ICEBERG_S3_PATH_STYLE.key(), "true");
        settings.put(WeirOptions.CHECKPOINT_INTERVAL.key(), "1s");
        PipelineConfig config = PipelineConfig.from(settings);
        assertThat(config.modelPointer()).isEqualTo(registered);
        assertThat(config.modelPointer().location()).startsWith("s3://" + MODELS + "/");
        // The submission-time check reads the model from S3 as well.
        PipelineJob.checkModel(config);
        TestEnvironment.kafka()
                .createTopics(
                        2,
                        config.transactionsTopic(),
                        config.scoresTopic(),
                        config.dlqTopic(),
                        config.controlTopic());

        List<Transaction> payments = new ArrayList<>();
        TransactionGenerator generator = new TransactionGenerator(23L, 120, 0.03);
        long start = System.currentTimeMillis() - 600_000;
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < PAYMENTS; i++) {
            Transaction t = generator.next(start + i * 200L).transaction();
            payments.add(t);
            ids.add(t.getTransactionId());
        }
        TestEnvironment.send(config.transactionsTopic(), payments);

        var catalogLoader = Catalogs.loader(config);
        Catalog catalog = catalogLoader.loadCatalog();
        WeirTables.ensure(catalog, config.namespace());

        String checkpoints = "s3://" + STATE + "/checkpoints/" + suffix;
        Map<String, String> job = new LinkedHashMap<>(TestEnvironment.liveStateSettings());
        job.put("execution.checkpointing.storage", "filesystem");
        job.put("execution.checkpointing.dir", checkpoints);
        job.put(
                "execution.checkpointing.externalized-checkpoint-retention",
                "RETAIN_ON_CANCELLATION");
        int failuresBefore = PlannedFailure.COUNT.get();
        JobClient client =
                TestEnvironment.pipeline(
                                config, catalogLoader, false, null, new PlannedFailure(0, 5), job)
                        .executeAsync("object-storage-it-" + suffix);
        JobProgress progress = JobProgress.of(MINI_CLUSTER, client.getJobID());
        String restoredFrom;
        try {
            Eventually.until(
                    "every payment scored in Kafka and Iceberg",
                    Duration.ofMinutes(4),
                    () ->
                            PipelineITCase.readCommitted(
                                                            config.bootstrapServers(),
                                                            config.scoresTopic(),
                                                            Score.class)
                                                    .size()
                                            >= PAYMENTS
                                    && scoreIds(catalog, config).size() >= PAYMENTS);
            progress.awaitCheckpoints(2);
            restoredFrom = progress.restoredFrom();
        } finally {
            client.cancel().get();
        }

        assertThat(PlannedFailure.COUNT.get() - failuresBefore)
                .as("the planned failure happened, so the job restored from a checkpoint")
                .isEqualTo(1);
        assertThat(restoredFrom)
                .as("the checkpoint the job restored from")
                .startsWith(checkpoints + "/" + client.getJobID() + "/chk-");

        // Kafka, read committed: each payment scored exactly once, by the model from S3.
        List<Score> scores =
                PipelineITCase.readCommitted(
                        config.bootstrapServers(), config.scoresTopic(), Score.class);
        List<String> scoredIds = scores.stream().map(Score::getTransactionId).toList();
        assertThat(scoredIds).doesNotHaveDuplicates();
        assertThat(new HashSet<>(scoredIds)).isEqualTo(ids);
        assertThat(scores)
                .allSatisfy(
                        s -> {
                            assertThat(s.getModelName()).isEqualTo(registered.name());
                            assertThat(s.getModelVersion()).isEqualTo(registered.version());
                        });

        // Iceberg: the same exact set, committed once, in a table whose files are on S3.
        List<String> icebergIds = scoreIds(catalog, config);
        assertThat(icebergIds).doesNotHaveDuplicates();
        assertThat(new HashSet<>(icebergIds)).isEqualTo(ids);
        Table table = catalog.loadTable(TableIdentifier.of(config.namespace(), WeirTables.SCORES));
        assertThat(table.location()).startsWith("s3://" + WAREHOUSE + "/" + suffix + "/");
        assertThat(table.io().getClass().getName()).isEqualTo("org.apache.iceberg.aws.s3.S3FileIO");

        // What S3 holds, as the server stores it: data files, the registry and the retained
        // checkpoints.
        Path bucket = s3.bucketFolder(WAREHOUSE).resolve(suffix);
        assertThat(files(bucket)).anyMatch(f -> f.toString().endsWith(".parquet"));
        assertThat(
                        s3.bucketFolder(MODELS)
                                .resolve("registry-" + suffix)
                                .resolve(registered.name())
                                .resolve(registered.version())
                                .resolve(ModelRegistry.CHECKSUM_FILE))
                .hasContent(registered.checksum());
        Path jobCheckpoints =
                s3.bucketFolder(STATE)
                        .resolve("checkpoints")
                        .resolve(suffix)
                        .resolve(client.getJobID().toHexString());
        assertThat(files(jobCheckpoints))
                .anyMatch(f -> f.getFileName().toString().equals("_metadata"));
    }

    private static List<String> scoreIds(Catalog catalog, PipelineConfig config) throws Exception {
        List<String> ids = new ArrayList<>();
        for (Record row : TestEnvironment.rows(catalog, config.namespace(), WeirTables.SCORES)) {
            ids.add(String.valueOf(row.getField("transaction_id")));
        }
        return ids;
    }

    private static List<Path> files(Path folder) throws Exception {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }
}
