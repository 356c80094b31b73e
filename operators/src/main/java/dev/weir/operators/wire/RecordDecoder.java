package dev.weir.operators.wire;

import java.io.IOException;

/** Reads one Kafka record value of a topic's format into a record of the reader's schema. */
@FunctionalInterface
public interface RecordDecoder<T> {

    /**
     * @throws IOException (or an Avro runtime exception) when the value cannot be read: the message
     *     says why, for the dead letter
     */
    T decode(byte[] value) throws IOException;
}
