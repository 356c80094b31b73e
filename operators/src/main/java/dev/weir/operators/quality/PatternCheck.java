package dev.weir.operators.quality;

import java.util.regex.Pattern;

/** A string matching a regular expression as a whole (not just somewhere inside). */
public final class PatternCheck implements Check {

    private static final long serialVersionUID = 1L;

    private final Pattern pattern;
    private final String mismatch;

    /**
     * @throws java.util.regex.PatternSyntaxException if {@code regex} does not compile
     */
    PatternCheck(String regex) {
        this.pattern = Pattern.compile(regex);
        this.mismatch = "does not match " + regex;
    }

    public String regex() {
        return pattern.pattern();
    }

    @Override
    public String name() {
        return "pattern";
    }

    @Override
    public String failure(Object value, long nowMillis) {
        if (value instanceof CharSequence text) {
            return pattern.matcher(text).matches() ? null : mismatch;
        }
        return null;
    }

    @Override
    public String toString() {
        return "pattern " + pattern.pattern();
    }
}
