package dev.weir.operators.governance;

import dev.weir.schemas.Transaction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.apache.avro.Schema;

/**
 * A {@link GovernancePolicy} at work, with its key: governs records, makes tokens, seals bytes.
 *
 * <p>Built in an operator's {@code open()} from the serializable policy and the environment:
 *
 * <pre>{@code
 * governance = Governance.create(policy, System::getenv);
 * Transaction stored = governance.apply(txn);
 * }</pre>
 *
 * <p>The key comes from the policy's {@code key_env} variable and must be at least 32 bytes,
 * written as base64 (standard or URL-safe) or, if the value is not valid base64, taken as its raw
 * UTF-8 bytes; {@code openssl rand -base64 32} makes one. It is required whenever the policy names
 * {@code key_env}, which it must when it tokenizes. The key appears in no message, log or {@code
 * toString}.
 *
 * <p>Not thread-safe and not serializable: each operator instance builds its own.
 */
public final class Governance {

    private final GovernancePolicy policy;
    private final Tokenizer tokenizer;
    private final Sealer sealer;
    // The fields apply() changes, resolved once; keep needs no work at all.
    private final int[] positions;
    private final Action[] actions;
    private final int[] keepLast;

    private Governance(GovernancePolicy policy, byte[] key) {
        this.policy = policy;
        this.tokenizer = key == null ? null : new Tokenizer(key);
        this.sealer = key == null ? null : new Sealer(key);
        List<FieldRule> changing = new ArrayList<>();
        policy.fields().stream().filter(f -> f.action() != Action.KEEP).forEach(changing::add);
        Schema schema = Transaction.getClassSchema();
        this.positions =
                changing.stream().mapToInt(f -> schema.getField(f.field()).pos()).toArray();
        this.actions = changing.stream().map(FieldRule::action).toArray(Action[]::new);
        this.keepLast = changing.stream().mapToInt(FieldRule::keepLast).toArray();
    }

    /**
     * @param env the environment, {@code System::getenv} in production
     * @throws IllegalStateException if the policy names a key variable that is unset or holds fewer
     *     than 32 bytes; the message names the variable, never its value
     */
    public static Governance create(GovernancePolicy policy, Function<String, String> env) {
        if (policy.keyEnv().isEmpty()) {
            return new Governance(policy, null);
        }
        byte[] key = KeyMaterial.read(policy.keyEnv().get(), env);
        try {
            return new Governance(policy, key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    public GovernancePolicy policy() {
        return policy;
    }

    /** Whether {@link #apply} changes anything; when not, callers may skip it. */
    public boolean hasRules() {
        return positions.length > 0;
    }

    /** Whether there is a key to {@link #seal} with. */
    public boolean canSeal() {
        return sealer != null;
    }

    /** A governed copy of {@code txn}; the input is left untouched. */
    public Transaction apply(Transaction txn) {
        Transaction copy = Transaction.newBuilder(txn).build();
        for (int i = 0; i < positions.length; i++) {
            Object value = copy.get(positions[i]);
            copy.put(positions[i], value == null ? null : governed(i, value.toString()));
        }
        return copy;
    }

    private String governed(int i, String value) {
        return switch (actions[i]) {
            case DROP -> null;
            case MASK -> mask(value, keepLast[i]);
            case TOKENIZE -> tokenizer.token(value);
            case KEEP -> value;
        };
    }

    /**
     * {@code tok_} and 26 base64url characters of the keyed HMAC-SHA256 of the UTF-8 value. The
     * same value has the same token in every field, so joins across fields and tables still work; a
     * token is returned as it is, so governing twice changes nothing.
     *
     * @throws IllegalStateException if the policy has no key
     */
    public String token(String value) {
        if (tokenizer == null) {
            throw new IllegalStateException(
                    "cannot tokenize: the governance policy has no key_env");
        }
        return value == null ? null : tokenizer.token(value);
    }

    /**
     * The value with every character but the last {@code keepLast} replaced by {@code *}, keeping
     * its length in characters (code points): "4111111111111111" keeping 4 is "************1111".
     */
    public static String mask(String value, int keepLast) {
        if (keepLast < 0) {
            throw new IllegalArgumentException("keepLast must be 0 or more, not " + keepLast);
        }
        if (value == null) {
            return null;
        }
        int hidden = value.codePointCount(0, value.length()) - keepLast;
        if (hidden <= 0) {
            return value;
        }
        return "*".repeat(hidden) + value.substring(value.offsetByCodePoints(0, hidden));
    }

    /**
     * {@code raw} encrypted and authenticated (AES-256-GCM, random IV) behind the ASCII magic
     * {@code WSEAL1}: for bytes that may hold personal data but must be kept, such as undecodable
     * input in the dead letters.
     *
     * @throws IllegalStateException if the policy has no key ({@link #canSeal()} is false)
     */
    public byte[] seal(byte[] raw) {
        return sealer().seal(raw);
    }

    /**
     * The bytes given to {@link #seal}.
     *
     * @throws IllegalArgumentException if they are not sealed, were altered or truncated, or were
     *     sealed with another key
     */
    public byte[] unseal(byte[] sealed) {
        return sealer().unseal(sealed);
    }

    /** Whether {@code bytes} look sealed: the magic and room for an IV and a tag. */
    public static boolean isSealed(byte[] bytes) {
        return Sealer.isSealed(bytes);
    }

    private Sealer sealer() {
        if (sealer == null) {
            throw new IllegalStateException(
                    "cannot seal: the governance policy has no key_env, so there is no key");
        }
        return sealer;
    }

    @Override
    public String toString() {
        return "Governance[key_env="
                + policy.keyEnv().orElse("-")
                + ", fields="
                + policy.fields()
                + "]";
    }
}
