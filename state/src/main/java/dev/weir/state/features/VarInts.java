package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Variable-length integers (7 bits a byte, low bits first), and zigzag for signed ones: pane
 * indexes as differences, counts and times within a pane take one to three bytes instead of eight.
 * Doubles that are whole numbers (amounts in minor units, their sums and extremes) take as many
 * bytes as the number needs, any other double nine; both read back to the same bits.
 */
final class VarInts {

    private VarInts() {}

    static void writeUnsigned(DataOutput out, long value) throws IOException {
        while ((value & ~0x7FL) != 0) {
            out.writeByte((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.writeByte((int) value);
    }

    static long readUnsigned(DataInput in) throws IOException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readByte();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("malformed variable-length integer");
    }

    /** Whole numbers below 2^53 in magnitude are exact doubles, and so are their sums up to it. */
    private static final long WHOLE_LIMIT = 1L << 53;

    /**
     * A double: a whole number of magnitude below 2^53 (not -0) as a zigzag varint shifted left
     * once (low bit 0), anything else as the byte 1 and its eight bytes.
     */
    static void writeDouble(DataOutput out, double value) throws IOException {
        long whole = (long) value;
        if (whole > -WHOLE_LIMIT
                && whole < WHOLE_LIMIT
                && Double.doubleToRawLongBits((double) whole)
                        == Double.doubleToRawLongBits(value)) {
            writeUnsigned(out, ((whole << 1) ^ (whole >> 63)) << 1);
        } else {
            out.writeByte(1);
            out.writeLong(Double.doubleToRawLongBits(value));
        }
    }

    static double readDouble(DataInput in) throws IOException {
        long tagged = readUnsigned(in);
        if ((tagged & 1) != 0) {
            return Double.longBitsToDouble(in.readLong());
        }
        long zigzag = tagged >>> 1;
        return (double) ((zigzag >>> 1) ^ -(zigzag & 1));
    }

    static void writeSigned(DataOutput out, long value) throws IOException {
        writeUnsigned(out, (value << 1) ^ (value >> 63));
    }

    static long readSigned(DataInput in) throws IOException {
        long zigzag = readUnsigned(in);
        return (zigzag >>> 1) ^ -(zigzag & 1);
    }
}
