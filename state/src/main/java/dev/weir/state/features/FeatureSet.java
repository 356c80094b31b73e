package dev.weir.state.features;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.state.config.UnknownKeys;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The declared features of every entity, in vector order, from YAML or the Java builder.
 *
 * <pre>{@code
 * entities:
 *   - name: account
 *     key: account_id
 *     allowed_lateness: 1h
 *     features:
 *       - {name: txn_count_1h, aggregation: count, window: 1h}
 *       - {name: amount_sum_24h, aggregation: sum, field: amount_minor, window: 24h, resolution: 5m}
 *       - {name: online_count_1h, aggregation: count, filter: "channel == 'ONLINE'", window: 1h}
 *       - {name: amount_vs_mean, aggregation: derived, expression: "amount_minor / amount_mean_30d"}
 * }</pre>
 */
public final class FeatureSet implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Set<String> ROOT_KEYS = Set.of("entities");
    private static final Set<String> ENTITY_KEYS =
            Set.of("name", "key", "features", "allowed_lateness", "ttl");
    private static final Set<String> FEATURE_KEYS =
            Set.of(
                    "name",
                    "aggregation",
                    "field",
                    "filter",
                    "window",
                    "resolution",
                    "n",
                    "half_life",
                    "expression",
                    "default");

    private final List<EntitySpec> entities;

    public FeatureSet(List<EntitySpec> entities) {
        this.entities = List.copyOf(entities);
        if (this.entities.isEmpty()) {
            throw new IllegalArgumentException("a feature set needs at least one entity");
        }
        Set<String> names = new HashSet<>();
        for (EntitySpec e : this.entities) {
            if (!names.add(e.name())) {
                throw new IllegalArgumentException("entity '" + e.name() + "' is declared twice");
            }
        }
    }

    public List<EntitySpec> entities() {
        return entities;
    }

    public EntitySpec entity(String name) {
        return entities.stream()
                .filter(e -> e.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no entity '" + name + "'"));
    }

    /** Every vector name, entity by entity in declaration order. */
    public List<String> vectorNames() {
        List<String> names = new ArrayList<>();
        entities.forEach(e -> names.addAll(e.vectorNames()));
        return names;
    }

    /**
     * The longest window of any feature, or zero when none is windowed: how long a pipeline runs
     * before every window is full.
     */
    public Duration longestWindow() {
        Duration longest = Duration.ZERO;
        for (EntitySpec e : entities) {
            for (FeatureSpec f : e.features()) {
                if (f.window() != null && f.window().compareTo(longest) > 0) {
                    longest = f.window();
                }
            }
        }
        return longest;
    }

    /** A short id of the definitions: changes whenever any feature's meaning or order changes. */
    public String version() {
        return prefixVersion(entities.size());
    }

    /**
     * The version of the vector built by the first {@code count} entities only: what an event
     * carries between the entity stages, so a stage can tell whether the values it appends to
     * belong to the same definitions as its own (they may not after an upgrade, for an event that
     * waited in a savepoint). {@code prefixVersion(entities().size())} is {@link #version()}.
     */
    public String prefixVersion(int count) {
        StringBuilder sb = new StringBuilder();
        for (EntitySpec e : entities.subList(0, count)) {
            sb.append(e.name()).append('/').append(e.keyField()).append(';');
            e.features().forEach(f -> sb.append(f.canonical()).append(';'));
        }
        return Long.toHexString(Fingerprints.of(sb.toString()));
    }

    public static FeatureSet fromYaml(Path file) {
        try {
            return fromYaml(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read feature definitions " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the YAML form. Every key must be known (an unknown one is named with the nearest known
     * key), every value of the type its key needs: a list or mapping where one value belongs, text
     * where a number belongs or a key given twice fails with a message naming it, so nothing is
     * dropped or read as a default.
     */
    public static FeatureSet fromYaml(String yaml) {
        JsonNode root;
        try {
            // Without this, a repeated key silently overrides the first one.
            root =
                    new ObjectMapper(new YAMLFactory())
                            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                            .readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "feature definitions are not valid YAML: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject() || !root.path("entities").isArray()) {
            throw new IllegalArgumentException("feature definitions need a list 'entities'");
        }
        checkKeys(root, ROOT_KEYS, "feature definitions");
        List<EntitySpec> entities = new ArrayList<>();
        int index = 0;
        for (JsonNode e : root.path("entities")) {
            String entity = "entities[" + index++ + "]";
            if (!e.isObject()) {
                throw new IllegalArgumentException(
                        entity + " must be a mapping with a name, a key and features");
            }
            entity = "entity '" + text(e, "name", entity) + "'";
            checkKeys(e, ENTITY_KEYS, entity);
            JsonNode featureNodes = e.path("features");
            if (!featureNodes.isArray()) {
                throw new IllegalArgumentException(entity + ": 'features' must be a list");
            }
            List<FeatureSpec> features = new ArrayList<>();
            for (JsonNode f : featureNodes) {
                String where = "a feature of " + entity;
                if (!f.isObject()) {
                    throw new IllegalArgumentException(
                            where + " must be a mapping such as {name: ..., aggregation: ...}");
                }
                where = "feature '" + text(f, "name", where) + "' of " + entity;
                checkKeys(f, FEATURE_KEYS, where);
                try {
                    features.add(
                            new FeatureSpec(
                                    text(f, "name", where),
                                    Aggregation.parse(required(f, "aggregation", where)),
                                    text(f, "field", where),
                                    text(f, "filter", where),
                                    window(f, where),
                                    duration(f, "resolution", where),
                                    wholeNumber(f, "n", where),
                                    duration(f, "half_life", where),
                                    text(f, "expression", where),
                                    number(f, "default", where)));
                } catch (IllegalArgumentException ex) {
                    throw ex.getMessage().startsWith(where)
                            ? ex
                            : new IllegalArgumentException(where + ": " + ex.getMessage(), ex);
                }
            }
            entities.add(
                    new EntitySpec(
                            text(e, "name", entity),
                            text(e, "key", entity),
                            features,
                            duration(e, "allowed_lateness", entity),
                            duration(e, "ttl", entity)));
        }
        return new FeatureSet(entities);
    }

    private static void checkKeys(JsonNode node, Set<String> known, String where) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (!known.contains(key)) {
                throw new IllegalArgumentException(where + ": " + UnknownKeys.describe(key, known));
            }
        }
    }

    private static String required(JsonNode node, String key, String where) {
        String value = text(node, key, where);
        if (value == null) {
            throw new IllegalArgumentException(where + ": '" + key + "' is required");
        }
        return value;
    }

    /** The scalar's text, null when the key is absent; no value, a list or a mapping fails. */
    private static String text(JsonNode node, String key, String where) {
        JsonNode v = present(node, key, where);
        if (v == null) {
            return null;
        }
        if (v.isContainerNode()) {
            throw new IllegalArgumentException(
                    where
                            + ": '"
                            + key
                            + "' takes one value, not a "
                            + (v.isArray() ? "list" : "mapping"));
        }
        return v.asText();
    }

    /** The key's node, null when it is absent; a key without a value fails. */
    private static JsonNode present(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v != null && v.isNull()) {
            // Read as absent, "window:" would silently mean a lifetime window.
            throw new IllegalArgumentException(
                    where + ": '" + key + "' has no value; give one or leave the key out");
        }
        return v;
    }

    private static int wholeNumber(JsonNode node, String key, String where) {
        JsonNode v = present(node, key, where);
        if (v == null) {
            return 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(
                    where + ": '" + key + "' must be a whole number, got " + v);
        }
        return v.intValue();
    }

    private static double number(JsonNode node, String key, String where) {
        JsonNode v = present(node, key, where);
        if (v == null) {
            return 0.0;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException(
                    where + ": '" + key + "' must be a number, got " + v);
        }
        return v.doubleValue();
    }

    private static Duration window(JsonNode node, String where) {
        String text = text(node, "window", where);
        if (text != null && text.trim().toLowerCase(Locale.ROOT).equals("lifetime")) {
            return null;
        }
        return duration("window", text, where);
    }

    private static Duration duration(JsonNode node, String key, String where) {
        return duration(key, text(node, key, where), where);
    }

    private static Duration duration(String key, String text, String where) {
        if (text == null) {
            return null;
        }
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + key + " " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "FeatureSet" + vectorNames();
    }
}
