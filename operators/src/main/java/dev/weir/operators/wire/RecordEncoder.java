package dev.weir.operators.wire;

import java.io.IOException;

/** Writes a record as one Kafka record value of a topic's format. */
@FunctionalInterface
public interface RecordEncoder<T> {

    byte[] encode(T record) throws IOException;
}
