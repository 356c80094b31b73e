package dev.weir.operators.quality;

import java.io.Serializable;
import java.util.Objects;

/**
 * One check of one field.
 *
 * @param name {@code <field>.<check>}, stable: it names the rule in dead letters, flags and metrics
 */
public record Rule(String name, String field, Check check, Severity severity)
        implements Serializable {

    public Rule {
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(severity, "severity");
        if (!Objects.equals(name, field + "." + check.name())) {
            throw new IllegalArgumentException(
                    "rule '" + name + "' must be named " + field + "." + check.name());
        }
    }

    static Rule of(String field, Check check, Severity severity) {
        return new Rule(field + "." + check.name(), field, check, severity);
    }

    /** This rule's failure on a record, with the reason from {@link Check#failure}. */
    public Violation violation(String detail) {
        return new Violation(name, detail);
    }
}
