package dev.weir.operators.quality;

/** A string of at most so many UTF-16 chars (what {@link String#length()} counts). */
public final class MaxLengthCheck implements Check {

    private static final long serialVersionUID = 1L;

    private final int maxLength;
    private final String tooLong;

    MaxLengthCheck(int maxLength) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("max_length must be at least 1");
        }
        this.maxLength = maxLength;
        this.tooLong = "longer than " + maxLength + " characters";
    }

    public int maxLength() {
        return maxLength;
    }

    @Override
    public String name() {
        return "max_length";
    }

    @Override
    public String failure(Object value, long nowMillis) {
        return value instanceof CharSequence text && text.length() > maxLength ? tooLong : null;
    }

    @Override
    public String toString() {
        return "max_length " + maxLength;
    }
}
