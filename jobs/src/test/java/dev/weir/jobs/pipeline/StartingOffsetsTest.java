package dev.weir.jobs.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.jobs.config.PipelineConfig;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * {@code kafka.starting-offsets: timestamp:ISO-INSTANT}: each partition starts at its first record
 * at or after the instant (a bootstrapped pipeline starts where its history ends), or at its end.
 */
class StartingOffsetsTest {

    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);

    @Test
    void aTimestampStartsEachPartitionAtItsFirstRecordFromThatInstant() {
        Instant from = Instant.parse("2026-01-31T23:59:59.001Z");
        PipelineConfig config = config("timestamp:" + from);
        OffsetsInitializer offsets = TransactionSource.startingOffsets(config.startingOffsets());

        Map<TopicPartition, Long> asked = new HashMap<>();
        Map<TopicPartition, Long> start =
                offsets.getPartitionOffsets(List.of(P0, P1), new Broker(asked));

        assertThat(asked)
                .containsOnly(
                        Map.entry(P0, from.toEpochMilli()), Map.entry(P1, from.toEpochMilli()));
        // P0 has a record that late; P1 none, so it starts at its end.
        assertThat(start).containsOnly(Map.entry(P0, 42L), Map.entry(P1, 100L));
    }

    @Test
    void anUnknownPositionOrAMalformedInstantIsRefusedByName() {
        for (String wrong : List.of("newest", "timestamp:yesterday", "timestamp:2026-01-31")) {
            assertThatThrownBy(() -> config(wrong))
                    .as(wrong)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("kafka.starting-offsets must be one of")
                    .hasMessageContaining("timestamp:ISO-INSTANT")
                    .hasMessageContaining("got '" + wrong + "'");
        }
    }

    private static PipelineConfig config(String startingOffsets) {
        return PipelineConfig.from(
                Map.of(
                        "kafka.bootstrap-servers", "b:9092",
                        "iceberg.warehouse", "/tmp/wh",
                        "model.dir", "/m",
                        "kafka.starting-offsets", startingOffsets));
    }

    /** Two partitions of 100 records; only the first has one at or after any asked time. */
    private record Broker(Map<TopicPartition, Long> asked)
            implements OffsetsInitializer.PartitionOffsetsRetriever {

        @Override
        public Map<TopicPartition, Long> committedOffsets(Collection<TopicPartition> partitions) {
            return Map.of();
        }

        @Override
        public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
            Map<TopicPartition, Long> ends = new HashMap<>();
            partitions.forEach(p -> ends.put(p, 100L));
            return ends;
        }

        @Override
        public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
            Map<TopicPartition, Long> beginnings = new HashMap<>();
            partitions.forEach(p -> beginnings.put(p, 0L));
            return beginnings;
        }

        @Override
        public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(
                Map<TopicPartition, Long> times) {
            asked.putAll(times);
            Map<TopicPartition, OffsetAndTimestamp> found = new HashMap<>();
            // Kafka's consumer leaves out partitions without such a record.
            found.put(P0, new OffsetAndTimestamp(42L, times.get(P0)));
            return found;
        }
    }
}
