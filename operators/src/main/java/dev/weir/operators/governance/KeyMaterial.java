package dev.weir.operators.governance;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Function;

/**
 * The governance key, read from an environment variable. Errors name the variable and never show
 * any part of its value.
 */
final class KeyMaterial {

    /** HMAC-SHA256 and AES-256 both want 32 bytes of key; less would weaken tokens. */
    static final int MIN_BYTES = 32;

    private KeyMaterial() {}

    /**
     * The key bytes: the value decoded as base64 (standard or URL-safe, padding optional) when it
     * is valid base64, otherwise its raw UTF-8 bytes. Surrounding white space is ignored, since
     * secrets mounted from files often end with a newline. Callers should zero the array once their
     * keys are built.
     *
     * @throws IllegalStateException if the variable is unset, blank or shorter than 32 bytes
     */
    static byte[] read(String variable, Function<String, String> env) {
        String value = env.apply(variable);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(
                    "environment variable "
                            + variable
                            + " is not set; the governance"
                            + " policy needs it to hold a key of at least "
                            + MIN_BYTES
                            + " bytes (openssl rand -base64 32)");
        }
        byte[] key = decode(value.strip());
        if (key.length < MIN_BYTES) {
            Arrays.fill(key, (byte) 0);
            throw new IllegalStateException(
                    "environment variable "
                            + variable
                            + " holds a key shorter than "
                            + MIN_BYTES
                            + " bytes (after base64 decoding, if it is base64); use openssl rand -base64 32");
        }
        return key;
    }

    private static byte[] decode(String value) {
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException notStandard) {
            try {
                return Base64.getUrlDecoder().decode(value);
            } catch (IllegalArgumentException notBase64) {
                return value.getBytes(StandardCharsets.UTF_8);
            }
        }
    }
}
