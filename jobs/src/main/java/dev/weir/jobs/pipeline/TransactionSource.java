package dev.weir.jobs.pipeline;

import dev.weir.jobs.config.KafkaConfig;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.operators.kafka.RawRecord;
import dev.weir.operators.kafka.RawRecordDeserializer;
import java.time.Instant;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The Kafka sources of the pipeline's inputs. Each gets the client properties of {@code
 * kafka.properties.*} (security, tuning) besides what the pipeline sets itself.
 */
public final class TransactionSource {

    private TransactionSource() {}

    /**
     * @param bounded stop at the offsets that are latest when the job starts (tests, backfills)
     */
    public static KafkaSource<RawRecord> build(PipelineConfig config, boolean bounded) {
        return raw(config, config.transactionsTopic(), config.groupId(), bounded);
    }

    /**
     * The model-control topic. Every subtask's scoring operator gets every command (broadcast); a
     * job without state starts at the latest command, so an old promotion is not replayed over the
     * model it was submitted with.
     */
    public static KafkaSource<RawRecord> control(PipelineConfig config, boolean bounded) {
        KafkaSourceBuilder<RawRecord> builder =
                KafkaSource.<RawRecord>builder()
                        .setProperties(config.kafka().clientProperties())
                        .setBootstrapServers(config.bootstrapServers())
                        .setTopics(config.controlTopic())
                        .setGroupId(config.groupId() + "-model-control")
                        .setDeserializer(new RawRecordDeserializer())
                        .setProperty("isolation.level", "read_committed")
                        .setStartingOffsets(OffsetsInitializer.latest());
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    /**
     * The labels topic: late ground truth, read like the transactions (own group, same starting
     * rule).
     */
    public static KafkaSource<RawRecord> labels(PipelineConfig config, boolean bounded) {
        return raw(config, config.labelsTopic(), config.groupId() + "-labels", bounded);
    }

    /** Raw records of an input topic, read committed, offsets committed on checkpoints. */
    private static KafkaSource<RawRecord> raw(
            PipelineConfig config, String topic, String groupId, boolean bounded) {
        KafkaSourceBuilder<RawRecord> builder =
                KafkaSource.<RawRecord>builder()
                        .setProperties(config.kafka().clientProperties())
                        .setBootstrapServers(config.bootstrapServers())
                        .setTopics(topic)
                        .setGroupId(groupId)
                        .setDeserializer(new RawRecordDeserializer())
                        .setProperty("isolation.level", "read_committed")
                        .setProperty("commit.offsets.on.checkpoint", "true")
                        .setStartingOffsets(startingOffsets(config.startingOffsets()));
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    @SuppressWarnings("deprecation")
    static OffsetsInitializer startingOffsets(String mode) {
        Instant timestamp = KafkaConfig.startingTimestamp(mode);
        if (timestamp != null) {
            // Partitions without a record that late start at their end.
            return OffsetsInitializer.timestamp(timestamp.toEpochMilli());
        }
        return switch (mode) {
            case "earliest" -> OffsetsInitializer.earliest();
            case "latest" -> OffsetsInitializer.latest();
            default -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
    }
}
