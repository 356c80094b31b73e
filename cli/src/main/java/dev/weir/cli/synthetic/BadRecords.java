package dev.weir.cli.synthetic;

import dev.weir.operators.wire.WireFormat;
import dev.weir.schemas.wire.ConfluentFraming;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Malformed record values of the kinds real producers emit by mistake. */
public final class BadRecords {

    private BadRecords() {}

    /** One malformed value, derived from a valid single-object encoding {@code good}. */
    public static byte[] make(SplittableRandom random, byte[] good) {
        return make(random, good, WireFormat.SINGLE_OBJECT);
    }

    /** One malformed value, derived from a valid encoding {@code good} in {@code format}. */
    public static byte[] make(SplittableRandom random, byte[] good, WireFormat format) {
        int header = format == WireFormat.CONFLUENT ? ConfluentFraming.HEADER_LENGTH : 10;
        switch (random.nextInt(4)) {
            case 0:
                {
                    // Noise that starts like neither format.
                    byte[] noise = new byte[1 + random.nextInt(200)];
                    random.nextBytes(noise);
                    if (WireFormat.of(noise) != null) {
                        noise[0] = 1;
                    }
                    return noise;
                }
            case 1:
                // Header intact, body cut short.
                return Arrays.copyOf(
                        good, header + random.nextInt(Math.max(1, good.length - header - 2)));
            case 2:
                {
                    // A writer schema nobody registered: the fingerprint or id does not resolve.
                    byte[] copy = good.clone();
                    if (format == WireFormat.CONFLUENT) {
                        ByteBuffer.wrap(copy).putInt(1, 0x7F000000 | random.nextInt(1 << 24));
                    } else {
                        copy[2] ^= (byte) 0xFF;
                    }
                    return copy;
                }
            default:
                return new byte[0];
        }
    }
}
