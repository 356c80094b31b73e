package dev.weir.state.config;

import java.util.Collection;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * How configuration readers name a key they do not know: with the nearest known key when one is
 * close enough to be a typo, else with the known keys.
 *
 * <pre>{@code
 * UnknownKeys.describe("drift.categoricl-inputs", WeirOptions.keys())
 * // unknown key 'drift.categoricl-inputs'; did you mean 'drift.categorical-inputs'?
 * }</pre>
 */
public final class UnknownKeys {

    private UnknownKeys() {}

    /**
     * "unknown key 'k'; did you mean 'n'?" when a known key is within a typo of {@code key}, else
     * "unknown key 'k' (known: a, b, ...)".
     */
    public static String describe(String key, Collection<String> known) {
        return nearest(key, known)
                .map(n -> "unknown key '" + key + "'; did you mean '" + n + "'?")
                .orElseGet(
                        () ->
                                "unknown key '"
                                        + key
                                        + "' (known: "
                                        + String.join(", ", new TreeSet<>(known))
                                        + ")");
    }

    /**
     * The known key nearest to {@code key} by edit distance, if it is at most a third of the key's
     * length away (at least 2 edits allowed); ties go to the alphabetically first.
     */
    public static Optional<String> nearest(String key, Collection<String> known) {
        LevenshteinDistance distance = new LevenshteinDistance(Math.max(2, key.length() / 3));
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : new TreeSet<>(known)) {
            // -1: beyond the threshold.
            int d = distance.apply(key, candidate);
            if (d >= 0 && d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }
}
