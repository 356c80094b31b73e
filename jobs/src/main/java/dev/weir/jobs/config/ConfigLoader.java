package dev.weir.jobs.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigurationUtils;

/**
 * Reads pipeline settings. Precedence, lowest first: option defaults, the YAML file, then {@code
 * --set key=value} overrides. Nested YAML maps flatten to dotted keys, so {@code kafka:
 * {bootstrap-servers: x}} and {@code kafka.bootstrap-servers: x} are the same.
 *
 * <p>No value is dropped: a YAML list becomes Flink's text form of a list ({@code [a, b]}, which
 * reads back as the same list, as {@code a;b} does), a key without a value, a list holding lists or
 * maps and a key given twice fail with a message naming the key. Keys no option declares, and a
 * list or map where an option takes one value, are reported by {@link PipelineConfig#from}, which
 * checks {@code --set} overrides the same way.
 */
public final class ConfigLoader {

    private ConfigLoader() {}

    public static PipelineConfig load(Path yaml, Map<String, String> overrides) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (yaml != null) {
            settings.putAll(readSettings(yaml));
        }
        settings.putAll(overrides);
        return PipelineConfig.from(settings);
    }

    /**
     * The settings of a pipeline file, by key, before defaults and checks. As {@link
     * #readYaml(Path)}, except that a mapping under the key of an option that takes one value or a
     * list is that option's value (Flink's text form of a map), not more keys: the checks then name
     * the option. The entries of a map option ({@code kafka.properties}) become keys under it.
     */
    public static Map<String, String> readSettings(Path yaml) {
        return read(
                yaml,
                WeirOptions.ALL.stream()
                        .filter(o -> SettingsCheck.shape(o) != SettingsCheck.Shape.MAP)
                        .map(ConfigOption::key)
                        .collect(Collectors.toSet()));
    }

    /**
     * Any Flink-style YAML file (a pipeline file, or a cluster's {@code config.yaml}) as flat
     * settings: nested maps become dotted keys, lists Flink's text form of a list.
     *
     * @throws IllegalArgumentException naming every key without a value, list holding lists or
     *     maps, and key given twice
     */
    public static Map<String, String> readYaml(Path yaml) {
        return read(yaml, Set.of());
    }

    private static Map<String, String> read(Path yaml, Set<String> valueKeys) {
        if (!Files.isRegularFile(yaml)) {
            throw new IllegalArgumentException(
                    "configuration file not found: " + yaml.toAbsolutePath());
        }
        JsonNode root;
        try {
            // Without this, a repeated key silently overrides the first one.
            root =
                    new ObjectMapper(new YAMLFactory())
                            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                            .readTree(yaml.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot parse " + yaml + ": " + e.getMessage(), e);
        }
        Map<String, String> flat = new LinkedHashMap<>();
        if (root == null || root.isNull() || root.isMissingNode()) {
            return flat;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(yaml + " must hold a YAML map of options");
        }
        List<String> problems = new ArrayList<>();
        flatten("", root, valueKeys, flat, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "invalid configuration file "
                            + yaml
                            + ":\n  - "
                            + String.join("\n  - ", problems));
        }
        return flat;
    }

    private static void flatten(
            String prefix,
            JsonNode node,
            Set<String> valueKeys,
            Map<String, String> out,
            List<String> problems) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            JsonNode value = field.getValue();
            if (value.isObject() && !valueKeys.contains(key)) {
                flatten(key, value, valueKeys, out, problems);
                continue;
            }
            String text = text(key, value, problems);
            if (text != null && out.put(key, text) != null) {
                problems.add(key + " is given twice (nested and as a dotted key)");
            }
        }
    }

    /** The value as Flink reads it from text, or null with the problem recorded. */
    private static String text(String key, JsonNode value, List<String> problems) {
        if (value.isNull()) {
            problems.add(
                    key
                            + " has no value: remove it to take the default, or write \"\" for an"
                            + " empty one");
            return null;
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            for (int i = 0; i < value.size(); i++) {
                String item = scalar(key + "[" + i + "]", value.get(i), problems);
                items.add(item);
            }
            return items.contains(null)
                    ? null
                    : ConfigurationUtils.convertValue(items, String.class);
        }
        if (value.isObject()) {
            Map<String, String> entries = new LinkedHashMap<>();
            value.fields()
                    .forEachRemaining(
                            e ->
                                    entries.put(
                                            e.getKey(),
                                            scalar(
                                                    key + "." + e.getKey(),
                                                    e.getValue(),
                                                    problems)));
            return entries.containsValue(null)
                    ? null
                    : ConfigurationUtils.convertValue(entries, String.class);
        }
        return value.asText();
    }

    private static String scalar(String where, JsonNode value, List<String> problems) {
        if (value.isNull() || value.isContainerNode()) {
            problems.add(
                    where
                            + " must be one value, not "
                            + (value.isNull() ? "empty" : value.isArray() ? "a list" : "a map"));
            return null;
        }
        return value.asText();
    }
}
