package dev.weir.operators.wire;

import dev.weir.schemas.wire.SchemaRegistryClient;
import dev.weir.schemas.wire.SchemaRegistryException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.metrics.MetricGroup;

/**
 * A topic's wire format and, for {@link WireFormat#CONFLUENT}, the schema registry its writer
 * schemas are in: what an operator carries to build its decoder or encoder in {@code open()}.
 * Credentials are not part of it; the process that builds the codec reads them from its environment
 * ({@link SchemaRegistryClient}).
 *
 * <p>{@code TopicFormat.confluent("http://registry:8081").decoder(Transaction.class,
 * System::getenv, metrics)}
 *
 * @param registryUrl the registry's base URL for {@code confluent}; null for {@code single-object}
 */
public record TopicFormat(WireFormat format, String registryUrl) implements Serializable {

    public static final TopicFormat SINGLE_OBJECT = new TopicFormat(WireFormat.SINGLE_OBJECT, null);

    /** The compatibility rule Weir sets on the subjects of the topics it writes. */
    public static final String OUTPUT_COMPATIBILITY = "BACKWARD";

    public TopicFormat {
        if (format == null) {
            throw new IllegalArgumentException("a topic format is required");
        }
        if (format == WireFormat.CONFLUENT && (registryUrl == null || registryUrl.isBlank())) {
            throw new IllegalArgumentException(
                    "the confluent format needs the schema registry's URL");
        }
        if (format == WireFormat.SINGLE_OBJECT) {
            registryUrl = null;
        }
    }

    public static TopicFormat confluent(String registryUrl) {
        return new TopicFormat(WireFormat.CONFLUENT, registryUrl);
    }

    /** The registry subject of a topic's record values (Confluent's topic name strategy). */
    public static String subject(String topic) {
        return topic + "-value";
    }

    /** The format as reasons name it: "Avro single-object", "Confluent wire-format". */
    public String description() {
        return format == WireFormat.CONFLUENT ? "Confluent wire-format" : "Avro single-object";
    }

    /**
     * A decoder into {@code type}. For {@code confluent} it asks the registry for writer schemas as
     * ids appear (counted in {@code metrics}); nothing is asked here.
     */
    public <T extends SpecificRecord> RecordDecoder<T> decoder(
            Class<T> type, Function<String, String> env, MetricGroup metrics) {
        if (format == WireFormat.SINGLE_OBJECT) {
            // Topics also hold what earlier releases wrote, in their schemas.
            BinaryMessageDecoder<T> decoder =
                    dev.weir.operators.kafka.ReleasedSchemas.decoder(type);
            return decoder::decode;
        }
        SchemaRegistryClient registry = SchemaRegistryClient.create(registryUrl, env);
        LongSupplier clock = System::currentTimeMillis;
        return new ConfluentDecoder<>(type, registry::schema, metrics, clock);
    }

    /**
     * An encoder of {@code type} for {@code topic}. For {@code confluent} the schema is registered
     * under the topic's subject (or found there, when it already is) for its id.
     *
     * @throws SchemaRegistryException when the registry refuses the schema or does not answer
     */
    public <T extends SpecificRecord> RecordEncoder<T> encoder(
            Class<T> type, String topic, Function<String, String> env)
            throws SchemaRegistryException {
        if (format == WireFormat.SINGLE_OBJECT) {
            SpecificData data = SpecificData.getForClass(type);
            BinaryMessageEncoder<T> encoder =
                    new BinaryMessageEncoder<>(data, data.getSchema(type));
            return record -> bytes(encoder.encode(record));
        }
        SchemaRegistryClient registry = SchemaRegistryClient.create(registryUrl, env);
        int id = registry.register(subject(topic), SpecificData.getForClass(type).getSchema(type));
        return new ConfluentEncoder<>(type, id);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return format == WireFormat.CONFLUENT
                ? format + " (" + registryUrl + ")"
                : format.toString();
    }
}
