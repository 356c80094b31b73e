package dev.weir.jobs.config;

import dev.weir.state.config.UnknownKeys;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigurationUtils;

/**
 * Checks flat settings (from a file or {@code --set key=value}) against declared options before any
 * value is read: keys no option declares, and a list or map where an option takes one value (or the
 * other way round), which Flink would otherwise read as text.
 */
final class SettingsCheck {

    /** What an option's value is made of. */
    enum Shape {
        SCALAR,
        LIST,
        MAP
    }

    private SettingsCheck() {}

    static Shape shape(ConfigOption<?> option) {
        if (ConfigurationUtils.canBePrefixMap(option)) {
            return Shape.MAP;
        }
        // Flink keeps an option's type to itself; a list option, and only a list option, reads
        // "[]" as a list.
        try {
            return Configuration.fromMap(Map.of(option.key(), "[]")).get(option) instanceof List
                    ? Shape.LIST
                    : Shape.SCALAR;
        } catch (IllegalArgumentException e) {
            return Shape.SCALAR;
        }
    }

    /**
     * One problem per key that no option declares, with the nearest known key when one is close.
     * {@code key.entry} is known when {@code key} is a map option (Flink reads such entries into
     * the map).
     */
    static List<String> unknownKeys(Set<String> keys, List<ConfigOption<?>> options) {
        Set<String> known =
                options.stream()
                        .map(ConfigOption::key)
                        .collect(Collectors.toCollection(TreeSet::new));
        List<String> mapKeys =
                options.stream().filter(o -> shape(o) == Shape.MAP).map(ConfigOption::key).toList();
        return keys.stream()
                .filter(key -> !known.contains(key))
                .filter(key -> mapKeys.stream().noneMatch(m -> key.startsWith(m + ".")))
                .map(key -> UnknownKeys.describe(key, known))
                .toList();
    }

    /**
     * Settings whose value has the wrong shape for its option, by key: a list ({@code [a, b]}, as a
     * YAML list is written) or a map ({@code {k: v}}) where one value belongs, a map for a list, or
     * any value under the key of a map option itself, whose entries are keys under it.
     */
    static Map<String, String> misshapen(
            Map<String, String> settings, List<ConfigOption<?>> options) {
        Map<String, String> problems = new LinkedHashMap<>();
        for (ConfigOption<?> option : options) {
            String value = settings.get(option.key());
            if (value == null) {
                continue;
            }
            if (shape(option) == Shape.MAP) {
                // Flink would read the whole value and drop every entry given by key; the value
                // itself is not repeated, as entries can be secrets.
                problems.put(
                        option.key(),
                        option.key()
                                + " takes its entries as keys ("
                                + option.key()
                                + ".KEY: VALUE), not one value");
                continue;
            }
            String v = value.trim();
            boolean list = v.startsWith("[") && v.endsWith("]");
            boolean map = v.startsWith("{") && v.endsWith("}");
            String takes =
                    switch (shape(option)) {
                        case SCALAR -> list || map ? "one value" : null;
                        case LIST -> map ? "a list" : null;
                        case MAP -> null;
                    };
            if (takes != null) {
                problems.put(
                        option.key(),
                        option.key()
                                + " takes "
                                + takes
                                + ", not a "
                                + (list ? "list" : "map")
                                + ": "
                                + value);
            }
        }
        return problems;
    }
}
