package dev.weir.state.features;

import java.nio.charset.StandardCharsets;

/** 64-bit FNV-1a over UTF-8: stable across JVMs and releases, which hashCode() is not. */
final class Fingerprints {

    private Fingerprints() {}

    static long of(String text) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            hash ^= (b & 0xff);
            hash *= 0x100000001b3L;
        }
        return hash;
    }
}
