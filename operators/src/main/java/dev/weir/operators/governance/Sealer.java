package dev.weir.operators.governance;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for bytes kept aside, such as undecodable input in the dead letters: {@code WSEAL1}
 * (ASCII), a random 12-byte IV, then ciphertext and 16-byte tag. The magic is also authenticated
 * data, so a changed format marker fails like changed contents. The AES key is HMAC-SHA256(key,
 * "weir-seal-v1"), so tokens and sealed bytes never use the same key directly.
 */
final class Sealer {

    static final byte[] MAGIC = "WSEAL1".getBytes(StandardCharsets.US_ASCII);
    static final int IV_BYTES = 12;
    static final int TAG_BYTES = 16;
    static final int MIN_SEALED_BYTES = MAGIC.length + IV_BYTES + TAG_BYTES;

    private static final byte[] KEY_LABEL = "weir-seal-v1".getBytes(StandardCharsets.US_ASCII);

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    Sealer(byte[] governanceKey) {
        byte[] derived = Tokenizer.hmac(governanceKey).doFinal(KEY_LABEL);
        this.key = new SecretKeySpec(derived, "AES");
        Arrays.fill(derived, (byte) 0);
    }

    byte[] seal(byte[] raw) {
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, iv);
            byte[] sealed = new byte[MAGIC.length + IV_BYTES + cipher.getOutputSize(raw.length)];
            System.arraycopy(MAGIC, 0, sealed, 0, MAGIC.length);
            System.arraycopy(iv, 0, sealed, MAGIC.length, IV_BYTES);
            cipher.doFinal(raw, 0, raw.length, sealed, MAGIC.length + IV_BYTES);
            return sealed;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal: " + e.getMessage(), e);
        }
    }

    byte[] unseal(byte[] sealed) {
        if (!isSealed(sealed)) {
            throw new IllegalArgumentException(
                    "not sealed bytes: they do not start with WSEAL1 or are too short");
        }
        byte[] iv = Arrays.copyOfRange(sealed, MAGIC.length, MAGIC.length + IV_BYTES);
        int body = MAGIC.length + IV_BYTES;
        try {
            return cipher(Cipher.DECRYPT_MODE, iv).doFinal(sealed, body, sealed.length - body);
        } catch (AEADBadTagException e) {
            throw new IllegalArgumentException(
                    "sealed bytes fail authentication: altered, truncated or sealed with another key",
                    e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot unseal: " + e.getMessage(), e);
        }
    }

    static boolean isSealed(byte[] bytes) {
        return bytes != null
                && bytes.length >= MIN_SEALED_BYTES
                && Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
    }

    private Cipher cipher(int mode, byte[] iv) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, iv));
        cipher.updateAAD(MAGIC);
        return cipher;
    }
}
