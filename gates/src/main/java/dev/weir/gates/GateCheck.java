package dev.weir.gates;

import java.util.Locale;

/**
 * The outcome of one gate: what was measured, against which bar, on how much evidence.
 *
 * @param gate the gate's key in the gates file, e.g. {@code min_auc} or {@code live.min_agreement}
 * @param passed whether the measurement clears the bar; never true without evidence
 * @param measured the measured value, or null when there was no evidence to measure
 * @param comparison {@code >=} for a minimum, {@code <=} for a maximum
 * @param threshold the bar from the gates file
 * @param count how many rows, labels, events or windows the measurement rests on (null when none)
 * @param detail what was measured on what: the data set, the group, or why there is no evidence
 */
public record GateCheck(
        String gate,
        boolean passed,
        Double measured,
        String comparison,
        double threshold,
        Long count,
        String detail) {

    public static final String AT_LEAST = ">=";
    public static final String AT_MOST = "<=";

    /** A measurement against a bar: passes when it is on the right side (or equal). */
    static GateCheck measure(
            String gate,
            double measured,
            String comparison,
            double threshold,
            long count,
            String detail) {
        boolean passed =
                !Double.isNaN(measured)
                        && (comparison.equals(AT_LEAST)
                                ? measured >= threshold
                                : measured <= threshold);
        return new GateCheck(
                gate,
                passed,
                Double.isNaN(measured) ? null : measured,
                comparison,
                threshold,
                count,
                detail);
    }

    /** A gate that fails because what it measures is missing. */
    static GateCheck noEvidence(String gate, String comparison, double threshold, String why) {
        return new GateCheck(gate, false, null, comparison, threshold, null, "no evidence: " + why);
    }

    /**
     * One line: {@code FAIL live.min_auc: 0.7312 < 0.7500 (3 paired windows, 912 labels)}, or
     * {@code FAIL min_auc: no evidence (...) , needs >= 0.8000}.
     */
    public String describe() {
        String verdict = passed ? "PASS" : "FAIL";
        if (measured == null) {
            return String.format(
                    Locale.ROOT,
                    "%s %s: needs %s %s; %s",
                    verdict,
                    gate,
                    comparison,
                    number(threshold),
                    detail);
        }
        String shown = passed ? comparison : (comparison.equals(AT_LEAST) ? "<" : ">");
        return String.format(
                Locale.ROOT,
                "%s %s: %s %s %s (%s)",
                verdict,
                gate,
                number(measured),
                shown,
                number(threshold),
                detail);
    }

    private static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15
                ? String.valueOf((long) d)
                : String.format(Locale.ROOT, "%.4f", d);
    }
}
