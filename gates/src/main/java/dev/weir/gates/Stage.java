package dev.weir.gates;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * Where a registered model version stands on the path to live. A version is in {@link #CONSTRUCT}
 * once registered, in {@link #TEST} while it is the challenger (scored beside the champion on live
 * traffic, its decisions not used), and {@link #LIVE} while it is the champion.
 */
public enum Stage {
    CONSTRUCT,
    TEST,
    LIVE;

    /** The name as users write it: {@code construct}, {@code test}, {@code live}. */
    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The stage a label names. */
    @JsonCreator
    public static Stage parse(String label) {
        for (Stage s : values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException(
                "no stage '"
                        + label
                        + "' (stages: "
                        + Arrays.stream(values()).map(Stage::label).toList()
                        + ")");
    }

    @Override
    public String toString() {
        return label();
    }
}
