package dev.weir.jobs.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads pipeline settings. Precedence, lowest first: option defaults, the YAML file, then {@code
 * --set key=value} overrides. Nested YAML maps flatten to dotted keys, so {@code kafka:
 * {bootstrap-servers: x}} and {@code kafka.bootstrap-servers: x} are the same.
 */
public final class ConfigLoader {

    private ConfigLoader() {}

    public static PipelineConfig load(Path yaml, Map<String, String> overrides) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (yaml != null) {
            settings.putAll(readYaml(yaml));
        }
        settings.putAll(overrides);
        return PipelineConfig.from(settings);
    }

    public static Map<String, String> readYaml(Path yaml) {
        if (!Files.isRegularFile(yaml)) {
            throw new IllegalArgumentException(
                    "configuration file not found: " + yaml.toAbsolutePath());
        }
        try {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(yaml.toFile());
            Map<String, String> flat = new LinkedHashMap<>();
            if (root != null && !root.isNull()) {
                if (!root.isObject()) {
                    throw new IllegalArgumentException(yaml + " must hold a YAML map of options");
                }
                flatten("", root, flat);
            }
            return flat;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot parse " + yaml + ": " + e.getMessage(), e);
        }
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            JsonNode value = field.getValue();
            if (value.isObject()) {
                flatten(key, value, out);
            } else if (!value.isNull()) {
                out.put(key, value.asText());
            }
        }
    }
}
