package dev.weir.cli;

import dev.weir.cli.cluster.SchemaRegistryServer;
import dev.weir.cli.kafka.WeirRecordDecoder;
import dev.weir.schemas.DeadLetter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weir consume}: prints a topic's Weir records as JSON lines, committed data only. Values in
 * single-object encoding and in Confluent's wire format are both read, each recognised by its first
 * bytes; the record type by the schema fingerprint, or by the writer schema the registry holds
 * under the value's id. So the decisions topic (the same {@code Score} records as the scores topic)
 * prints like the scores, each with its reason codes (feature and signed contribution); records of
 * released older schemas print too. The decisions are written without transactions: read committed,
 * each is visible as soon as the broker has it.
 */
@Command(
        name = "consume",
        description = {
            "Prints a topic's Weir records as JSON lines.",
            "Scores and decisions, dead letters, transactions, labels, "
                    + "model-control commands or monitoring records, committed data only "
                    + "(weir.decisions has no transactions, so its records show at once); "
                    + "single-object encoded or in Confluent's wire format."
        })
public final class ConsumeCommand extends WeirCommand {

    @picocli.CommandLine.Mixin dev.weir.cli.kafka.KafkaOptions kafka;

    @Option(
            names = "--topic",
            paramLabel = "TOPIC",
            required = true,
            description = "Topic to read from its beginning, e.g. weir.decisions or weir.dlq.")
    String topic;

    @Option(
            names = "--max",
            paramLabel = "N",
            description = "Stop after N records.%nDefault: no limit.")
    Long max;

    @Option(
            names = "--idle-timeout",
            paramLabel = "DURATION",
            defaultValue = "10s",
            description = "Stop when no record came for this long.%nDefault: ${DEFAULT-VALUE}.")
    Duration idleTimeout;

    @Option(
            names = "--schema-registry",
            paramLabel = "URL",
            defaultValue = SchemaRegistryServer.LOCAL_URL,
            description =
                    "The schema registry of values in Confluent's wire format, asked only when"
                            + " one comes (credentials from WEIR_SCHEMA_REGISTRY_USER and"
                            + " WEIR_SCHEMA_REGISTRY_PASSWORD).%nDefault: ${DEFAULT-VALUE}.")
    String schemaRegistry;

    @Option(
            names = "--unseal",
            description =
                    "Show sealed dead letters opened, with the key of the policy's key_env (the"
                            + " default policy's: WEIR_TOKEN_KEY).")
    boolean unseal;

    @Option(
            names = "--policy",
            paramLabel = "FILE",
            description =
                    "The governance policy whose key --unseal uses.%nDefault: the built-in "
                            + "one.")
    Path policy;

    @Override
    protected void run() {
        long limit = max == null ? Long.MAX_VALUE : atLeast("--max", max, 1);
        WeirRecordDecoder decoders = new WeirRecordDecoder(schemaRegistry, environment);

        // Sealed dead letters are opened for the holder of the policy's key only.
        dev.weir.operators.governance.Governance unsealer =
                unseal
                        ? dev.weir.operators.governance.Governance.create(
                                policy != null
                                        ? dev.weir.operators.governance.GovernancePolicy.load(
                                                policy)
                                        : dev.weir.operators.governance.GovernancePolicy.defaults(),
                                System::getenv)
                        : null;
        long printed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                dev.weir.cli.kafka.KafkaClients.readCommittedConsumer(
                        kafka.connection(), "weir-consume")) {
            consumer.subscribe(List.of(topic));
            long lastRecord = System.currentTimeMillis();
            while (printed < limit
                    && System.currentTimeMillis() - lastRecord < idleTimeout.toMillis()) {
                for (ConsumerRecord<byte[], byte[]> record :
                        consumer.poll(Duration.ofMillis(500))) {
                    lastRecord = System.currentTimeMillis();
                    out.println(
                            unsealer == null
                                    ? toJson(decoders, record.value())
                                    : unsealed(decoders, record.value(), unsealer));
                    if (++printed >= limit) {
                        break;
                    }
                }
            }
        }
    }

    /** A dead letter with its sealed bytes opened (base64), anything else as {@link #toJson}. */
    static String unsealed(
            WeirRecordDecoder decoders,
            byte[] value,
            dev.weir.operators.governance.Governance governance) {
        try {
            if (decoders.decode(value) instanceof DeadLetter d && d.getRawSealed()) {
                java.nio.ByteBuffer raw = d.getRaw().duplicate();
                byte[] sealed = new byte[raw.remaining()];
                raw.get(sealed);
                return "{\"dead_letter\": "
                        + d
                        + ", \"unsealed_raw_base64\": \""
                        + java.util.Base64.getEncoder().encodeToString(governance.unseal(sealed))
                        + "\"}";
            }
        } catch (Exception e) {
            // Not a sealed dead letter: printed as usual.
        }
        return toJson(decoders, value);
    }

    static String toJson(WeirRecordDecoder decoders, byte[] value) {
        if (value == null) {
            return "{\"undecodable\": \"null value\"}";
        }
        SpecificRecord record;
        try {
            record = decoders.decode(value);
        } catch (Exception e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return "{\"undecodable\": \""
                    + why.replace("\\", "\\\\").replace("\"", "\\\"")
                    + "\", \"bytes\": "
                    + value.length
                    + "}";
        }
        return record.toString();
    }
}
