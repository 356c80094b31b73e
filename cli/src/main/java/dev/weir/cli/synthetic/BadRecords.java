package dev.weir.cli.synthetic;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Malformed record values of the kinds real producers emit by mistake. */
public final class BadRecords {

    private BadRecords() {}

    /** One malformed value, derived from a valid encoding {@code good}. */
    public static byte[] make(SplittableRandom random, byte[] good) {
        switch (random.nextInt(4)) {
            case 0:
                {
                    byte[] noise = new byte[1 + random.nextInt(200)];
                    random.nextBytes(noise);
                    if (noise.length > 1 && noise[0] == (byte) 0xC3 && noise[1] == 0x01) {
                        noise[0] = 0;
                    }
                    return noise;
                }
            case 1:
                // Header and fingerprint intact, body cut short.
                return Arrays.copyOf(good, 10 + random.nextInt(Math.max(1, good.length - 12)));
            case 2:
                {
                    // A writer schema nobody registered: the fingerprint does not resolve.
                    byte[] copy = good.clone();
                    copy[2] ^= (byte) 0xFF;
                    return copy;
                }
            default:
                return new byte[0];
        }
    }
}
