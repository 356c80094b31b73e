package dev.weir.models;

import java.util.Arrays;

/**
 * The reason codes of a score: the features with the largest attributions by magnitude, pushing the
 * score up or down, largest first; equal magnitudes in feature order, so the same attributions
 * always give the same reasons.
 */
public final class TopReasons {

    private TopReasons() {}

    /**
     * The indices of the {@code count} largest {@code |attributions[j]|} (all of them when there
     * are fewer), largest first. Zero attributions are never reasons.
     */
    public static int[] of(double[] attributions, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        int[] top = new int[Math.min(count, attributions.length)];
        int found = 0;
        for (int j = 0; j < attributions.length; j++) {
            double magnitude = Math.abs(attributions[j]);
            if (!(magnitude > 0)) {
                continue;
            }
            // Insertion into the short sorted prefix: count is a handful.
            int at = found < top.length ? found++ : top.length;
            while (at > 0 && magnitude > Math.abs(attributions[top[at - 1]])) {
                if (at < top.length) {
                    top[at] = top[at - 1];
                }
                at--;
            }
            if (at < top.length) {
                top[at] = j;
            }
        }
        return found == top.length ? top : Arrays.copyOf(top, found);
    }
}
