package dev.weir.state.features;

import java.time.Duration;
import java.util.regex.Pattern;
import org.apache.flink.util.TimeUtils;

/**
 * Durations in feature definitions and quality rules, in Flink's grammar ({@link
 * TimeUtils#parseDuration}, the one of every duration option of the pipeline configuration): a
 * whole number and a unit, with or without a space: {@code 500ms}, {@code 30 s}, {@code 5m} or
 * {@code 5 min}, {@code 1h}, {@code 7d}; unit names may also be spelled out ({@code 2 hours}).
 *
 * <p>Two additions, both checks that Flink leaves out: a number without a unit is refused here
 * (Flink reads it as milliseconds, which in a window or TTL is almost never what was meant), and so
 * is a part of a millisecond (state and the canonical form of a feature count whole milliseconds).
 * A leading minus is read, so that the checks of a value can say that it must not be negative.
 */
public final class Durations {

    private static final Pattern BARE_NUMBER = Pattern.compile("-?\\d+");

    private Durations() {}

    /**
     * @throws IllegalArgumentException "'text' is not a duration ...", for the caller to prefix
     *     with the key it came from
     */
    public static Duration parse(String text) {
        String s = text == null ? "" : text.trim();
        if (BARE_NUMBER.matcher(s).matches()) {
            throw new IllegalArgumentException(
                    "'"
                            + text
                            + "' has no unit; write it as "
                            + s
                            + "ms, "
                            + s
                            + "s, "
                            + s
                            + "m ...");
        }
        boolean negative = s.startsWith("-");
        Duration d;
        try {
            d = TimeUtils.parseDuration(negative ? s.substring(1).trim() : s);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a duration such as 500ms, 30s, 5m, 1h or 7d", e);
        }
        if (d.getNano() % 1_000_000 != 0) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a whole number of milliseconds");
        }
        return negative ? d.negated() : d;
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000L == 0) {
            return ms / 86_400_000L + "d";
        }
        if (ms % 3_600_000L == 0) {
            return ms / 3_600_000L + "h";
        }
        if (ms % 60_000L == 0) {
            return ms / 60_000L + "m";
        }
        if (ms % 1000L == 0) {
            return ms / 1000L + "s";
        }
        return ms + "ms";
    }
}
