package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.kafka.KafkaClients;
import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.jobs.pipeline.KafkaIcebergSinks;
import dev.weir.jobs.pipeline.PipelineSources;
import dev.weir.jobs.pipeline.PipelineWorkflow;
import dev.weir.operators.governance.Governance;
import dev.weir.operators.governance.GovernancePolicy;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.kafka.AvroRecordSerializer;
import dev.weir.schemas.Channel;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Transaction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
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
 * Personal data never leaves the pipeline raw: with the default policy (card numbers and e-mail
 * addresses tokenized, IP addresses masked), no card number, e-mail address or IP address of the
 * test's payments appears in any Iceberg data or metadata file, any output topic, any dead letter
 * or any log line, including payments that are malformed, fail a hard quality rule or repeat a
 * transaction id. Also checks the quality rules' routing in the real pipeline.
 */
class GovernanceITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TestEnvironment.miniCluster();

    private static final Path LOG = Path.of("target", "test-logs", "integration-tests.log");

    @TempDir Path dir;

    @Test
    void noRawPersonalValueReachesAnyOutput() throws Exception {
        String suffix = TestEnvironment.uniqueName("governance");
        Path warehouse = dir.resolve("warehouse");
        PipelineConfig config =
                PipelineConfig.from(
                        TestEnvironment.settings(suffix, warehouse, TestEnvironment.model()));
        TestEnvironment.kafka()
                .createTopics(
                        2,
                        config.transactionsTopic(),
                        config.scoresTopic(),
                        config.dlqTopic(),
                        config.controlTopic());

        // Payments of accounts that no other test uses (their own card numbers and addresses).
        TransactionGenerator generator = new TransactionGenerator(4242L, 4243L, 400, 0.03);
        BinaryMessageEncoder<Transaction> encoder =
                AvroRecordSerializer.encoderFor(Transaction.class);
        Set<String> personal = new LinkedHashSet<>();
        Map<String, String> cardOfAccount = new HashMap<>();
        Set<String> good = new HashSet<>();
        Set<String> outOfRange = new HashSet<>();
        Set<String> softChannel = new HashSet<>();
        Map<String, byte[]> undecodable = new HashMap<>();
        String duplicated = null;
        long start = System.currentTimeMillis() - 600_000;
        try (KafkaProducer<byte[], byte[]> producer = TestEnvironment.producer()) {
            for (int i = 0; i < 1_500; i++) {
                long time = start + i * 200L;
                Transaction txn = generator.next(time).transaction();
                personal.add(txn.getCardNumber());
                personal.add(txn.getEmail());
                if (txn.getIpAddress() != null) {
                    personal.add(txn.getIpAddress());
                }
                cardOfAccount.put(txn.getAccountId(), txn.getCardNumber());
                String kind =
                        i % 50 == 7
                                ? "range"
                                : i % 50 == 13 ? "channel" : i % 50 == 21 ? "truncated" : "good";
                if (kind.equals("range")) {
                    txn.setAmountMinor(0L);
                    outOfRange.add(txn.getTransactionId());
                } else if (kind.equals("channel")) {
                    txn.setChannel(Channel.UNKNOWN);
                    softChannel.add(txn.getTransactionId());
                    good.add(txn.getTransactionId());
                } else if (!kind.equals("truncated")) {
                    good.add(txn.getTransactionId());
                }
                byte[] bytes = encoder.encode(txn).array();
                if (kind.equals("truncated")) {
                    // Cut after the personal fields' start: the bytes still hold the card number.
                    bytes = Arrays.copyOf(bytes, bytes.length - 3);
                    undecodable.put(txn.getTransactionId(), bytes);
                }
                producer.send(
                        new ProducerRecord<>(
                                config.transactionsTopic(),
                                null,
                                time,
                                txn.getAccountId().getBytes(StandardCharsets.UTF_8),
                                bytes));
                if (i == 100) {
                    duplicated = txn.getTransactionId();
                    producer.send(
                            new ProducerRecord<>(
                                    config.transactionsTopic(),
                                    null,
                                    time + 1,
                                    txn.getAccountId().getBytes(StandardCharsets.UTF_8),
                                    encoder.encode(txn).array()));
                }
            }
            producer.flush();
        }
        assertThat(
                        containsAny(
                                String.join(" ", personal).getBytes(StandardCharsets.UTF_8),
                                personal))
                .as("the scan finds what it looks for")
                .isNotNull();
        for (byte[] bytes : undecodable.values()) {
            assertThat(containsAny(bytes, personal))
                    .as("truncated records still hold personal data")
                    .isNotNull();
        }

        var catalogLoader = Catalogs.loader(config);
        Catalog catalog = catalogLoader.loadCatalog();
        WeirTables.ensure(catalog, config.namespace());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        PipelineWorkflow.define(
                env,
                config,
                PipelineSources.kafka(config, true),
                new KafkaIcebergSinks(config, catalogLoader));
        env.execute("governance-it-" + suffix);

        // Routing: out-of-range amounts and the repeated id are dead letters, soft failures flow
        // on.
        Governance governance = Governance.create(GovernancePolicy.defaults(), System::getenv);
        List<DeadLetter> dead =
                PipelineITCase.readCommitted(
                        config.bootstrapServers(), config.dlqTopic(), DeadLetter.class);
        Set<String> rejectedIds = new HashSet<>();
        int sealed = 0;
        for (DeadLetter d : dead) {
            byte[] raw = bytes(d.getRaw());
            if (d.getRawSealed()) {
                sealed++;
                assertThat(undecodable.values())
                        .anySatisfy(
                                original -> assertThat(governance.unseal(raw)).isEqualTo(original));
                continue;
            }
            Transaction governed = Transaction.getDecoder().decode(raw);
            rejectedIds.add(governed.getTransactionId());
            if (governed.getTransactionId().equals(duplicated)) {
                assertThat(d.getReason()).contains("transaction_id.duplicate");
            } else {
                assertThat(d.getReason()).contains("amount_minor.range");
            }
            assertThat(governed.getCardNumber())
                    .isEqualTo(governance.token(cardOfAccount.get(governed.getAccountId())));
        }
        assertThat(sealed).isEqualTo(undecodable.size());
        Set<String> expectedRejected = new HashSet<>(outOfRange);
        expectedRejected.add(duplicated);
        assertThat(rejectedIds).isEqualTo(expectedRejected);

        List<Record> events = TestEnvironment.rows(catalog, config.namespace(), WeirTables.EVENTS);
        assertThat(events).hasSize(good.size());
        for (Record row : events) {
            String id = (String) row.getField("transaction_id");
            // Tokens are deterministic: the same card always has the same token, so joins work.
            assertThat(row.getField("card_number"))
                    .isEqualTo(
                            governance.token(
                                    cardOfAccount.get((String) row.getField("account_id"))));
            assertThat((String) row.getField("email")).startsWith("tok_");
            @SuppressWarnings("unchecked")
            List<String> flags = (List<String>) row.getField("quality_flags");
            assertThat(flags.contains("channel.allowed"))
                    .as(id)
                    .isEqualTo(softChannel.contains(id));
        }

        // The scan: every output topic, every file of the warehouse, every log line.
        for (String topic :
                List.of(
                        config.scoresTopic(),
                        config.decisionsTopic(),
                        config.dlqTopic(),
                        config.monitoringTopic())) {
            List<byte[]> values = new ArrayList<>();
            KafkaClients.readToEnd(
                    config.bootstrapServers(),
                    topic,
                    Duration.ofSeconds(30),
                    r -> {
                        values.add(r.value());
                        if (r.key() != null) {
                            values.add(r.key());
                        }
                    });
            assertThat(values).as(topic).isNotEmpty();
            for (byte[] value : values) {
                assertThat(containsAny(value, personal))
                        .as("personal value in topic " + topic)
                        .isNull();
            }
        }
        for (String table :
                List.of(
                        WeirTables.EVENTS,
                        WeirTables.SCORES,
                        WeirTables.DLQ,
                        WeirTables.FEATURES,
                        WeirTables.MONITORING)) {
            for (Record row : TestEnvironment.rows(catalog, config.namespace(), table)) {
                for (int f = 0; f < row.size(); f++) {
                    assertThat(containsAny(render(row.get(f)), personal))
                            .as(
                                    "personal value in table %s column %s",
                                    table, row.struct().fields().get(f).name())
                            .isNull();
                }
            }
        }
        int files = 0;
        try (Stream<Path> all = Files.walk(warehouse)) {
            for (Path file : all.filter(Files::isRegularFile).toList()) {
                files++;
                byte[] content = Files.readAllBytes(file);
                assertThat(containsAny(content, personal)).as("personal value in " + file).isNull();
                if (file.toString().endsWith(".avro")) {
                    assertThat(containsAny(avroContent(file), personal))
                            .as("personal value in manifest " + file)
                            .isNull();
                }
            }
        }
        assertThat(files).isGreaterThan(10);
        byte[] log = Files.readAllBytes(LOG);
        assertThat(log.length).isGreaterThan(0);
        assertThat(containsAny(log, personal)).as("personal value in the log").isNull();
    }

    /** The first of the values found in the bytes, or null. */
    private static String containsAny(byte[] haystack, Set<String> values) {
        String text = new String(haystack, StandardCharsets.ISO_8859_1);
        for (String value : values) {
            if (text.contains(
                    new String(
                            value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1))) {
                return value;
            }
        }
        return null;
    }

    /** A column value as bytes: binary as is, anything else by its text. */
    private static byte[] render(Object value) {
        if (value instanceof ByteBuffer buffer) {
            return bytes(buffer);
        }
        return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
    }

    /** Every record of an Avro file (Iceberg manifests hold column bounds) rendered as text. */
    private static byte[] avroContent(Path file) throws IOException {
        StringBuilder text = new StringBuilder();
        try (DataFileReader<GenericRecord> reader =
                new DataFileReader<>(file.toFile(), new GenericDatumReader<>())) {
            for (GenericRecord record : reader) {
                text.append(record);
                collectBytes(record, text);
            }
        }
        return text.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void collectBytes(Object value, StringBuilder out) {
        if (value instanceof ByteBuffer buffer) {
            out.append(new String(bytes(buffer), StandardCharsets.ISO_8859_1));
        } else if (value instanceof GenericRecord record) {
            for (org.apache.avro.Schema.Field field : record.getSchema().getFields()) {
                collectBytes(record.get(field.pos()), out);
            }
        } else if (value instanceof java.util.Collection<?> list) {
            list.forEach(v -> collectBytes(v, out));
        } else if (value instanceof Map<?, ?> map) {
            map.values().forEach(v -> collectBytes(v, out));
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
