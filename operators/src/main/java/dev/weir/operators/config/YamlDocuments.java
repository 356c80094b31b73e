package dev.weir.operators.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.state.config.UnknownKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;

/** Reading small YAML configuration documents into trees, strictly. */
public final class YamlDocuments {

    private YamlDocuments() {}

    /**
     * The document's root mapping.
     *
     * @throws IllegalArgumentException if it is not YAML, is empty, repeats a key or is not a
     *     mapping; nothing else can be checked then
     */
    public static JsonNode readMapping(String yaml, String subject) {
        JsonNode root;
        try {
            // Without this, a repeated key silently overrides the first one.
            root =
                    new ObjectMapper(new YAMLFactory())
                            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                            .readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException(subject + ": not valid YAML: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new IllegalArgumentException(subject + ": the document is empty");
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(
                    subject + ": the document must be a mapping, not " + root.getNodeType());
        }
        return root;
    }

    public static String read(Path file, String subject) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + subject + " " + file + ": " + e, e);
        }
    }

    public static String readResource(String name, String subject) {
        try (InputStream in = YamlDocuments.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(
                        "resource " + name + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot read " + subject + " resource " + name + ": " + e, e);
        }
    }

    /**
     * Records every key of {@code node} that is not in {@code known}, with the nearest known key
     * when one is close.
     */
    public static void checkKeys(
            JsonNode node, Set<String> known, String where, ConfigProblems problems) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (!known.contains(key)) {
                problems.add(where, UnknownKeys.describe(key, known));
            }
        }
    }

    /** The node's text if it is a plain scalar, else null (a list or mapping is not text). */
    public static String scalarText(JsonNode node) {
        return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
    }
}
