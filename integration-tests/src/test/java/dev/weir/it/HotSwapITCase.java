package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.ModelsCommand;
import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.models.ModelBundle;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.scoring.BatchingScoreOperator;
import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new version promoted while the pipeline runs: a command on the model-control topic switches
 * every scoring subtask without a restart; every event is scored exactly once, by the old version
 * before the switch and by the new one after it.
 */
class HotSwapITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TestEnvironment.miniCluster();

    private static final int PER_BATCH = 500;

    @TempDir Path dir;

    @Test
    void promotingMidStreamSwitchesEveryEventAfterTheCommand() throws Exception {
        ModelRegistry registry = new ModelRegistry(dir.resolve("registry"));
        ModelBundle trained = ModelBundle.load(TestEnvironment.model());
        ModelPointer v1 = registry.register(trained, null);
        ModelPointer v2 = registry.register(trained, null);
        registry.promote(v1.name(), v1.version());

        String suffix = TestEnvironment.uniqueName("swap");
        Map<String, String> settings =
                TestEnvironment.settings(suffix, dir.resolve("warehouse"), TestEnvironment.model());
        settings.remove("model.dir");
        settings.put("model.registry", registry.root().toString());
        settings.put("model.name", v1.name());
        PipelineConfig config = PipelineConfig.from(settings);
        TestEnvironment.kafka()
                .createTopics(
                        2,
                        config.transactionsTopic(),
                        config.scoresTopic(),
                        config.dlqTopic(),
                        config.controlTopic());
        var catalogLoader = Catalogs.loader(config);
        WeirTables.ensure(catalogLoader.loadCatalog(), config.namespace());

        JobClient job =
                TestEnvironment.pipeline(config, catalogLoader, false, null)
                        .executeAsync("hot-swap-" + suffix);
        try {
            TransactionGenerator generator = new TransactionGenerator(31L, 200, 0.03);
            long start = System.currentTimeMillis() - 3_600_000L;
            List<String> before = produce(config, generator, start, 0);
            awaitScores(config, PER_BATCH);

            registry.promote(v2.name(), v2.version());
            ModelsCommand.publish(
                    config.bootstrapServers(),
                    config.controlTopic(),
                    ModelControl.newBuilder()
                            .setCommand(ModelCommand.USE_CHAMPION)
                            .setModelName(v2.name())
                            .setVersion(v2.version())
                            .setLocation(v2.location())
                            .setChecksum(v2.checksum())
                            .setIssuedAt(Instant.now())
                            .setReason("hot swap test")
                            .build());
            // The command reaches every subtask through its own (broadcast) input: the next
            // events go once every scoring subtask has switched.
            JobProgress progress = JobProgress.of(MINI_CLUSTER, job.getJobID());
            progress.awaitEverySubtask(
                    "Score (DL4J",
                    BatchingScoreOperator.METRIC_GROUP + "." + BatchingScoreOperator.SWAPS,
                    1);
            List<String> after = produce(config, generator, start, PER_BATCH);
            awaitScores(config, 2 * PER_BATCH);
            progress.awaitCheckpoints(1); // a repeated score would be committed by now

            Map<String, String> versionById = new HashMap<>();
            for (Score s :
                    PipelineITCase.readCommitted(
                            config.bootstrapServers(), config.scoresTopic(), Score.class)) {
                assertThat(versionById.put(s.getTransactionId(), s.getModelVersion()))
                        .as("scored once")
                        .isNull();
            }
            assertThat(versionById).hasSize(2 * PER_BATCH);
            before.forEach(id -> assertThat(versionById.get(id)).as(id).isEqualTo("1"));
            after.forEach(id -> assertThat(versionById.get(id)).as(id).isEqualTo("2"));
        } finally {
            job.cancel().get();
        }
    }

    private static void awaitScores(PipelineConfig config, int count) {
        Eventually.committed(
                config.bootstrapServers(),
                config.scoresTopic(),
                Score.class,
                count,
                Duration.ofMinutes(2));
    }

    private static List<String> produce(
            PipelineConfig config, TransactionGenerator generator, long start, int first)
            throws Exception {
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = TestEnvironment.producer()) {
            for (int i = first; i < first + PER_BATCH; i++) {
                Transaction t = generator.next(start + i * 1_000L).transaction();
                ids.add(t.getTransactionId());
                producer.send(
                        new ProducerRecord<>(
                                config.transactionsTopic(),
                                null,
                                t.getEventTime().toEpochMilli(),
                                t.getAccountId().getBytes(StandardCharsets.UTF_8),
                                Transaction.getEncoder().encode(t).array()));
            }
            producer.flush();
        }
        return ids;
    }
}
