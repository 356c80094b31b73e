package dev.weir.gates;

import java.util.List;

/**
 * Every gate of one promotion, in the order the gates file lists them.
 *
 * @param to the stage the promotion is into
 * @param checks one per configured gate
 */
public record GateReport(Stage to, List<GateCheck> checks) {

    public GateReport {
        checks = List.copyOf(checks);
    }

    /** True when every gate passed (also when none is configured). */
    public boolean passed() {
        return checks.stream().allMatch(GateCheck::passed);
    }

    public List<GateCheck> failures() {
        return checks.stream().filter(c -> !c.passed()).toList();
    }

    /** The failing gates on one line, for logs and refusals. */
    public String describeFailures() {
        return String.join("; ", failures().stream().map(GateCheck::describe).toList());
    }
}
