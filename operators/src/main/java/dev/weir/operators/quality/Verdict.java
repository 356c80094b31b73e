package dev.weir.operators.quality;

import java.util.ArrayList;
import java.util.List;

/**
 * The rules one record failed, split by what happens next: any {@code hard} violation sends it to
 * the dead letters, {@code soft} ones only flag it. Lives inside one operator; it is not a wire
 * type.
 */
public record Verdict(List<Violation> hard, List<Violation> soft) {

    /** Shared by every record that fails nothing, so that passing costs no allocation. */
    public static final Verdict PASSED = new Verdict(List.of(), List.of());

    public Verdict {
        hard = List.copyOf(hard);
        soft = List.copyOf(soft);
    }

    public boolean passed() {
        return hard.isEmpty() && soft.isEmpty();
    }

    /** Whether the record goes to the dead letters. */
    public boolean rejected() {
        return !hard.isEmpty();
    }

    /** This verdict plus one more failed rule, e.g. a duplicate found with keyed state. */
    public Verdict with(Rule rule, String detail) {
        List<Violation> more = new ArrayList<>(rule.severity() == Severity.HARD ? hard : soft);
        more.add(rule.violation(detail));
        return rule.severity() == Severity.HARD ? new Verdict(more, soft) : new Verdict(hard, more);
    }

    /** Every reason, hard ones first, joined by "; ". */
    public String reasons() {
        StringBuilder sb = new StringBuilder();
        hard.forEach(v -> sb.append(sb.length() == 0 ? "" : "; ").append(v.reason()));
        soft.forEach(v -> sb.append(sb.length() == 0 ? "" : "; ").append(v.reason()));
        return sb.toString();
    }
}
