package dev.weir.operators.quality;

/** The value is present; a string must also hold more than white space. */
public final class RequiredCheck implements Check {

    private static final long serialVersionUID = 1L;

    RequiredCheck() {}

    @Override
    public String name() {
        return "required";
    }

    @Override
    public String failure(Object value, long nowMillis) {
        if (value == null) {
            return "missing";
        }
        if (value instanceof String s) {
            return s.isBlank() ? "blank" : null;
        }
        return value instanceof CharSequence cs && cs.toString().isBlank() ? "blank" : null;
    }

    @Override
    public String toString() {
        return "required";
    }
}
