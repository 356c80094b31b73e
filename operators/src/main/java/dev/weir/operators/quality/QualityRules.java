package dev.weir.operators.quality;

import dev.weir.operators.config.YamlDocuments;
import dev.weir.schemas.Transaction;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * Data-quality rules for incoming transactions, declared in YAML and checked against the {@link
 * Transaction} schema when parsed. Fields are found through the schema, so added fields can be
 * checked without code changes.
 *
 * <pre>{@code
 * rules:
 *   - field: transaction_id
 *     required: true
 *     unique_within: 1h          # duplicate id within this event-time window
 *   - field: amount_minor
 *     range: {min: 1, max: 100000000}
 *   - field: currency
 *     allowed: [EUR, USD, GBP]
 *     severity: soft             # hard (default): dead letters; soft: record continues, flagged
 *   - field: country
 *     pattern: "[A-Z]{2}"        # must match the whole value
 *   - field: email
 *     max_length: 254
 *     severity: soft
 *   - field: event_time
 *     freshness: {max_age: 7d, max_future: 5m}
 * }</pre>
 *
 * <p>Each check of an entry is one {@link Rule} named {@code <field>.<check>} ({@code
 * unique_within} is named {@code <field>.duplicate}) with the entry's severity. Only {@code
 * required} fails on a missing value; the other checks pass it. Immutable and serializable, to ship
 * inside operators.
 */
public final class QualityRules implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The rules shipped with Weir, on the classpath. */
    public static final String DEFAULT_RESOURCE = "/quality/default-rules.yaml";

    private static final QualityRules NONE = new QualityRules(List.of());

    private final List<Rule> rules;
    private final Rule duplicateRule;
    // What check() runs, resolved once: the stateless rules and the positions of their fields.
    private final Rule[] stateless;
    private final int[] positions;

    private QualityRules(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        this.duplicateRule =
                rules.stream()
                        .filter(r -> r.check() instanceof DuplicateCheck)
                        .findFirst()
                        .orElse(null);
        List<Rule> evaluated = new ArrayList<>(rules);
        evaluated.remove(duplicateRule);
        this.stateless = evaluated.toArray(new Rule[0]);
        this.positions = new int[stateless.length];
        Schema schema = Transaction.getClassSchema();
        for (int i = 0; i < stateless.length; i++) {
            positions[i] = schema.getField(stateless[i].field()).pos();
        }
    }

    /**
     * @throws IllegalArgumentException listing every problem of the document
     */
    public static QualityRules parse(String yaml) {
        return new QualityRules(QualityRulesParser.parse(yaml, Transaction.getClassSchema()));
    }

    public static QualityRules load(Path file) {
        return parse(YamlDocuments.read(file, QualityRulesParser.SUBJECT));
    }

    /** The rules of {@link #DEFAULT_RESOURCE}. */
    public static QualityRules defaults() {
        return parse(YamlDocuments.readResource(DEFAULT_RESOURCE, QualityRulesParser.SUBJECT));
    }

    /** No rules: every record passes. */
    public static QualityRules none() {
        return NONE;
    }

    /** Every rule in declaration order, the duplicate rule included. */
    public List<Rule> rules() {
        return rules;
    }

    /**
     * The {@code unique_within} rule, on a string field, with its window in {@link
     * DuplicateCheck#window()}. {@link #check} cannot evaluate it: the operator keeps the values
     * seen in keyed state and adds a failure with {@link Verdict#with}.
     */
    public Optional<Rule> duplicateRule() {
        return Optional.ofNullable(duplicateRule);
    }

    /**
     * The rules {@code txn} fails, except the duplicate rule. Allocates nothing beyond the field
     * accessor's boxing and the regex matcher when every rule passes.
     *
     * @param nowMillis processing time, for {@code freshness}
     */
    public Verdict check(Transaction txn, long nowMillis) {
        List<Violation> hard = null;
        List<Violation> soft = null;
        for (int i = 0; i < stateless.length; i++) {
            Rule rule = stateless[i];
            String failure = rule.check().failure(txn.get(positions[i]), nowMillis);
            if (failure == null) {
                continue;
            }
            if (rule.severity() == Severity.HARD) {
                hard = hard == null ? new ArrayList<>(2) : hard;
                hard.add(rule.violation(failure));
            } else {
                soft = soft == null ? new ArrayList<>(2) : soft;
                soft.add(rule.violation(failure));
            }
        }
        if (hard == null && soft == null) {
            return Verdict.PASSED;
        }
        return new Verdict(hard == null ? List.of() : hard, soft == null ? List.of() : soft);
    }

    @Override
    public String toString() {
        return "QualityRules"
                + rules.stream().map(r -> r.name() + "(" + r.severity() + ")").toList();
    }
}
