package dev.weir.operators.kafka;

import dev.weir.operators.wire.RecordEncoder;
import dev.weir.operators.wire.TopicFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes Avro records to Kafka, keyed by a field of the record, in the topic's format:
 * single-object encoding (a two-byte marker, the schema's 8-byte fingerprint, then the binary
 * record) or Confluent's wire format (magic byte, the schema's registry id, the binary record; the
 * schema is registered under the topic's subject, or found there, when the writer opens).
 *
 * <p>{@code new AvroRecordSerializer<>("weir.scores", Score.class,
 * Score::getTransactionId).withFormat(TopicFormat.confluent(url))}
 */
public final class AvroRecordSerializer<T extends SpecificRecord>
        implements KafkaRecordSerializationSchema<T> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final Class<T> type;
    private final SerializableFunction<T, String> key;
    private final boolean eventTimestamps;
    private final TopicFormat format;

    /** Null: every record has a value. */
    private final SerializableFunction<T, Boolean> tombstone;

    private transient RecordEncoder<T> encoder;

    public AvroRecordSerializer(String topic, Class<T> type, SerializableFunction<T, String> key) {
        this(topic, type, key, true, TopicFormat.SINGLE_OBJECT, null);
    }

    private AvroRecordSerializer(
            String topic,
            Class<T> type,
            SerializableFunction<T, String> key,
            boolean eventTimestamps,
            TopicFormat format,
            SerializableFunction<T, Boolean> tombstone) {
        this.topic = topic;
        this.type = type;
        this.key = key;
        this.eventTimestamps = eventTimestamps;
        this.format = format;
        this.tombstone = tombstone;
    }

    /** The same serializer writing {@code format}. */
    public AvroRecordSerializer<T> withFormat(TopicFormat format) {
        return new AvroRecordSerializer<>(topic, type, key, eventTimestamps, format, tombstone);
    }

    /**
     * The same serializer writing a null value (a compacted topic's deletion of the key) for the
     * records {@code isTombstone} accepts.
     */
    public AvroRecordSerializer<T> withTombstones(SerializableFunction<T, Boolean> isTombstone) {
        return new AvroRecordSerializer<>(topic, type, key, eventTimestamps, format, isTombstone);
    }

    /**
     * The same serializer with Kafka's own timestamp (the time of writing) instead of the record's
     * event time: for records stamped at the end of a window that may lie ahead of the broker's
     * clock (a label wait or score TTL that ended at the end of a bounded run), which the broker
     * would refuse ({@code log.message.timestamp.after.max.ms}).
     */
    public AvroRecordSerializer<T> withWriteTimestamps() {
        return new AvroRecordSerializer<>(topic, type, key, false, format, tombstone);
    }

    @Override
    public void open(
            SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext)
            throws IOException {
        encoder = format.encoder(type, topic, System::getenv);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            T element, KafkaSinkContext context, Long timestamp) {
        try {
            if (encoder == null) {
                encoder = format.encoder(type, topic, System::getenv);
            }
            byte[] value =
                    tombstone != null && tombstone.apply(element) ? null : encoder.encode(element);
            return new ProducerRecord<>(
                    topic,
                    null,
                    eventTimestamps ? timestamp : null,
                    key.apply(element).getBytes(StandardCharsets.UTF_8),
                    value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + type.getSimpleName(), e);
        }
    }

    /** The single-object encoder for a generated Avro class. */
    public static <T extends SpecificRecord> BinaryMessageEncoder<T> encoderFor(Class<T> type) {
        SpecificData data = SpecificData.getForClass(type);
        return new BinaryMessageEncoder<>(data, data.getSchema(type));
    }
}
