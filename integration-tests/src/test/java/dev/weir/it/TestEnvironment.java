package dev.weir.it;

import dev.weir.cli.demo.EmbeddedKafka;
import dev.weir.cli.train.TrainCommand;
import dev.weir.jobs.config.ConfigLoader;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.KafkaIcebergSinks;
import dev.weir.jobs.pipeline.PipelineSinks;
import dev.weir.jobs.pipeline.PipelineSources;
import dev.weir.jobs.pipeline.PipelineWorkflow;
import dev.weir.models.TrainerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.flink.CatalogLoader;

/**
 * The one factory for test infrastructure: a real Kafka broker, a Flink MiniCluster with two slots
 * (so repartitioning bugs show), and a model trained by the project.
 */
final class TestEnvironment {

    static final int PARALLELISM = 2;

    private static final Path FLINK_CONF = Path.of("..", "flink-conf").toAbsolutePath().normalize();

    private static EmbeddedKafka kafka;
    private static Path modelDir;

    private TestEnvironment() {}

    static MiniClusterExtension miniCluster() {
        return miniCluster(PARALLELISM);
    }

    /** With more slots, for a second job beside one at {@link #PARALLELISM}. */
    static MiniClusterExtension miniCluster(int slots) {
        Configuration conf = new Configuration();
        conf.setString("pipeline.generic-types", "false");
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setConfiguration(conf)
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(slots)
                        .build());
    }

    /** One broker for the whole test JVM; tests isolate themselves with random topic names. */
    static synchronized EmbeddedKafka kafka() throws Exception {
        if (kafka == null) {
            Path dir = Files.createTempDirectory("weir-it-kafka");
            kafka = EmbeddedKafka.start(dir, 0);
            Runtime.getRuntime().addShutdownHook(new Thread(kafka::close));
        }
        return kafka;
    }

    /** A small model trained once per test JVM on the synthetic generator. */
    static synchronized Path model() throws Exception {
        if (modelDir == null) {
            Path dir = Files.createTempDirectory("weir-it-model");
            TrainerConfig config = new TrainerConfig(List.of(16, 8), 3, 0.01, 256, 0.2, 11L);
            TrainCommand.train(
                    dir,
                    FeatureSets.reference(),
                    "it-model",
                    "1",
                    11L,
                    20_000,
                    2_000,
                    200,
                    0.03,
                    config);
            modelDir = dir;
        }
        return modelDir;
    }

    /** Pipeline settings on the test broker and a warehouse, with per-test topic names. */
    static java.util.Map<String, String> settings(String suffix, Path warehouse, Path model)
            throws Exception {
        java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
        settings.put("kafka.bootstrap-servers", kafka().bootstrapServers());
        settings.put("kafka.topics.transactions", "transactions-" + suffix);
        settings.put("kafka.topics.scores", "scores-" + suffix);
        settings.put("kafka.topics.dlq", "dlq-" + suffix);
        settings.put("kafka.topics.model-control", "control-" + suffix);
        settings.put("kafka.topics.labels", "labels-" + suffix);
        settings.put("kafka.topics.monitoring", "monitoring-" + suffix);
        settings.put("kafka.topics.decisions", "decisions-" + suffix);
        // Created compacted by the pipeline itself.
        settings.put("kafka.topics.entity-features", "entity-features-" + suffix);
        kafka().createTopics(2, "labels-" + suffix, "monitoring-" + suffix, "decisions-" + suffix);
        settings.put("kafka.group-id", "group-" + suffix);
        settings.put("kafka.transactional-id-prefix", "tx-" + suffix);
        settings.put("kafka.transaction-timeout", "5min");
        settings.put("iceberg.warehouse", warehouse.toString());
        settings.put("model.dir", model.toString());
        settings.put("pipeline.checkpoint-interval", "500ms");
        settings.put("pipeline.parallelism", String.valueOf(PARALLELISM));
        return settings;
    }

    /** Rows of an Iceberg table. */
    static java.util.List<org.apache.iceberg.data.Record> rows(
            org.apache.iceberg.catalog.Catalog catalog, String namespace, String table)
            throws Exception {
        java.util.List<org.apache.iceberg.data.Record> out = new java.util.ArrayList<>();
        org.apache.iceberg.Table t =
                catalog.loadTable(org.apache.iceberg.catalog.TableIdentifier.of(namespace, table));
        try (org.apache.iceberg.io.CloseableIterable<org.apache.iceberg.data.Record> rows =
                org.apache.iceberg.data.IcebergGenerics.read(t).build()) {
            rows.forEach(out::add);
        }
        return out;
    }

    /**
     * An idempotent byte producer to the test broker, one request in flight (order kept on retry).
     */
    static org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer()
            throws Exception {
        return dev.weir.cli.kafka.KafkaClients.byteProducer(kafka().bootstrapServers());
    }

    /**
     * The pipeline on Kafka and Iceberg as the job defines it, without restarts (a failure fails
     * the test), restored from {@code savepoint} unless it is null.
     */
    static StreamExecutionEnvironment pipeline(
            PipelineConfig config, CatalogLoader catalogs, boolean bounded, String savepoint) {
        return pipeline(config, catalogs, bounded, savepoint, null);
    }

    /**
     * As above; with a {@code failure}, the scores pass through it and the job restarts after it
     * (twice at most, 200 ms apart).
     */
    static StreamExecutionEnvironment pipeline(
            PipelineConfig config,
            CatalogLoader catalogs,
            boolean bounded,
            String savepoint,
            PlannedFailure failure) {
        return pipeline(config, catalogs, bounded, savepoint, failure, Map.of());
    }

    /**
     * As above, with Flink settings sent with the job as {@code weir submit} sends those of {@code
     * flink-conf/<env>/config.yaml} (for example {@link #liveStateSettings()}); without them the
     * job keeps the MiniCluster's heap state backend.
     */
    static StreamExecutionEnvironment pipeline(
            PipelineConfig config,
            CatalogLoader catalogs,
            boolean bounded,
            String savepoint,
            PlannedFailure failure,
            Map<String, String> jobSettings) {
        Configuration conf = Configuration.fromMap(jobSettings);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, failure == null ? "none" : "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                java.time.Duration.ofMillis(200));
        if (savepoint != null) {
            conf.setString("execution.state-recovery.path", savepoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(conf);
        PipelineSinks sinks = new KafkaIcebergSinks(config, catalogs);
        if (failure != null) {
            sinks = new PlannedFailure.Sinks(sinks, failure);
        }
        PipelineWorkflow.define(env, config, PipelineSources.kafka(config, bounded), sinks);
        return env;
    }

    /** Sends payments as a producer does: keyed by account, stamped with their event time. */
    static void send(String topic, java.util.List<dev.weir.schemas.Transaction> transactions)
            throws Exception {
        org.apache.avro.message.BinaryMessageEncoder<dev.weir.schemas.Transaction> encoder =
                dev.weir.operators.kafka.AvroRecordSerializer.encoderFor(
                        dev.weir.schemas.Transaction.class);
        try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer =
                producer()) {
            for (dev.weir.schemas.Transaction t : transactions) {
                producer.send(
                        new org.apache.kafka.clients.producer.ProducerRecord<>(
                                topic,
                                null,
                                t.getEventTime().toEpochMilli(),
                                t.getAccountId().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                encoder.encode(t).array()));
            }
            producer.flush();
        }
    }

    /**
     * The state settings of {@code flink-conf/live/config.yaml} (RocksDB, incremental checkpoints),
     * as {@code weir submit --env live} sends them with the job; a mutable copy. Local recovery is
     * a TaskManager setting of that file, not among them.
     */
    static Map<String, String> liveStateSettings() {
        Map<String, String> state = new LinkedHashMap<>();
        ConfigLoader.readYaml(FLINK_CONF.resolve("live").resolve("config.yaml"))
                .forEach(
                        (key, value) -> {
                            if (key.startsWith("state.")
                                    || key.equals("execution.checkpointing.incremental")) {
                                state.put(key, value);
                            }
                        });
        return state;
    }

    /**
     * The S3 file system settings of {@code flink-conf/live/config.yaml} (the {@code s3.} keys a
     * cluster's S3 plugin reads); a mutable copy.
     */
    static Map<String, String> liveS3Settings() {
        Map<String, String> s3 = new LinkedHashMap<>();
        ConfigLoader.readYaml(FLINK_CONF.resolve("live").resolve("config.yaml"))
                .forEach(
                        (key, value) -> {
                            if (key.startsWith("s3.")) {
                                s3.put(key, value);
                            }
                        });
        return s3;
    }

    static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
