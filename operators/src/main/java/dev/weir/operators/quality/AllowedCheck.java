package dev.weir.operators.quality;

import java.util.List;
import java.util.Set;

/** A string, or an enum symbol by its name, from a fixed list. */
public final class AllowedCheck implements Check {

    private static final long serialVersionUID = 1L;

    private final List<String> values;
    private final Set<String> lookup;
    private final String notAllowed;

    AllowedCheck(List<String> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("an allowed list needs at least one value");
        }
        this.values = List.copyOf(values);
        this.lookup = Set.copyOf(values);
        this.notAllowed = "not one of " + this.values;
    }

    public List<String> values() {
        return values;
    }

    @Override
    public String name() {
        return "allowed";
    }

    @Override
    public String failure(Object value, long nowMillis) {
        if (value == null) {
            return null;
        }
        String text = value instanceof Enum<?> e ? e.name() : value.toString();
        return lookup.contains(text) ? null : notAllowed;
    }

    @Override
    public String toString() {
        return "allowed " + values;
    }
}
