package dev.weir.operators.governance;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed, deterministic tokens: {@code tok_} and the first 26 characters of the unpadded base64url
 * HMAC-SHA256 of the value (156 bits). Not thread-safe: one {@link Mac} is reused per value.
 */
final class Tokenizer {

    static final String PREFIX = "tok_";
    static final int LENGTH = PREFIX.length() + 26;

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final Mac mac;

    Tokenizer(byte[] key) {
        this.mac = hmac(key);
    }

    static Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available: " + e.getMessage(), e);
        }
    }

    /**
     * The value's token; a value that is already a token stays as it is, so re-applying is
     * harmless.
     */
    String token(String value) {
        if (isToken(value)) {
            return value;
        }
        byte[] digest = mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
        return PREFIX + BASE64URL.encodeToString(digest).substring(0, LENGTH - PREFIX.length());
    }

    static boolean isToken(String value) {
        if (value.length() != LENGTH || !value.startsWith(PREFIX)) {
            return false;
        }
        for (int i = PREFIX.length(); i < LENGTH; i++) {
            char c = value.charAt(i);
            boolean base64url =
                    (c >= 'A' && c <= 'Z')
                            || (c >= 'a' && c <= 'z')
                            || (c >= '0' && c <= '9')
                            || c == '-'
                            || c == '_';
            if (!base64url) {
                return false;
            }
        }
        return true;
    }
}
