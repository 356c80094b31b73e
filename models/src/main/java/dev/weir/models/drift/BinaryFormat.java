package dev.weir.models.drift;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The frame shared by the live accumulators' binary forms: a type tag, a format version, then the
 * body. Reading checks both and rejects truncated or trailing bytes with a message naming what was
 * wrong, so a bad checkpoint fails fast instead of restoring wrong counts.
 */
final class BinaryFormat {

    /** Upper bound on any array length read back: guards against allocating for corrupt bytes. */
    static final int MAX_LENGTH = 1 << 20;

    interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    interface Parser<T> {
        T read(DataInputStream in) throws IOException;
    }

    private BinaryFormat() {}

    static byte[] write(int type, int version, Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(type);
            out.writeByte(version);
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write to memory", e); // ByteArrayOutputStream does not throw
        }
        return bytes.toByteArray();
    }

    static <T> T read(byte[] bytes, int type, int version, String what, Parser<T> parser) {
        if (bytes == null || bytes.length < 2) {
            throw new IllegalArgumentException(
                    "not a serialized "
                            + what
                            + ": "
                            + (bytes == null ? "null" : bytes.length + " bytes"));
        }
        if (bytes[0] != type) {
            throw new IllegalArgumentException(
                    "not a serialized " + what + ": type tag " + bytes[0] + ", expected " + type);
        }
        if (bytes[1] != version) {
            throw new IllegalArgumentException(
                    "unsupported "
                            + what
                            + " format version "
                            + bytes[1]
                            + "; this build reads version "
                            + version);
        }
        DataInputStream in =
                new DataInputStream(new ByteArrayInputStream(bytes, 2, bytes.length - 2));
        try {
            T value = parser.read(in);
            if (in.available() > 0) {
                throw new IllegalArgumentException(
                        "serialized " + what + " has " + in.available() + " trailing bytes");
            }
            return value;
        } catch (EOFException e) {
            throw new IllegalArgumentException(
                    "serialized " + what + " is truncated (" + bytes.length + " bytes)", e);
        } catch (IOException e) { // in memory, only malformed content (such as bad UTF-8) gets here
            throw new IllegalArgumentException(
                    "corrupt serialized " + what + ": " + e.getMessage(), e);
        }
    }

    static int readLength(DataInputStream in, String what) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("corrupt length " + length + " of " + what);
        }
        return length;
    }

    static void writeDoubles(DataOutputStream out, double[] values) throws IOException {
        out.writeInt(values.length);
        for (double v : values) {
            out.writeDouble(v);
        }
    }

    static double[] readDoubles(DataInputStream in, String what) throws IOException {
        double[] values = new double[readLength(in, what)];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.readDouble();
        }
        return values;
    }

    static void writeStrings(DataOutputStream out, String[] values) throws IOException {
        out.writeInt(values.length);
        for (String v : values) {
            out.writeUTF(v);
        }
    }

    static String[] readStrings(DataInputStream in, String what) throws IOException {
        String[] values = new String[readLength(in, what)];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.readUTF();
        }
        return values;
    }

    static void writeLongs(DataOutputStream out, long[] values) throws IOException {
        out.writeInt(values.length);
        for (long v : values) {
            out.writeLong(v);
        }
    }

    static long[] readLongs(DataInputStream in, String what) throws IOException {
        long[] values = new long[readLength(in, what)];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.readLong();
            if (values[i] < 0) {
                throw new IllegalArgumentException(
                        "corrupt negative count " + values[i] + " in " + what);
            }
        }
        return values;
    }

    /**
     * Non-negative counts as unsigned LEB128 varints after an int length: a window's counts over a
     * few hundred cells mostly take one or two bytes each instead of eight.
     */
    static void writeVarLongs(DataOutputStream out, long[] values) throws IOException {
        out.writeInt(values.length);
        for (long v : values) {
            if (v < 0) {
                throw new IllegalArgumentException("negative count " + v);
            }
            long rest = v;
            while (rest >= 0x80) {
                out.writeByte((int) (rest & 0x7F) | 0x80);
                rest >>>= 7;
            }
            out.writeByte((int) rest);
        }
    }

    /** Reads {@link #writeVarLongs}; rejects overlong, oversized and non-canonical encodings. */
    static long[] readVarLongs(DataInputStream in, String what) throws IOException {
        long[] values = new long[readLength(in, what)];
        for (int i = 0; i < values.length; i++) {
            long value = 0;
            for (int shift = 0; ; shift += 7) {
                if (shift > 56) { // a non-negative long takes at most nine groups of 7 bits
                    throw new IllegalArgumentException("corrupt varint count in " + what);
                }
                int b = in.readUnsignedByte();
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    if (b == 0 && shift > 0) {
                        throw new IllegalArgumentException(
                                "corrupt varint count in " + what + ": overlong encoding");
                    }
                    break;
                }
            }
            if (value < 0) {
                throw new IllegalArgumentException("corrupt varint count in " + what);
            }
            values[i] = value;
        }
        return values;
    }

    static void requireConsistent(boolean consistent, String what, String detail) {
        if (!consistent) {
            throw new IllegalArgumentException(
                    "serialized " + what + " is inconsistent: " + detail);
        }
    }
}
