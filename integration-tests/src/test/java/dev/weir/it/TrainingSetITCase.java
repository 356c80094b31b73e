package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.cli.train.PointInTimeTrainingSet;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.models.ModelBundle;
import dev.weir.models.Trainer;
import dev.weir.models.TrainerConfig;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.schemas.Label;
import dev.weir.schemas.Transaction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Point-in-time training: labels that arrive after the scores are joined to the vectors the
 * pipeline logged when it scored each transaction, never to values computed later.
 */
class TrainingSetITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TestEnvironment.miniCluster();

    private static final int EVENTS = 1_500;

    @TempDir Path dir;

    @Test
    void labelsJoinTheVectorsLoggedAtScoringTime() throws Exception {
        String suffix = TestEnvironment.uniqueName("train");
        PipelineConfig config =
                PipelineConfig.from(TestEnvironment.settings(suffix, dir, TestEnvironment.model()));
        String labelsTopic = "labels-" + suffix;
        TestEnvironment.kafka()
                .createTopics(
                        2,
                        config.transactionsTopic(),
                        config.scoresTopic(),
                        config.dlqTopic(),
                        config.controlTopic(),
                        labelsTopic);
        var catalogLoader = Catalogs.loader(config);
        Catalog catalog = catalogLoader.loadCatalog();
        WeirTables.ensure(catalog, config.namespace());

        // Transactions, then labels for all but the last 100 (ground truth not in yet), plus
        // labels for transactions the pipeline never saw.
        TransactionGenerator generator = new TransactionGenerator(41L, 300, 0.05);
        long start = System.currentTimeMillis() - 2 * 3_600_000L;
        Map<String, Boolean> truth = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = TestEnvironment.producer()) {
            for (int i = 0; i < EVENTS; i++) {
                TransactionGenerator.Generated g = generator.next(start + i * 2_000L);
                Transaction t = g.transaction();
                producer.send(
                        new ProducerRecord<>(
                                config.transactionsTopic(),
                                null,
                                t.getEventTime().toEpochMilli(),
                                t.getAccountId().getBytes(StandardCharsets.UTF_8),
                                Transaction.getEncoder().encode(t).array()));
                if (i < EVENTS - 100) {
                    truth.put(t.getTransactionId(), g.fraud());
                    sendLabel(
                            producer,
                            labelsTopic,
                            new Label(
                                    t.getTransactionId(),
                                    g.fraud(),
                                    Instant.ofEpochMilli(
                                            t.getEventTime().toEpochMilli() + 600_000)));
                }
            }
            for (int i = 0; i < 20; i++) {
                sendLabel(
                        producer, labelsTopic, new Label("never-scored-" + i, true, Instant.now()));
            }
            producer.flush();
        }

        TestEnvironment.pipeline(config, catalogLoader, true, null)
                .execute("training-set-" + suffix);

        PointInTimeTrainingSet set = PointInTimeTrainingSet.build(config, labelsTopic);
        assertThat(set.labels()).hasSize(EVENTS - 100);
        assertThat(set.unmatchedLabels()).isEqualTo(20);

        // Every row is the logged vector of its transaction, with its own label and event time.
        Map<String, Record> logged = new HashMap<>();
        TestEnvironment.rows(catalog, config.namespace(), WeirTables.FEATURES)
                .forEach(r -> logged.put((String) r.getField("transaction_id"), r));
        List<Record> rows =
                TestEnvironment.rows(catalog, config.namespace(), WeirTables.TRAINING_SET);
        assertThat(rows).hasSize(EVENTS - 100);
        Set<String> ids = new HashSet<>();
        for (Record row : rows) {
            String id = (String) row.getField("transaction_id");
            assertThat(ids.add(id)).isTrue();
            Record features = logged.get(id);
            assertThat(row.getField("features")).isEqualTo(features.getField("features"));
            assertThat(row.getField("event_time")).isEqualTo(features.getField("event_time"));
            assertThat(row.getField("is_fraud")).isEqualTo(truth.get(id));
            assertThat(row.getField("features_snapshot_id")).isEqualTo(set.featuresSnapshotId());
            // The label came after its event; the vector is the one scored at the event.
            assertThat(
                            ((OffsetDateTime) row.getField("label_time"))
                                    .isAfter((OffsetDateTime) row.getField("event_time")))
                    .isTrue();
        }
        assertThat(
                        catalog.loadTable(
                                        org.apache.iceberg.catalog.TableIdentifier.of(
                                                config.namespace(), WeirTables.TRAINING_SET))
                                .currentSnapshot()
                                .snapshotId())
                .isEqualTo(set.trainingSetSnapshotId());

        // And a model trains on it, recording where its rows came from.
        ModelBundle bundle =
                new Trainer(new TrainerConfig(List.of(8), 2, 0.01, 128, 0.2, 1L))
                        .train(
                                "pit",
                                "1",
                                config.featureSet().vectorNames(),
                                set.features(),
                                set.labels(),
                                set.eventTimes());
        String source = set.source(config.namespace());
        assertThat(bundle.metadata().withTrainingSource(source).trainingSource())
                .isEqualTo(
                        "weir.training_set@"
                                + set.trainingSetSnapshotId()
                                + " from weir.features@"
                                + set.featuresSnapshotId());
        assertThat(bundle.metadata().holdoutRows()).isEqualTo((EVENTS - 100) / 5);
    }

    private static void sendLabel(KafkaProducer<byte[], byte[]> producer, String topic, Label label)
            throws Exception {
        producer.send(
                new ProducerRecord<>(
                        topic,
                        null,
                        label.getLabelTime().toEpochMilli(),
                        label.getTransactionId().getBytes(StandardCharsets.UTF_8),
                        Label.getEncoder().encode(label).array()));
    }
}
