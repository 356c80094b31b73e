package dev.weir.state.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
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

    public static FeatureSet fromYaml(String yaml) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "feature definitions are not valid YAML: " + e.getMessage(), e);
        }
        if (root == null || !root.path("entities").isArray()) {
            throw new IllegalArgumentException("feature definitions need a list 'entities'");
        }
        List<EntitySpec> entities = new ArrayList<>();
        for (JsonNode e : root.path("entities")) {
            checkKeys(e, ENTITY_KEYS, "entity '" + e.path("name").asText() + "'");
            List<FeatureSpec> features = new ArrayList<>();
            for (JsonNode f : e.path("features")) {
                String where =
                        "feature '"
                                + f.path("name").asText()
                                + "' of entity '"
                                + e.path("name").asText()
                                + "'";
                checkKeys(f, FEATURE_KEYS, where);
                try {
                    features.add(
                            new FeatureSpec(
                                    text(f, "name"),
                                    Aggregation.parse(required(f, "aggregation", where)),
                                    text(f, "field"),
                                    text(f, "filter"),
                                    window(text(f, "window")),
                                    duration(text(f, "resolution")),
                                    f.path("n").asInt(0),
                                    duration(text(f, "half_life")),
                                    text(f, "expression"),
                                    f.path("default").asDouble(0.0)));
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException(where + ": " + ex.getMessage(), ex);
                }
            }
            entities.add(
                    new EntitySpec(
                            text(e, "name"),
                            text(e, "key"),
                            features,
                            duration(text(e, "allowed_lateness")),
                            duration(text(e, "ttl"))));
        }
        return new FeatureSet(entities);
    }

    private static void checkKeys(JsonNode node, Set<String> known, String where) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (!known.contains(key)) {
                throw new IllegalArgumentException(
                        where + ": unknown key '" + key + "' (known: " + known + ")");
            }
        }
    }

    private static String required(JsonNode node, String key, String where) {
        String value = text(node, key);
        if (value == null) {
            throw new IllegalArgumentException(where + ": '" + key + "' is required");
        }
        return value;
    }

    private static String text(JsonNode node, String key) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Duration window(String text) {
        if (text == null || text.trim().toLowerCase(Locale.ROOT).equals("lifetime")) {
            return null;
        }
        return Durations.parse(text);
    }

    private static Duration duration(String text) {
        return text == null ? null : Durations.parse(text);
    }

    @Override
    public String toString() {
        return "FeatureSet" + vectorNames();
    }
}
