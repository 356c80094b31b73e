package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.cli.kafka.KafkaClients;
import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.config.WeirOptions;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.jobs.pipeline.OutputSchemas;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.wire.RecordDecoder;
import dev.weir.operators.wire.RecordEncoder;
import dev.weir.operators.wire.TopicFormat;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Label;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import dev.weir.schemas.wire.ConfluentFraming;
import dev.weir.schemas.wire.SchemaRegistryClient;
import dev.weir.schemas.wire.SchemaRegistryException;
import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline with every Kafka topic in Confluent's wire format against a real schema registry
 * (Apicurio Registry in a process of its own, through its Confluent-compatible API): payments
 * written by Weir's encoder and by Apicurio's own serializer (an independent implementation, with a
 * newer writer schema) are scored exactly once; a value with an id the registry does not know, one
 * in another framing, one cut short and an empty one go to the dead letters with their reasons;
 * labels in the same format join. The output schemas are registered at start under their subjects
 * with BACKWARD compatibility, every output record carries the registered id and reads with
 * Apicurio's deserializer too, and the registry refuses a breaking change, which fails a job start.
 */
class SchemaRegistryITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TestEnvironment.miniCluster();

    @RegisterExtension
    static final SchemaRegistryExtension REGISTRY = new SchemaRegistryExtension();

    private static final int BY_WEIR = 300;
    private static final int BY_APICURIO = 100;
    private static final int UNKNOWN_ID = 999_999;

    @TempDir Path warehouse;

    @Test
    void confluentFramedTopicsEndToEndWithARealRegistry() throws Exception {
        String suffix = TestEnvironment.uniqueName("sr");
        Map<String, String> settings =
                TestEnvironment.settings(suffix, warehouse, TestEnvironment.model());
        settings.put(WeirOptions.SCHEMA_REGISTRY_URL.key(), REGISTRY.url());
        for (var format :
                List.of(
                        WeirOptions.FORMAT_TRANSACTIONS,
                        WeirOptions.FORMAT_LABELS,
                        WeirOptions.FORMAT_SCORES,
                        WeirOptions.FORMAT_DECISIONS,
                        WeirOptions.FORMAT_DLQ,
                        WeirOptions.FORMAT_MONITORING)) {
            settings.put(format.key(), "confluent");
        }
        PipelineConfig config = PipelineConfig.from(settings);
        TestEnvironment.kafka()
                .createTopics(
                        2,
                        config.transactionsTopic(),
                        config.scoresTopic(),
                        config.dlqTopic(),
                        config.controlTopic());

        // What the job does at start: every output subject BACKWARD, its schema registered.
        Map<String, Integer> ids = OutputSchemas.register(config, System::getenv);
        String scoresSubject = TopicFormat.subject(config.scoresTopic());
        assertThat(ids)
                .containsOnlyKeys(
                        scoresSubject,
                        TopicFormat.subject(config.decisionsTopic()),
                        TopicFormat.subject(config.dlqTopic()),
                        TopicFormat.subject(config.monitoringTopic()));
        SchemaRegistryClient registry = SchemaRegistryClient.create(REGISTRY.url(), System::getenv);
        for (String subject : ids.keySet()) {
            assertThat(registry.compatibility(subject)).as(subject).isEqualTo("BACKWARD");
        }
        // Registering again finds the same ids: a restart changes nothing.
        assertThat(OutputSchemas.register(config, System::getenv)).isEqualTo(ids);

        Input input = produce(config);

        var catalogLoader = Catalogs.loader(config);
        WeirTables.ensure(catalogLoader.loadCatalog(), config.namespace());
        // Bounded: ends at the offsets latest at its start, having passed every bad record.
        TestEnvironment.pipeline(config, catalogLoader, true, null)
                .execute("schema-registry-it-" + suffix);

        // Scores, read committed in their format: every good payment exactly once, whoever wrote
        // it; each value framed with the id registered for the scores' subject.
        List<byte[]> scoreValues = values(config.bootstrapServers(), config.scoresTopic());
        assertThat(scoreValues)
                .allSatisfy(
                        v ->
                                assertThat(ConfluentFraming.schemaId(v))
                                        .isEqualTo(ids.get(scoresSubject)));
        List<Score> scores = decode(scoreValues, config.scoresFormat(), Score.class);
        List<String> scored = scores.stream().map(Score::getTransactionId).toList();
        assertThat(scored).doesNotHaveDuplicates();
        assertThat(new HashSet<>(scored)).isEqualTo(input.goodIds());
        assertThat(new HashSet<>(scored)).containsAll(input.byApicurio());

        List<Score> decisions =
                decode(
                        values(config.bootstrapServers(), config.decisionsTopic()),
                        config.decisionsFormat(),
                        Score.class);
        assertThat(decisions.stream().map(Score::getTransactionId).toList())
                .containsExactlyInAnyOrderElementsOf(scored);

        // An independent reader of Weir's output: Apicurio's deserializer, by the same ids.
        try (AvroKafkaDeserializer<GenericRecord> apicurio = new AvroKafkaDeserializer<>()) {
            apicurio.configure(apicurioSerde(), false);
            Set<String> readByApicurio = new HashSet<>();
            for (byte[] value : scoreValues) {
                GenericRecord score = apicurio.deserialize(config.scoresTopic(), value);
                readByApicurio.add(score.get("transaction_id").toString());
            }
            assertThat(readByApicurio).isEqualTo(input.goodIds());
        }

        // Dead letters: each bad record once, with its reason; no label among them.
        List<DeadLetter> dead =
                decode(
                        values(config.bootstrapServers(), config.dlqTopic()),
                        config.dlqFormat(),
                        DeadLetter.class);
        Map<String, String> reasons = new HashMap<>();
        for (DeadLetter d : dead) {
            assertThat(d.getSourceTopic()).isEqualTo(config.transactionsTopic());
            assertThat(
                            reasons.put(
                                    d.getSourcePartition() + "@" + d.getSourceOffset(),
                                    d.getReason()))
                    .isNull();
        }
        assertThat(reasons.keySet()).isEqualTo(input.bad().keySet());
        input.bad()
                .forEach(
                        (position, kind) ->
                                assertThat(reasons.get(position))
                                        .as(kind)
                                        .contains(expected(kind)));

        // Monitoring records, in the same format, all readable.
        List<MonitoringRecord> monitoring =
                decode(
                        values(config.bootstrapServers(), config.monitoringTopic()),
                        config.monitoringFormat(),
                        MonitoringRecord.class);
        assertThat(monitoring).isNotEmpty();

        // The registry refuses a breaking change of an output schema, takes a compatible one.
        Schema breaking =
                withField(Score.getClassSchema(), "{\"name\": \"region\", \"type\": \"string\"}");
        assertThatThrownBy(() -> registry.register(scoresSubject, breaking))
                .isInstanceOf(SchemaRegistryException.class)
                .satisfies(
                        e ->
                                assertThat(((SchemaRegistryException) e).kind())
                                        .isEqualTo(SchemaRegistryException.Kind.INCOMPATIBLE))
                .hasMessageContaining("HTTP 409");
        Schema compatible =
                withField(
                        Score.getClassSchema(),
                        "{\"name\": \"region\", \"type\": \"string\", \"default\": \"\"}");
        assertThat(registry.register(scoresSubject, compatible))
                .isNotEqualTo(ids.get(scoresSubject));

        // A job whose output schema breaks what its topic's subject holds does not start.
        Map<String, String> other = new LinkedHashMap<>(settings);
        other.put(WeirOptions.TOPIC_SCORES.key(), "scores-older-" + suffix);
        PipelineConfig release = PipelineConfig.from(other);
        Schema older =
                new Schema.Parser()
                        .parse(
                                "{\"type\": \"record\", \"name\": \"Score\", \"namespace\":"
                                        + " \"dev.weir.schemas\", \"fields\": [{\"name\":"
                                        + " \"transaction_id\", \"type\": \"string\"}]}");
        registry.register(TopicFormat.subject(release.scoresTopic()), older);
        assertThatThrownBy(() -> OutputSchemas.register(release, System::getenv))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "the schema registry refuses dev.weir.schemas.Score under scores-older-"
                                + suffix
                                + "-value");
    }

    /** What was produced: good ids, those Apicurio's serializer wrote, bad records by position. */
    private record Input(Set<String> goodIds, Set<String> byApicurio, Map<String, String> bad) {}

    private static Input produce(PipelineConfig config) throws Exception {
        String topic = config.transactionsTopic();
        RecordEncoder<Transaction> weir =
                config.transactionsFormat().encoder(Transaction.class, topic, System::getenv);
        RecordEncoder<Label> labels =
                config.labelsFormat().encoder(Label.class, config.labelsTopic(), System::getenv);
        // A newer version of the payment schema, as another team's producer may have it.
        Schema newer =
                withField(
                        Transaction.getClassSchema(),
                        "{\"name\": \"loyalty_tier\", \"type\": \"string\", \"default\": \"none\"}");
        TransactionGenerator generator = new TransactionGenerator(41L, 200, 0.03);
        long start = System.currentTimeMillis() - 600_000;
        Set<String> good = new HashSet<>();
        Set<String> byApicurio = new HashSet<>();
        Map<String, String> bad = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = TestEnvironment.producer();
                AvroKafkaSerializer<GenericRecord> apicurio = new AvroKafkaSerializer<>()) {
            apicurio.configure(apicurioSerde(), false);
            List<Label> truth = new ArrayList<>();
            for (int i = 0; i < BY_WEIR + BY_APICURIO; i++) {
                long eventTime = start + i * 200L;
                Transaction txn = generator.next(eventTime).transaction();
                byte[] value;
                if (i % 4 == 3 && byApicurio.size() < BY_APICURIO) {
                    value = apicurio.serialize(topic, generic(newer, txn, "gold"));
                    byApicurio.add(txn.getTransactionId());
                } else {
                    value = weir.encode(txn);
                }
                send(producer, topic, eventTime, txn.getAccountId(), value);
                good.add(txn.getTransactionId());
                truth.add(
                        new Label(
                                txn.getTransactionId(),
                                false,
                                java.time.Instant.ofEpochMilli(eventTime + 5_000)));
            }
            byte[] sample = weir.encode(generator.next(start).transaction());
            byte[] unknownId = sample.clone();
            ByteBuffer.wrap(unknownId).putInt(1, UNKNOWN_ID);
            byte[] otherFraming =
                    Transaction.getEncoder().encode(generator.next(start).transaction()).array();
            Map<String, byte[]> kinds = new LinkedHashMap<>();
            kinds.put("unknown id", unknownId);
            kinds.put("single-object framing", otherFraming);
            kinds.put("cut short", java.util.Arrays.copyOf(sample, sample.length - 6));
            kinds.put("empty", new byte[0]);
            for (Map.Entry<String, byte[]> kind : kinds.entrySet()) {
                RecordMetadata at =
                        send(producer, topic, start + 1_000, "bad", kind.getValue()).get();
                bad.put(at.partition() + "@" + at.offset(), kind.getKey());
            }
            for (Label label : truth) {
                send(
                        producer,
                        config.labelsTopic(),
                        label.getLabelTime().toEpochMilli(),
                        label.getTransactionId(),
                        labels.encode(label));
            }
            producer.flush();
        }
        assertThat(byApicurio).hasSize(BY_APICURIO);
        return new Input(good, byApicurio, bad);
    }

    private static String expected(String kind) {
        return switch (kind) {
            case "unknown id" ->
                    "cannot decode Confluent wire-format record: SchemaRegistryException: schema id "
                            + UNKNOWN_ID
                            + " is not in the schema registry";
            case "single-object framing" -> "magic byte 0xc3, expected 0x00";
            case "cut short" -> "cannot decode Confluent wire-format record: ";
            default -> "empty record value";
        };
    }

    private static java.util.concurrent.Future<RecordMetadata> send(
            KafkaProducer<byte[], byte[]> producer,
            String topic,
            long timestamp,
            String key,
            byte[] value) {
        return producer.send(
                new ProducerRecord<>(
                        topic, null, timestamp, key.getBytes(StandardCharsets.UTF_8), value));
    }

    /**
     * Apicurio's serde as a producer on Confluent's wire format configures it: the 4-byte id (its
     * content id, which the Confluent API serves), in the value rather than in headers.
     */
    private static Map<String, Object> apicurioSerde() {
        Map<String, Object> serde = new HashMap<>();
        serde.put(SerdeConfig.REGISTRY_URL, REGISTRY.apicurioApi());
        serde.put(SerdeConfig.AUTO_REGISTER_ARTIFACT, true);
        serde.put(SerdeConfig.ENABLE_CONFLUENT_ID_HANDLER, true);
        serde.put(SerdeConfig.ID_HANDLER, "io.apicurio.registry.serde.Legacy4ByteIdHandler");
        serde.put(SerdeConfig.USE_ID, "contentId");
        serde.put(SerdeConfig.ENABLE_HEADERS, false);
        return serde;
    }

    /** {@code txn}'s values as a generic record of {@code schema}, with a loyalty tier. */
    private static GenericRecord generic(Schema schema, Transaction txn, String tier) {
        GenericRecord record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
            if (field.name().equals("loyalty_tier")) {
                record.put(field.name(), tier);
                continue;
            }
            Object value = txn.get(field.name());
            if (value instanceof java.time.Instant instant) {
                value = instant.toEpochMilli();
            } else if (value instanceof Enum<?> symbol) {
                value = new GenericData.EnumSymbol(field.schema(), symbol.name());
            }
            record.put(field.name(), value);
        }
        return record;
    }

    private static Schema withField(Schema record, String field) {
        String json = record.toString();
        int end = json.lastIndexOf(']');
        return new Schema.Parser()
                .parse(json.substring(0, end) + "," + field + json.substring(end));
    }

    /** Every committed value of a topic. */
    private static List<byte[]> values(String bootstrap, String topic) {
        List<byte[]> values = new ArrayList<>();
        KafkaClients.readToEnd(bootstrap, topic, Duration.ofMinutes(1), r -> values.add(r.value()));
        return values;
    }

    private static <T extends SpecificRecord> List<T> decode(
            List<byte[]> values, TopicFormat format, Class<T> type) throws Exception {
        RecordDecoder<T> decoder =
                format.decoder(type, System::getenv, new UnregisteredMetricsGroup());
        List<T> records = new ArrayList<>();
        for (byte[] value : values) {
            records.add(decoder.decode(value));
        }
        return records;
    }
}
