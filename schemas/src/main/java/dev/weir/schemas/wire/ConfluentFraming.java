package dev.weir.schemas.wire;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The five bytes before the Avro body in Confluent's wire format: magic byte {@code 0x00}, then the
 * writer schema's registry id as a big-endian 32-bit integer.
 */
public final class ConfluentFraming {

    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_LENGTH = 5;

    private ConfluentFraming() {}

    /** The writer schema's id in {@code value}. */
    public static int schemaId(byte[] value) throws BadFramingException {
        if (value.length < HEADER_LENGTH) {
            throw new BadFramingException(
                    "not in the Confluent wire format: "
                            + value.length
                            + " bytes, fewer than the 5 of its header (magic byte, schema id)");
        }
        if (value[0] != MAGIC_BYTE) {
            throw new BadFramingException(
                    String.format(
                            "not in the Confluent wire format: magic byte 0x%02x, expected 0x00",
                            value[0] & 0xFF));
        }
        return ByteBuffer.wrap(value, 1, 4).getInt();
    }

    /** The header of a value written with schema {@code id}. */
    public static byte[] header(int id) {
        return ByteBuffer.allocate(HEADER_LENGTH).put(MAGIC_BYTE).putInt(id).array();
    }

    /** A value whose first bytes are not the frame its topic's format expects. */
    public static final class BadFramingException extends IOException {
        private static final long serialVersionUID = 1L;

        public BadFramingException(String message) {
            super(message);
        }
    }
}
