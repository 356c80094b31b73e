package dev.weir.operators.governance;

import java.util.Locale;

/** What governance does to one field of every record. */
public enum Action {
    /** Leave the value as it is. */
    KEEP,
    /** Set the value to null; only for nullable fields. */
    DROP,
    /** Replace all but the last few characters with {@code *}, keeping the length. */
    MASK,
    /** Replace the value with a keyed, deterministic token, so equal values still join. */
    TOKENIZE;

    static Action parse(String text) {
        for (Action a : values()) {
            if (a.name().equalsIgnoreCase(text.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException(
                "unknown action '" + text + "' (known: keep, drop, mask, tokenize)");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
