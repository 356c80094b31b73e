package dev.weir.cli;

import java.time.Duration;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Every duration option of the command line, in the grammar of Flink's own settings ({@link
 * TimeUtils#parseDuration}): a whole number and a unit, {@code 500ms}, {@code 30s}, {@code 5min}
 * (or {@code 5m}), {@code 2h}, {@code 30d}, with or without a space, long unit names too ({@code 2
 * minutes}); a number alone is milliseconds. Zero and negative durations are refused: every option
 * is a wait, a period or a span.
 */
public final class DurationConverter implements ITypeConverter<Duration> {

    static final String GRAMMAR =
            "a whole number and a unit such as 500ms, 30s, 5min, 2h or 30d (a number alone is"
                    + " milliseconds)";

    @Override
    public Duration convert(String value) {
        Duration duration;
        try {
            duration = TimeUtils.parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("'" + value + "' is not a duration: use " + GRAMMAR);
        }
        if (duration.isZero() || duration.isNegative()) {
            throw new TypeConversionException("'" + value + "' is not a positive duration");
        }
        return duration;
    }
}
