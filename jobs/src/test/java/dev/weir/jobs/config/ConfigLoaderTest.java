package dev.weir.jobs.config;

import static org.apache.flink.configuration.ConfigOptions.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.state.features.Durations;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The YAML file and {@code --set} overrides: every value arrives, or the start fails by name. */
class ConfigLoaderTest {

    private static final Path FLINK_CONF = Path.of("..", "flink-conf");
    private static final Path EXAMPLE = FLINK_CONF.resolve("pipeline-example.yaml");
    private static final Map<String, String> REQUIRED =
            Map.of(
                    "kafka.bootstrap-servers", "b:9092",
                    "iceberg.warehouse", "/tmp/wh",
                    "model.dir", "/m");

    /** Where each option's value lands in the configuration; every option has one. */
    private static final Map<String, Function<PipelineConfig, Object>> ACCESSORS =
            withWriteAccessors(
                    Map.entry(
                            "kafka.producer.buffer-memory", c -> c.kafka().producerBufferMemory()),
                    Map.entry("kafka.bootstrap-servers", PipelineConfig::bootstrapServers),
                    Map.entry("kafka.topics.transactions", PipelineConfig::transactionsTopic),
                    Map.entry("kafka.topics.scores", PipelineConfig::scoresTopic),
                    Map.entry("kafka.topics.decisions", PipelineConfig::decisionsTopic),
                    Map.entry("kafka.topics.entity-features", PipelineConfig::entityFeaturesTopic),
                    Map.entry("kafka.topics.dlq", PipelineConfig::dlqTopic),
                    Map.entry("kafka.topics.model-control", PipelineConfig::controlTopic),
                    Map.entry("kafka.topics.labels", PipelineConfig::labelsTopic),
                    Map.entry("kafka.topics.monitoring", PipelineConfig::monitoringTopic),
                    Map.entry("kafka.group-id", PipelineConfig::groupId),
                    Map.entry(
                            "kafka.transactional-id-prefix", PipelineConfig::transactionalIdPrefix),
                    Map.entry("kafka.transaction-timeout", PipelineConfig::transactionTimeout),
                    Map.entry("kafka.starting-offsets", PipelineConfig::startingOffsets),
                    Map.entry("kafka.properties", PipelineConfig::kafkaProperties),
                    Map.entry("kafka.formats.transactions", c -> c.formats().transactions()),
                    Map.entry("kafka.formats.labels", c -> c.formats().labels()),
                    Map.entry("kafka.formats.scores", c -> c.formats().scores()),
                    Map.entry("kafka.formats.decisions", c -> c.formats().decisions()),
                    Map.entry("kafka.formats.dlq", c -> c.formats().dlq()),
                    Map.entry("kafka.formats.monitoring", c -> c.formats().monitoring()),
                    Map.entry("schema-registry.url", PipelineConfig::schemaRegistryUrl),
                    Map.entry("iceberg.catalog-type", PipelineConfig::catalogType),
                    Map.entry("iceberg.warehouse", PipelineConfig::warehouse),
                    Map.entry("iceberg.uri", PipelineConfig::catalogUri),
                    Map.entry("iceberg.namespace", PipelineConfig::namespace),
                    Map.entry(
                            "iceberg.maintenance.parallelism", c -> c.maintenance().parallelism()),
                    Map.entry("iceberg.maintenance.rate-limit", c -> c.maintenance().rateLimit()),
                    Map.entry(
                            "iceberg.maintenance.rewrite.target-file-size",
                            c -> c.maintenance().targetFileSize()),
                    Map.entry(
                            "iceberg.maintenance.rewrite.commit-count",
                            c -> c.maintenance().rewriteCommitCount()),
                    Map.entry(
                            "iceberg.maintenance.rewrite.interval",
                            c -> c.maintenance().rewriteInterval()),
                    Map.entry(
                            "iceberg.maintenance.expire-snapshots.max-age",
                            c -> c.maintenance().snapshotMaxAge()),
                    Map.entry(
                            "iceberg.maintenance.expire-snapshots.retain-last",
                            c -> c.maintenance().snapshotRetainLast()),
                    Map.entry(
                            "iceberg.maintenance.expire-snapshots.commit-count",
                            c -> c.maintenance().expireCommitCount()),
                    Map.entry(
                            "iceberg.maintenance.expire-snapshots.interval",
                            c -> c.maintenance().expireInterval()),
                    Map.entry(
                            "iceberg.maintenance.orphan-files.min-age",
                            c -> c.maintenance().orphanMinAge()),
                    Map.entry(
                            "iceberg.maintenance.orphan-files.interval",
                            c -> c.maintenance().orphanInterval()),
                    Map.entry("iceberg.s3.endpoint", PipelineConfig::s3Endpoint),
                    Map.entry("iceberg.s3.path-style-access", PipelineConfig::s3PathStyleAccess),
                    Map.entry("model.dir", PipelineConfig::modelDir),
                    Map.entry("model.registry", PipelineConfig::modelRegistry),
                    Map.entry("model.name", PipelineConfig::modelName),
                    Map.entry("features.definitions", PipelineConfig::featureDefinitions),
                    Map.entry("features.ordering", PipelineConfig::featureOrdering),
                    Map.entry("features.publish", PipelineConfig::featuresPublish),
                    Map.entry("features.ordering-max-wait", PipelineConfig::featureOrderingMaxWait),
                    Map.entry("scoring.max-batch-size", PipelineConfig::scoringMaxBatchSize),
                    Map.entry("scoring.max-wait", PipelineConfig::scoringMaxWait),
                    Map.entry("scoring.reasons.top", PipelineConfig::scoringReasonsTop),
                    Map.entry("pipeline.checkpoint-interval", PipelineConfig::checkpointInterval),
                    Map.entry("pipeline.buffer-timeout", PipelineConfig::bufferTimeout),
                    Map.entry("pipeline.side-buffer-timeout", PipelineConfig::sideBufferTimeout),
                    Map.entry("pipeline.parallelism", PipelineConfig::parallelism),
                    Map.entry(
                            "pipeline.watermark.out-of-orderness", PipelineConfig::outOfOrderness),
                    Map.entry("pipeline.watermark.idleness", PipelineConfig::idleness),
                    Map.entry(
                            "pipeline.watermark.alignment.max-drift",
                            PipelineConfig::alignmentMaxDrift),
                    Map.entry(
                            "pipeline.watermark.alignment.update-interval",
                            PipelineConfig::alignmentUpdateInterval),
                    Map.entry("quality.rules", c -> c.monitoring().qualityRules()),
                    Map.entry("governance.policy", c -> c.monitoring().governancePolicy()),
                    Map.entry("monitoring.window", c -> c.monitoring().window()),
                    Map.entry("monitoring.allowed-lateness", c -> c.monitoring().allowedLateness()),
                    Map.entry("drift.categorical-inputs", c -> c.monitoring().categoricalInputs()),
                    Map.entry("drift.psi-alert", c -> c.monitoring().psiAlert()),
                    Map.entry("drift.ks-alert", c -> c.monitoring().ksAlert()),
                    Map.entry("drift.js-alert", c -> c.monitoring().jsAlert()),
                    Map.entry("drift.min-samples", c -> c.monitoring().minSamples()),
                    Map.entry("labels.score-ttl", c -> c.monitoring().scoreTtl()),
                    Map.entry("labels.label-wait", c -> c.monitoring().labelWait()),
                    Map.entry("performance.min-auc", c -> c.monitoring().minAuc()),
                    Map.entry("performance.min-labels", c -> c.monitoring().minLabels()),
                    Map.entry("fairness.attributes", c -> c.monitoring().fairnessAttributes()),
                    Map.entry("fairness.min-count", c -> c.monitoring().fairnessMinCount()),
                    Map.entry("fairness.max-values", c -> c.monitoring().fairnessMaxValues()),
                    Map.entry(
                            "fairness.min-disparate-impact",
                            c -> c.monitoring().fairnessMinDisparateImpact()));

    @TempDir Path dir;

    /** The entries, and those of each table's {@code iceberg.write.<table>.*} options. */
    @SafeVarargs
    private static Map<String, Function<PipelineConfig, Object>> withWriteAccessors(
            Map.Entry<String, Function<PipelineConfig, Object>>... entries) {
        Map<String, Function<PipelineConfig, Object>> accessors =
                new HashMap<>(Map.ofEntries(entries));
        WeirOptions.ICEBERG_WRITE.forEach(
                (table, options) -> {
                    accessors.put(
                            options.rowGroupSize().key(),
                            c -> c.iceberg().writes().get(table).rowGroupSize());
                    accessors.put(
                            options.pageSize().key(),
                            c -> c.iceberg().writes().get(table).pageSize());
                    accessors.put(
                            options.dictSize().key(),
                            c -> c.iceberg().writes().get(table).dictSize());
                    accessors.put(
                            options.targetFileSize().key(),
                            c -> c.iceberg().writes().get(table).targetFileSize());
                });
        return Map.copyOf(accessors);
    }

    @Test
    void everyOptionHasAnAccessorHere() {
        assertThat(ACCESSORS.keySet())
                .containsExactlyInAnyOrderElementsOf(
                        WeirOptions.ALL.stream().map(ConfigOption::key).toList());
    }

    @Test
    void everyValueOfTheExampleFileArrivesUnderItsOption() throws Exception {
        Map<String, JsonNode> leaves =
                leaves(new ObjectMapper(new YAMLFactory()).readTree(EXAMPLE.toFile()));
        Map<String, String> read = ConfigLoader.readSettings(EXAMPLE);

        // Every value of the file is read, under a key some option declares.
        assertThat(read.keySet()).containsExactlyInAnyOrderElementsOf(leaves.keySet());
        assertThat(ACCESSORS.keySet()).containsAll(leaves.keySet());
        // Flink's own reader of a YAML configuration finds the same keys and values.
        assertThat(read).isEqualTo(flinkReads(EXAMPLE));

        PipelineConfig config = ConfigLoader.load(EXAMPLE, Map.of());
        for (Map.Entry<String, JsonNode> leaf : leaves.entrySet()) {
            Object expected =
                    leaf.getValue().isArray()
                            ? texts(leaf.getValue())
                            : Configuration.fromMap(Map.of(leaf.getKey(), leaf.getValue().asText()))
                                    .get(option(leaf.getKey()));
            assertThat(ACCESSORS.get(leaf.getKey()).apply(config))
                    .as(leaf.getKey())
                    .isEqualTo(expected);
        }
        // The list is written as a YAML list in the example and arrives as that list.
        assertThat(leaves.get("drift.categorical-inputs").isArray()).isTrue();
        assertThat(config.monitoring().categoricalInputs()).containsExactly("country", "channel");
    }

    @Test
    void everyOptionOfANestedFileArrivesAsItDoesFromFlatSettings() throws Exception {
        Map<String, Object> values = new LinkedHashMap<>(nonDefaults());
        values.put("drift.categorical-inputs", List.of("channel", "country"));
        Path yaml = dir.resolve("every-option.yaml");
        Files.writeString(
                yaml, new ObjectMapper(new YAMLFactory()).writeValueAsString(nested(values)));

        PipelineConfig fromYaml = ConfigLoader.load(yaml, Map.of());
        PipelineConfig fromFlat =
                PipelineConfig.from(
                        with(nonDefaults(), Map.of("drift.categorical-inputs", "channel;country")));
        PipelineConfig defaults = PipelineConfig.from(REQUIRED);

        assertThat(ConfigLoader.readSettings(yaml).keySet())
                .containsExactlyInAnyOrderElementsOf(values.keySet());
        for (String key : values.keySet()) {
            Function<PipelineConfig, Object> accessor = ACCESSORS.get(key);
            assertThat(accessor.apply(fromYaml)).as(key).isEqualTo(accessor.apply(fromFlat));
            // Not the default: the value came from the file.
            assertThat(accessor.apply(fromYaml)).as(key).isNotEqualTo(accessor.apply(defaults));
        }
    }

    @Test
    void aYamlListAndTheTextFormsOfAListMeanTheSame() throws Exception {
        List<String> expected = List.of("channel", "country");
        for (String form :
                List.of(
                        "drift:\n  categorical-inputs: [channel, country]\n",
                        "drift:\n  categorical-inputs:\n    - channel\n    - country\n",
                        "drift.categorical-inputs: \"channel;country\"\n",
                        "drift.categorical-inputs: \"[channel, country]\"\n")) {
            assertThat(load(form, Map.of()).monitoring().categoricalInputs())
                    .as(form)
                    .isEqualTo(expected);
        }
        for (String text : List.of("channel;country", "[channel, country]", "[channel,country]")) {
            assertThat(
                            PipelineConfig.from(
                                            with(
                                                    REQUIRED,
                                                    Map.of("drift.categorical-inputs", text)))
                                    .monitoring()
                                    .categoricalInputs())
                    .as(text)
                    .isEqualTo(expected);
        }
        // An explicit empty list is kept, not replaced by the default.
        assertThat(
                        load("drift.categorical-inputs: []\n", Map.of())
                                .monitoring()
                                .categoricalInputs())
                .isEmpty();
        // Commas alone do not separate items, in Flink's syntax as here; the mistake is named.
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(
                                                REQUIRED,
                                                Map.of(
                                                        "drift.categorical-inputs",
                                                        "country,channel"))))
                .hasMessageContaining(
                        "drift.categorical-inputs: Transaction has no field 'country,channel' (a"
                                + " list is written [a, b] or a;b, not a,b)");
    }

    @Test
    void itemsWithSeparatorsOrQuotesSurviveTheTextFormOfAList() throws Exception {
        Path yaml = dir.resolve("list.yaml");
        Files.writeString(yaml, "l: [\"a;b\", \"x, y\", \"1\", \"'q'\", \"[z]\", \"k: v\"]\n");
        ConfigOption<List<String>> option = key("l").stringType().asList().noDefaultValue();

        assertThat(Configuration.fromMap(ConfigLoader.readYaml(yaml)).get(option))
                .containsExactly("a;b", "x, y", "1", "'q'", "[z]", "k: v");
    }

    @Test
    void unknownKeysInTheFileAndInOverridesAreNamedWithTheNearestOption() throws Exception {
        assertThatThrownBy(() -> load("drift:\n  categoricl-inputs: [country]\n", Map.of()))
                .hasMessageContaining(
                        "unknown key 'drift.categoricl-inputs'; did you mean"
                                + " 'drift.categorical-inputs'?");
        assertThatThrownBy(() -> load("", Map.of("labels.score-tll", "1 d")))
                .hasMessageContaining(
                        "unknown key 'labels.score-tll'; did you mean 'labels.score-ttl'?");
        assertThatThrownBy(() -> load("", Map.of("colour", "blue")))
                .hasMessageContaining("unknown key 'colour' (known: drift.categorical-inputs,");
    }

    @Test
    void aListOrMapWhereOneValueBelongsFailsNamingTheKey() {
        assertThatThrownBy(
                        () ->
                                load(
                                        String.join(
                                                "\n",
                                                "kafka:",
                                                "  topics:",
                                                "    scores: [a, b]",
                                                "  group-id: {name: g}",
                                                "pipeline:",
                                                "  parallelism: [1, 2]",
                                                "drift:",
                                                "  categorical-inputs: {a: country}",
                                                ""),
                                        Map.of()))
                .hasMessageContaining("kafka.topics.scores takes one value, not a list: [a, b]")
                .hasMessageContaining("kafka.group-id takes one value, not a map: {name: g}")
                .hasMessageContaining("pipeline.parallelism takes one value, not a list")
                .hasMessageContaining("drift.categorical-inputs takes a list, not a map")
                // Named once, for its shape, not again as unparsable.
                .hasMessageNotContaining("cannot parse");
        assertThatThrownBy(() -> load("", Map.of("kafka.topics.scores", "[a, b]")))
                .hasMessageContaining("kafka.topics.scores takes one value, not a list: [a, b]");
    }

    @Test
    void keysWithoutValuesNestedListsAndKeysGivenTwiceFail() throws Exception {
        assertThatThrownBy(
                        () ->
                                load(
                                        String.join(
                                                "\n",
                                                "kafka:",
                                                "  group-id:",
                                                "  topics:",
                                                "    scores: s",
                                                "kafka.topics.scores: t",
                                                "drift:",
                                                "  categorical-inputs: [[country], channel, ~]",
                                                ""),
                                        Map.of()))
                .hasMessageContaining(
                        "kafka.group-id has no value: remove it to take the default, or write"
                                + " \"\" for an empty one")
                .hasMessageContaining("kafka.topics.scores is given twice")
                .hasMessageContaining("drift.categorical-inputs[0] must be one value, not a list")
                .hasMessageContaining("drift.categorical-inputs[2] must be one value, not empty");
        assertThatThrownBy(() -> load("kafka:\n  group-id: a\n  group-id: b\n", Map.of()))
                .hasMessageContaining("Duplicate field 'group-id'");
    }

    @Test
    void onlyListOptionsTakeListsAndMapOptionsTakeTheirEntriesAsKeys() throws Exception {
        for (ConfigOption<?> option : WeirOptions.ALL) {
            assertThat(SettingsCheck.shape(option))
                    .as(option.key())
                    .isEqualTo(
                            option == WeirOptions.DRIFT_CATEGORICAL_INPUTS
                                            || option == WeirOptions.FAIRNESS_ATTRIBUTES
                                    ? SettingsCheck.Shape.LIST
                                    : option == WeirOptions.KAFKA_PROPERTIES
                                            ? SettingsCheck.Shape.MAP
                                            : SettingsCheck.Shape.SCALAR);
        }
        ConfigOption<Map<String, String>> map = key("m").mapType().noDefaultValue();
        ConfigOption<List<Duration>> durations = key("d").durationType().asList().noDefaultValue();
        assertThat(SettingsCheck.shape(map)).isEqualTo(SettingsCheck.Shape.MAP);
        assertThat(SettingsCheck.shape(durations)).isEqualTo(SettingsCheck.Shape.LIST);

        Path yaml = dir.resolve("map.yaml");
        Files.writeString(yaml, "m:\n  a: 1\n  b: x\nd: [1 s, 2 min]\n");
        Map<String, String> settings = ConfigLoader.readYaml(yaml);
        List<ConfigOption<?>> options = List.of(map, durations);

        assertThat(SettingsCheck.unknownKeys(settings.keySet(), options)).isEmpty();
        assertThat(SettingsCheck.misshapen(settings, options)).isEmpty();
        Configuration conf = Configuration.fromMap(settings);
        assertThat(conf.get(map)).isEqualTo(Map.of("a", "1", "b", "x"));
        assertThat(conf.get(durations))
                .containsExactly(Duration.ofSeconds(1), Duration.ofMinutes(2));
        // Under the map's own key, a value would hide the entries given by key.
        assertThat(SettingsCheck.misshapen(Map.of("m", "[a]"), options))
                .containsEntry("m", "m takes its entries as keys (m.KEY: VALUE), not one value");
    }

    @Test
    void durationsOfThePipelineAndOfFeatureFilesShareOneGrammar() {
        for (String text :
                List.of(
                        "500ms", "10 ms", "30s", "30 sec", "5m", "5 min", "1min", "1 h", "7d",
                        "30d", "2 hours")) {
            assertThat(
                            PipelineConfig.from(with(REQUIRED, Map.of("labels.score-ttl", text)))
                                    .monitoring()
                                    .scoreTtl())
                    .as(text)
                    .isEqualTo(Durations.parse(text));
        }
        assertThatThrownBy(
                        () -> PipelineConfig.from(with(REQUIRED, Map.of("labels.score-ttl", "1w"))))
                .hasMessageContaining("labels.score-ttl");
    }

    @Test
    void theClusterConfigurationsReadAsFlinkReadsThem() throws Exception {
        for (String env : List.of("dev", "live", "test")) {
            Path file = FLINK_CONF.resolve(env).resolve("config.yaml");
            assertThat(ConfigLoader.readYaml(file)).as(env).isEqualTo(flinkReads(file));
        }
    }

    /** What Flink's own loader of a {@code config.yaml} makes of the file. */
    private Map<String, String> flinkReads(Path file) throws Exception {
        Path conf = Files.createTempDirectory(dir, "conf");
        Files.copy(file, conf.resolve(GlobalConfiguration.FLINK_CONF_FILENAME));
        return GlobalConfiguration.loadConfiguration(conf.toString()).toMap();
    }

    private PipelineConfig load(String yaml, Map<String, String> overrides) throws Exception {
        Path file = Files.createTempFile(dir, "pipeline", ".yaml");
        Files.writeString(
                file,
                String.join(
                                "\n",
                                "kafka.bootstrap-servers: b:9092",
                                "iceberg.warehouse: /tmp/wh",
                                "model.dir: /m",
                                "")
                        + yaml);
        return ConfigLoader.load(file, overrides);
    }

    /**
     * A value other than the default for every option but model.registry (it excludes model.dir).
     */
    private Map<String, String> nonDefaults() throws Exception {
        Path features = dir.resolve("features.yaml");
        if (!Files.exists(features)) {
            try (InputStream in =
                    FeatureSets.class.getClassLoader().getResourceAsStream(FeatureSets.REFERENCE)) {
                Files.write(features, in.readAllBytes());
            }
        }
        Map<String, String> values = new HashMap<>();
        WeirOptions.ICEBERG_WRITE.forEach(
                (table, options) -> {
                    values.put(options.rowGroupSize().key(), "3 mb");
                    values.put(options.pageSize().key(), "48 kb");
                    values.put(options.dictSize().key(), "40 kb");
                    values.put(options.targetFileSize().key(), "96 mb");
                });
        values.putAll(nonDefaultsButWrites(features));
        return values;
    }

    private static Map<String, String> nonDefaultsButWrites(Path features) {
        return Map.ofEntries(
                Map.entry("kafka.bootstrap-servers", "b1:9092"),
                Map.entry("kafka.producer.buffer-memory", "7 mb"),
                Map.entry("kafka.topics.transactions", "t.transactions"),
                Map.entry("kafka.topics.scores", "t.scores"),
                Map.entry("kafka.topics.decisions", "t.decisions"),
                Map.entry("kafka.topics.entity-features", "t.entity-features"),
                Map.entry("kafka.topics.dlq", "t.dlq"),
                Map.entry("kafka.topics.model-control", "t.control"),
                Map.entry("kafka.topics.labels", "t.labels"),
                Map.entry("kafka.topics.monitoring", "t.monitoring"),
                Map.entry("kafka.group-id", "group"),
                Map.entry("kafka.transactional-id-prefix", "prefix"),
                Map.entry("kafka.transaction-timeout", "11 min"),
                Map.entry("kafka.starting-offsets", "latest"),
                Map.entry("kafka.formats.transactions", "confluent"),
                Map.entry("kafka.formats.labels", "confluent"),
                Map.entry("kafka.formats.scores", "confluent"),
                Map.entry("kafka.formats.decisions", "confluent"),
                Map.entry("kafka.formats.dlq", "confluent"),
                Map.entry("kafka.formats.monitoring", "confluent"),
                Map.entry("schema-registry.url", "http://registry:8081"),
                Map.entry("iceberg.catalog-type", "rest"),
                Map.entry("iceberg.warehouse", "s3://warehouse"),
                Map.entry("iceberg.uri", "http://catalog:8181"),
                Map.entry("iceberg.namespace", "ns"),
                Map.entry("iceberg.maintenance.parallelism", "2"),
                Map.entry("iceberg.maintenance.rate-limit", "3 min"),
                Map.entry("iceberg.maintenance.rewrite.target-file-size", "64 mb"),
                Map.entry("iceberg.maintenance.rewrite.commit-count", "7"),
                Map.entry("iceberg.maintenance.rewrite.interval", "20 min"),
                Map.entry("iceberg.maintenance.expire-snapshots.max-age", "3 h"),
                Map.entry("iceberg.maintenance.expire-snapshots.retain-last", "5"),
                Map.entry("iceberg.maintenance.expire-snapshots.commit-count", "8"),
                Map.entry("iceberg.maintenance.expire-snapshots.interval", "4 h"),
                Map.entry("iceberg.maintenance.orphan-files.min-age", "4 d"),
                Map.entry("iceberg.maintenance.orphan-files.interval", "6 h"),
                Map.entry("iceberg.s3.endpoint", "http://store:9000"),
                Map.entry("iceberg.s3.path-style-access", "true"),
                Map.entry("model.dir", "/models/m"),
                Map.entry("model.name", "name"),
                Map.entry("features.definitions", features.toString()),
                Map.entry("features.ordering", "arrival"),
                Map.entry("features.publish", "false"),
                Map.entry("features.ordering-max-wait", "7 s"),
                Map.entry("scoring.max-batch-size", "32"),
                Map.entry("scoring.max-wait", "3 ms"),
                Map.entry("scoring.reasons.top", "5"),
                Map.entry("pipeline.checkpoint-interval", "20 s"),
                Map.entry("pipeline.buffer-timeout", "4 ms"),
                Map.entry("pipeline.side-buffer-timeout", "40 ms"),
                Map.entry("pipeline.parallelism", "3"),
                Map.entry("pipeline.watermark.out-of-orderness", "2 s"),
                Map.entry("pipeline.watermark.idleness", "40 s"),
                Map.entry("pipeline.watermark.alignment.max-drift", "50 s"),
                Map.entry("pipeline.watermark.alignment.update-interval", "6 s"),
                Map.entry("quality.rules", "none"),
                Map.entry("governance.policy", "none"),
                Map.entry("monitoring.window", "2 min"),
                Map.entry("monitoring.allowed-lateness", "9 s"),
                Map.entry("drift.categorical-inputs", "channel"),
                Map.entry("drift.psi-alert", "0.3"),
                Map.entry("drift.ks-alert", "0.2"),
                Map.entry("drift.js-alert", "0.15"),
                Map.entry("drift.min-samples", "300"),
                Map.entry("labels.score-ttl", "2 d"),
                Map.entry("labels.label-wait", "2 h"),
                Map.entry("performance.min-auc", "0.7"),
                Map.entry("performance.min-labels", "150"),
                Map.entry("fairness.attributes", "channel"),
                Map.entry("fairness.min-count", "50"),
                Map.entry("fairness.max-values", "20"),
                Map.entry("fairness.min-disparate-impact", "0.9"));
    }

    /** Dotted keys as nested maps, the way people write the file. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> nested(Map<String, Object> flat) {
        Map<String, Object> root = new LinkedHashMap<>();
        flat.forEach(
                (key, value) -> {
                    String[] parts = key.split("\\.");
                    Map<String, Object> node = root;
                    for (int i = 0; i < parts.length - 1; i++) {
                        node =
                                (Map<String, Object>)
                                        node.computeIfAbsent(parts[i], k -> new LinkedHashMap<>());
                    }
                    node.put(parts[parts.length - 1], value);
                });
        return root;
    }

    /** Every value that is not a mapping, by its dotted path. */
    private static Map<String, JsonNode> leaves(JsonNode root) {
        Map<String, JsonNode> leaves = new LinkedHashMap<>();
        collect("", root, leaves);
        return leaves;
    }

    private static void collect(String prefix, JsonNode node, Map<String, JsonNode> out) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            if (field.getValue().isObject()) {
                collect(key, field.getValue(), out);
            } else {
                out.put(key, field.getValue());
            }
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(item -> texts.add(item.asText()));
        return texts;
    }

    private static ConfigOption<?> option(String key) {
        return WeirOptions.ALL.stream().filter(o -> o.key().equals(key)).findFirst().orElseThrow();
    }

    private static Map<String, String> with(Map<String, String> base, Map<String, String> more) {
        Map<String, String> all = new HashMap<>(base);
        all.putAll(more);
        return all;
    }
}
