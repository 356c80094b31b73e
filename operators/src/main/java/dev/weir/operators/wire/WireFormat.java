package dev.weir.operators.wire;

import dev.weir.schemas.wire.ConfluentFraming;

/**
 * How the value of a Kafka record is framed around its Avro binary body, chosen per topic. The
 * configuration names a format by {@link #toString()} ({@code single-object}, {@code confluent}).
 */
public enum WireFormat {
    /**
     * Avro single-object encoding: {@code C3 01}, the writer schema's 8-byte CRC-64-AVRO
     * fingerprint (little endian), the record. Readers know the writer schemas by fingerprint.
     */
    SINGLE_OBJECT("single-object"),

    /**
     * Confluent's wire format: magic byte {@code 0x00}, the writer schema's id in a schema registry
     * (4 bytes, big endian), the record. Readers fetch the writer schema by id from the registry.
     */
    CONFLUENT("confluent");

    private final String text;

    WireFormat(String text) {
        this.text = text;
    }

    /** The format named {@code text} ({@code single-object} or {@code confluent}). */
    public static WireFormat parse(String text) {
        for (WireFormat format : values()) {
            if (format.text.equals(text)) {
                return format;
            }
        }
        throw new IllegalArgumentException(
                "'" + text + "' is not a wire format; one of " + java.util.List.of(values()));
    }

    /** The format a value is framed in, by its first bytes; null when it is in neither. */
    public static WireFormat of(byte[] value) {
        if (value == null || value.length == 0) {
            return null;
        }
        if (value[0] == ConfluentFraming.MAGIC_BYTE) {
            return CONFLUENT;
        }
        if (value.length >= 2 && value[0] == (byte) 0xC3 && value[1] == 0x01) {
            return SINGLE_OBJECT;
        }
        return null;
    }

    @Override
    public String toString() {
        return text;
    }
}
