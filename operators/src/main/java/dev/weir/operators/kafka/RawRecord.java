package dev.weir.operators.kafka;

import java.util.Arrays;
import java.util.Objects;

/**
 * A Kafka record exactly as read: the value's bytes and where they came from. Decoding happens
 * downstream so that a bad record can be routed to the dead letters instead of failing the source.
 * A Flink POJO.
 */
public class RawRecord {

    public String topic;
    public int partition;
    public long offset;

    /** The Kafka record timestamp, which producers set to the event time. */
    public long timestamp;

    /** The record value; null for a tombstone. */
    public byte[] value;

    public RawRecord() {}

    public RawRecord(String topic, int partition, long offset, long timestamp, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.value = value;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RawRecord other)) {
            return false;
        }
        return partition == other.partition
                && offset == other.offset
                && timestamp == other.timestamp
                && Objects.equals(topic, other.topic)
                && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset);
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
