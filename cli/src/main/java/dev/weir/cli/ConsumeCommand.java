package dev.weir.cli;

import dev.weir.jobs.Args;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Label;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * {@code weir consume}: prints a topic's Weir records as JSON lines, committed data only. The
 * record type is recognised by the schema fingerprint in each value, so the decisions topic (the
 * same {@code Score} records as the scores topic) prints like the scores. The decisions are written
 * without transactions: read committed, each is visible as soon as the broker has it.
 */
public final class ConsumeCommand {

    public static final Set<String> OPTIONS =
            Set.of("bootstrap", "topic", "max", "idle-timeout", "policy");
    public static final Set<String> FLAGS = Set.of("unseal");

    private ConsumeCommand() {}

    public static void run(String[] argv, PrintStream out) {
        Args args = Args.parse(argv, OPTIONS, Set.of(), FLAGS);
        String bootstrap = args.required("bootstrap");
        String topic = args.required("topic");
        long max = args.longValue("max", Long.MAX_VALUE, 1);
        Duration idle = args.duration("idle-timeout").orElse(Duration.ofSeconds(10));
        List<BinaryMessageDecoder<? extends SpecificRecord>> decoders =
                List.of(
                        decoder(Score.class),
                        decoder(DeadLetter.class),
                        decoder(Transaction.class),
                        decoder(Label.class),
                        decoder(dev.weir.schemas.ModelControl.class),
                        decoder(dev.weir.schemas.MonitoringRecord.class));

        // --unseal: dead letters whose raw bytes are sealed are shown opened, with the key of the
        // policy's key_env (the default policy: WEIR_TOKEN_KEY); for the holder of that key only.
        dev.weir.operators.governance.Governance unsealer =
                args.flag("unseal")
                        ? dev.weir.operators.governance.Governance.create(
                                args.path("policy")
                                        .map(dev.weir.operators.governance.GovernancePolicy::load)
                                        .orElse(
                                                dev.weir.operators.governance.GovernancePolicy
                                                        .defaults()),
                                System::getenv)
                        : null;
        long printed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                dev.weir.cli.kafka.KafkaClients.readCommittedConsumer(bootstrap, "weir-consume")) {
            consumer.subscribe(List.of(topic));
            long lastRecord = System.currentTimeMillis();
            while (printed < max && System.currentTimeMillis() - lastRecord < idle.toMillis()) {
                for (ConsumerRecord<byte[], byte[]> record :
                        consumer.poll(Duration.ofMillis(500))) {
                    lastRecord = System.currentTimeMillis();
                    out.println(
                            unsealer == null
                                    ? toJson(decoders, record.value())
                                    : unsealed(decoders, record.value(), unsealer));
                    if (++printed >= max) {
                        break;
                    }
                }
            }
        }
    }

    /** A dead letter with its sealed bytes opened (base64), anything else as {@link #toJson}. */
    static String unsealed(
            List<BinaryMessageDecoder<? extends SpecificRecord>> decoders,
            byte[] value,
            dev.weir.operators.governance.Governance governance) {
        try {
            DeadLetter d = DeadLetter.getDecoder().decode(value);
            if (d.getRawSealed()) {
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

    static String toJson(
            List<BinaryMessageDecoder<? extends SpecificRecord>> decoders, byte[] value) {
        if (value == null) {
            return "{\"undecodable\": \"null value\"}";
        }
        for (BinaryMessageDecoder<? extends SpecificRecord> decoder : decoders) {
            try {
                return decoder.decode(value).toString();
            } catch (MissingSchemaException e) {
                // Not this type; try the next one.
            } catch (Exception e) {
                return "{\"undecodable\": \""
                        + e.getClass().getSimpleName()
                        + "\", \"bytes\": "
                        + value.length
                        + "}";
            }
        }
        return "{\"undecodable\": \"unknown schema fingerprint\", \"bytes\": " + value.length + "}";
    }

    private static <T extends SpecificRecord> BinaryMessageDecoder<T> decoder(Class<T> type) {
        SpecificData data = SpecificData.getForClass(type);
        return new BinaryMessageDecoder<>(data, data.getSchema(type));
    }
}
