package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.jobs.BackfillJob;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.jobs.pipeline.KafkaIcebergSinks;
import dev.weir.jobs.pipeline.PipelineSources;
import dev.weir.jobs.pipeline.PipelineWorkflow;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.kafka.AvroRecordSerializer;
import dev.weir.schemas.Transaction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stream/batch parity: the streaming pipeline over Kafka (ordered feature stages, four partitions,
 * parallelism two, so every merchant and device stage receives its events from several partitions
 * and subtasks in no particular order) and the backfill job in BATCH mode over the Iceberg events
 * table compute bit-identical feature vectors, and the backfill's scores of those vectors ({@code
 * --score}) equal the streaming scores.
 */
class FeatureParityITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TestEnvironment.miniCluster();

    private static final int EVENTS = 4_000;

    @TempDir Path warehouse;

    @Test
    void backfillReproducesTheStreamingFeaturesAndScores() throws Exception {
        String suffix = TestEnvironment.uniqueName("parity");
        Map<String, String> settings =
                TestEnvironment.settings(suffix, warehouse, TestEnvironment.model());
        settings.put("features.ordering", "ordered");
        settings.put("features.ordering-max-wait", "0 s"); // only the watermark releases events
        PipelineConfig config = PipelineConfig.from(settings);
        assertThat(config.parallelism()).isEqualTo(2);
        TestEnvironment.kafka().createTopics(4, config.transactionsTopic());
        TestEnvironment.kafka()
                .createTopics(2, config.scoresTopic(), config.dlqTopic(), config.controlTopic());
        produceInOrder(config.bootstrapServers(), config.transactionsTopic());

        var catalogLoader = Catalogs.loader(config);
        Catalog catalog = catalogLoader.loadCatalog();
        WeirTables.ensure(catalog, config.namespace());

        StreamExecutionEnvironment streaming = StreamExecutionEnvironment.getExecutionEnvironment();
        streaming.configure(noRestart());
        PipelineWorkflow.define(
                streaming,
                config,
                PipelineSources.kafka(config, true),
                new KafkaIcebergSinks(config, catalogLoader));
        streaming.execute("parity-stream-" + suffix);

        StreamExecutionEnvironment batch = StreamExecutionEnvironment.getExecutionEnvironment();
        batch.configure(noRestart());
        BackfillJob.define(
                batch,
                config,
                WeirTables.FEATURES_BACKFILL,
                BackfillJob.Scoring.of(config, null, WeirTables.SCORES_BACKFILL));
        batch.execute("parity-batch-" + suffix);

        Map<String, Record> stream =
                byTransaction(
                        TestEnvironment.rows(catalog, config.namespace(), WeirTables.FEATURES));
        Map<String, Record> backfill =
                byTransaction(
                        TestEnvironment.rows(
                                catalog, config.namespace(), WeirTables.FEATURES_BACKFILL));
        assertThat(stream).hasSize(EVENTS);
        assertThat(backfill.keySet()).isEqualTo(stream.keySet());

        List<String> names = config.featureSet().vectorNames();
        long nonTrivial = 0;
        for (Map.Entry<String, Record> e : stream.entrySet()) {
            Map<?, ?> s = (Map<?, ?>) e.getValue().getField("features");
            Map<?, ?> b = (Map<?, ?>) backfill.get(e.getKey()).getField("features");
            for (String name : names) {
                // Bit-identical: compare the raw bits, so that even -0.0 and NaN payloads count.
                assertThat(Double.doubleToRawLongBits((Double) b.get(name)))
                        .as(
                                "%s of %s: stream %s, backfill %s",
                                name, e.getKey(), s.get(name), b.get(name))
                        .isEqualTo(Double.doubleToRawLongBits((Double) s.get(name)));
            }
            assertThat(backfill.get(e.getKey()).getField("warming"))
                    .isEqualTo(e.getValue().getField("warming"));
            if ((Double) s.get("account.txn_count_1h") > 3
                    && (Double) s.get("merchant.accounts_1h") > 1) {
                nonTrivial++;
            }
        }
        assertThat(nonTrivial).as("events whose windows hold history").isGreaterThan(EVENTS / 4);

        assertBatchScoresEqualStreamingScores(catalog, config.namespace());
    }

    /**
     * The same model scored the same vectors: the same decisions, model version, vector and reason
     * codes (computed per row, so the same bits in any batch); the score within float32 rounding,
     * as rows meet the network in batches of other sizes than in the stream.
     */
    private static void assertBatchScoresEqualStreamingScores(Catalog catalog, String namespace)
            throws Exception {
        Map<String, Record> stream =
                byTransaction(TestEnvironment.rows(catalog, namespace, WeirTables.SCORES));
        Map<String, Record> batch =
                byTransaction(TestEnvironment.rows(catalog, namespace, WeirTables.SCORES_BACKFILL));
        assertThat(stream).hasSize(EVENTS);
        assertThat(batch.keySet()).isEqualTo(stream.keySet());
        long declined = 0;
        for (Map.Entry<String, Record> e : stream.entrySet()) {
            Record s = e.getValue();
            Record b = batch.get(e.getKey());
            for (String field :
                    List.of("decision", "model_name", "model_version", "features", "reasons")) {
                assertThat(b.getField(field))
                        .as(field + " of " + e.getKey())
                        .isEqualTo(s.getField(field));
            }
            assertThat((Double) b.getField("score"))
                    .as("score of " + e.getKey())
                    .isCloseTo((Double) s.getField("score"), within(1e-6));
            if ("DECLINE".equals(s.getField("decision"))) {
                declined++;
            }
        }
        assertThat(declined).as("declined payments among those compared").isPositive();
    }

    private static Configuration noRestart() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return conf;
    }

    private static Map<String, Record> byTransaction(List<Record> rows) {
        Map<String, Record> map = new HashMap<>();
        for (Record row : rows) {
            assertThat(map.put((String) row.getField("transaction_id"), row)).isNull();
        }
        return map;
    }

    /**
     * Many events per account, merchant and device, strictly increasing event times, keyed by
     * account.
     */
    private static void produceInOrder(String bootstrap, String topic) throws Exception {
        TransactionGenerator generator = new TransactionGenerator(21L, 150, 0.03);
        BinaryMessageEncoder<Transaction> encoder =
                AvroRecordSerializer.encoderFor(Transaction.class);
        long start = System.currentTimeMillis() - 3 * 3_600_000L;
        try (KafkaProducer<byte[], byte[]> producer = TestEnvironment.producer()) {
            for (int i = 0; i < EVENTS; i++) {
                long eventTime = start + i * 2_000L + (i % 7);
                Transaction txn = generator.next(eventTime).transaction();
                producer.send(
                        new ProducerRecord<>(
                                topic,
                                null,
                                eventTime,
                                txn.getAccountId().getBytes(StandardCharsets.UTF_8),
                                encoder.encode(txn).array()));
            }
            producer.flush();
        }
    }
}
