package dev.weir.operators.governance;

import dev.weir.operators.config.YamlDocuments;
import dev.weir.schemas.Transaction;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What happens to each personal-data field of a transaction before it is stored or scored, declared
 * in YAML and checked against the {@link Transaction} schema when parsed. Fields not listed are
 * kept.
 *
 * <pre>{@code
 * key_env: WEIR_TOKEN_KEY         # environment variable holding the HMAC key (never the key itself)
 * fields:
 *   card_number: {action: tokenize}
 *   email: {action: tokenize}
 *   ip_address: {action: mask, keep_last: 0}   # or drop
 *   account_id: {action: keep}
 * }</pre>
 *
 * <p>Actions: {@code keep}; {@code drop} (null, nullable fields only); {@code mask} (string fields;
 * every character but the last {@code keep_last}, default 4, becomes {@code *}); {@code tokenize}
 * (string fields; needs {@code key_env}). Immutable and serializable, to ship inside operators;
 * {@link Governance} is what runs it.
 */
public final class GovernancePolicy implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The policy shipped with Weir, on the classpath. */
    public static final String DEFAULT_RESOURCE = "/governance/default-policy.yaml";

    private static final GovernancePolicy NONE = new GovernancePolicy(null, List.of());

    private final String keyEnv;
    private final List<FieldRule> fields;

    GovernancePolicy(String keyEnv, List<FieldRule> fields) {
        this.keyEnv = keyEnv;
        this.fields = List.copyOf(fields);
    }

    /**
     * @throws IllegalArgumentException listing every problem of the document
     */
    public static GovernancePolicy parse(String yaml) {
        return GovernancePolicyParser.parse(yaml, Transaction.getClassSchema());
    }

    public static GovernancePolicy load(Path file) {
        return parse(YamlDocuments.read(file, GovernancePolicyParser.SUBJECT));
    }

    /** The policy of {@link #DEFAULT_RESOURCE}. */
    public static GovernancePolicy defaults() {
        return parse(YamlDocuments.readResource(DEFAULT_RESOURCE, GovernancePolicyParser.SUBJECT));
    }

    /** Keeps every field and has no key. */
    public static GovernancePolicy none() {
        return NONE;
    }

    /** The environment variable holding the key, if the policy has one. */
    public Optional<String> keyEnv() {
        return Optional.ofNullable(keyEnv);
    }

    /** The listed fields in declaration order, explicit keeps included. */
    public List<FieldRule> fields() {
        return fields;
    }

    /** Whether any field is tokenized, which makes the key mandatory. */
    public boolean tokenizes() {
        return fields.stream().anyMatch(f -> f.action() == Action.TOKENIZE);
    }

    /** Whether any field is dropped, masked or tokenized. */
    public boolean changesRecords() {
        return fields.stream().anyMatch(f -> f.action() != Action.KEEP);
    }

    @Override
    public String toString() {
        return "GovernancePolicy[key_env="
                + (keyEnv == null ? "-" : keyEnv)
                + ", fields="
                + fields
                + "]";
    }
}
