package dev.weir.jobs.config;

import dev.weir.models.registry.ModelPointer;
import dev.weir.operators.features.FeatureOrdering;
import dev.weir.operators.wire.TopicFormat;
import dev.weir.state.features.FeatureSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The pipeline's configuration, parsed once, validated and resolved: pipeline code reads this
 * record, never raw keys. Build it with {@link #from(Map)} or {@link ConfigLoader}.
 *
 * <p>Options are grouped by what they configure, and each group reads its own options by key, so
 * adding an option touches one group and cannot shift another. The flat accessors ({@link
 * #scoresTopic()}, {@link #idleness()}, ...) delegate to the groups.
 *
 * <p>The feature set and the model are resolved once, when the configuration is built: every call
 * of {@link #featureSet()} and {@link #modelPointer()} returns the same instance, so the feature
 * stages, the scorer, the drift monitor and the start-up checks agree even if the feature file is
 * edited or a promotion lands in the registry meanwhile. Build a new configuration to pick up a new
 * champion.
 *
 * <p>It is read on the client while the topology is built; operators get the values they need
 * (durations, feature names, the model pointer), never this record, which is not serializable.
 *
 * @param featureSet the feature set of {@code features.definitions}, read and compiled
 * @param modelPointer the model the job scores with: the registry's champion of {@code model.name}
 *     (with its checksum), or the model directory
 */
public record PipelineConfig(
        KafkaConfig kafka,
        FormatConfig formats,
        IcebergConfig iceberg,
        ModelConfig model,
        FeatureConfig features,
        ScoringConfig scoring,
        EnvironmentConfig environment,
        WatermarkConfig watermarks,
        MonitoringConfig monitoring,
        FeatureSet featureSet,
        ModelPointer modelPointer) {

    /**
     * Validates flat key/value settings against {@link WeirOptions}, then reads and compiles the
     * feature set and resolves the model.
     *
     * @throws IllegalArgumentException listing every problem found, not only the first
     */
    public static PipelineConfig from(Map<String, String> settings) {
        List<String> problems =
                new ArrayList<>(SettingsCheck.unknownKeys(settings.keySet(), WeirOptions.ALL));
        Map<String, String> misshapen = SettingsCheck.misshapen(settings, WeirOptions.ALL);
        problems.addAll(misshapen.values());
        Configuration conf = Configuration.fromMap(settings);
        List<String> unparsable = unparsable(conf, misshapen.keySet());
        problems.addAll(unparsable);
        if (!unparsable.isEmpty() || !misshapen.isEmpty()) {
            throw invalid(problems);
        }
        KafkaConfig kafka = KafkaConfig.from(conf);
        FormatConfig formats = FormatConfig.from(conf);
        IcebergConfig iceberg = IcebergConfig.from(conf);
        ModelConfig model = ModelConfig.from(conf);
        FeatureConfig features = FeatureConfig.from(conf);
        ScoringConfig scoring = ScoringConfig.from(conf);
        EnvironmentConfig environment = EnvironmentConfig.from(conf);
        WatermarkConfig watermarks = WatermarkConfig.from(conf);
        MonitoringConfig monitoring = MonitoringConfig.from(conf);

        problems.addAll(kafka.problems());
        problems.addAll(formats.problems());
        problems.addAll(iceberg.problems());
        List<String> modelProblems = model.problems();
        problems.addAll(modelProblems);
        problems.addAll(features.problems());
        problems.addAll(scoring.problems());
        problems.addAll(environment.problems());
        problems.addAll(watermarks.problems());
        problems.addAll(monitoring.problems());
        if (kafka.transactionTimeout().compareTo(environment.checkpointInterval().multipliedBy(2))
                < 0) {
            problems.add(
                    WeirOptions.TRANSACTION_TIMEOUT.key()
                            + " ("
                            + kafka.transactionTimeout()
                            + ") must be at least twice "
                            + WeirOptions.CHECKPOINT_INTERVAL.key()
                            + " ("
                            + environment.checkpointInterval()
                            + ")");
        }

        FeatureSet featureSet =
                resolve(
                        problems,
                        WeirOptions.FEATURE_DEFINITIONS,
                        () -> FeatureSets.load(features.definitions()));
        // Only a registry can fail to resolve, and only once it is the one model source.
        ModelPointer modelPointer =
                modelProblems.isEmpty()
                        ? resolve(problems, WeirOptions.MODEL_REGISTRY, model::resolve)
                        : null;
        if (!problems.isEmpty()) {
            throw invalid(problems);
        }
        return new PipelineConfig(
                kafka,
                formats,
                iceberg,
                model,
                features,
                scoring,
                environment,
                watermarks,
                monitoring,
                featureSet,
                modelPointer);
    }

    // Flat accessors, as pipeline code reads them.

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String transactionsTopic() {
        return kafka.transactionsTopic();
    }

    public String scoresTopic() {
        return kafka.scoresTopic();
    }

    public String decisionsTopic() {
        return kafka.decisionsTopic();
    }

    public String dlqTopic() {
        return kafka.dlqTopic();
    }

    public String controlTopic() {
        return kafka.controlTopic();
    }

    public String labelsTopic() {
        return kafka.labelsTopic();
    }

    public String monitoringTopic() {
        return kafka.monitoringTopic();
    }

    public String entityFeaturesTopic() {
        return kafka.entityFeaturesTopic();
    }

    public String groupId() {
        return kafka.groupId();
    }

    public String transactionalIdPrefix() {
        return kafka.transactionalIdPrefix();
    }

    public Duration transactionTimeout() {
        return kafka.transactionTimeout();
    }

    public String startingOffsets() {
        return kafka.startingOffsets();
    }

    public Map<String, String> kafkaProperties() {
        return kafka.properties();
    }

    public TopicFormat transactionsFormat() {
        return formats.topic(formats.transactions());
    }

    public TopicFormat labelsFormat() {
        return formats.topic(formats.labels());
    }

    public TopicFormat scoresFormat() {
        return formats.topic(formats.scores());
    }

    public TopicFormat decisionsFormat() {
        return formats.topic(formats.decisions());
    }

    public TopicFormat dlqFormat() {
        return formats.topic(formats.dlq());
    }

    public TopicFormat monitoringFormat() {
        return formats.topic(formats.monitoring());
    }

    /** {@code schema-registry.url}, or null. */
    public String schemaRegistryUrl() {
        return formats.registryUrl();
    }

    public String catalogType() {
        return iceberg.catalogType();
    }

    public String warehouse() {
        return iceberg.warehouse();
    }

    public String catalogUri() {
        return iceberg.catalogUri();
    }

    public String namespace() {
        return iceberg.namespace();
    }

    public MaintenanceConfig maintenance() {
        return iceberg.maintenance();
    }

    public String s3Endpoint() {
        return iceberg.s3Endpoint();
    }

    public boolean s3PathStyleAccess() {
        return iceberg.s3PathStyleAccess();
    }

    public String modelDir() {
        return model.dir();
    }

    public String modelRegistry() {
        return model.registry();
    }

    public String modelName() {
        return model.name();
    }

    public String featureDefinitions() {
        return features.definitions();
    }

    public FeatureOrdering featureOrdering() {
        return features.ordering();
    }

    public Duration featureOrderingMaxWait() {
        return features.orderingMaxWait();
    }

    /** Whether each entity's latest values are written to {@link #entityFeaturesTopic()}. */
    public boolean featuresPublish() {
        return features.publish();
    }

    public int scoringMaxBatchSize() {
        return scoring.maxBatchSize();
    }

    public Duration scoringMaxWait() {
        return scoring.maxWait();
    }

    /** Reason codes per score, 0 when they are off. */
    public int scoringReasonsTop() {
        return scoring.reasonsTop();
    }

    public Duration checkpointInterval() {
        return environment.checkpointInterval();
    }

    public Duration bufferTimeout() {
        return environment.bufferTimeout();
    }

    public Duration sideBufferTimeout() {
        return environment.sideBufferTimeout();
    }

    public int parallelism() {
        return environment.parallelism();
    }

    public Duration outOfOrderness() {
        return watermarks.outOfOrderness();
    }

    public Duration idleness() {
        return watermarks.idleness();
    }

    public Duration alignmentMaxDrift() {
        return watermarks.alignmentMaxDrift();
    }

    public Duration alignmentUpdateInterval() {
        return watermarks.alignmentUpdateInterval();
    }

    /** Adds "{@code option} is required" unless {@code value} has text. */
    static void require(List<String> problems, ConfigOption<String> option, String value) {
        if (value == null || value.isBlank()) {
            problems.add(option.key() + " is required: " + option.description());
        }
    }

    /** One problem per option whose value does not parse as its type, but those in skip. */
    private static List<String> unparsable(Configuration conf, Set<String> skip) {
        List<String> problems = new ArrayList<>();
        for (ConfigOption<?> option : WeirOptions.ALL) {
            if (skip.contains(option.key())) {
                continue;
            }
            try {
                conf.get(option);
            } catch (IllegalArgumentException e) {
                // Flink's own message names the key; its cause says what was expected (the
                // values of an enum option).
                Throwable cause = e.getCause();
                problems.add(
                        "cannot parse an option: "
                                + e.getMessage()
                                + (cause == null || cause.getMessage() == null
                                        ? ""
                                        : " " + cause.getMessage()));
            }
        }
        return problems;
    }

    /**
     * What {@code resolution} returns, or null with its failure added to the problems under {@code
     * option}.
     */
    private static <T> T resolve(
            List<String> problems, ConfigOption<?> option, Supplier<T> resolution) {
        try {
            return resolution.get();
        } catch (RuntimeException e) {
            problems.add(option.key() + ": " + e.getMessage());
            return null;
        }
    }

    private static IllegalArgumentException invalid(List<String> problems) {
        return new IllegalArgumentException(
                "invalid configuration:\n  - " + String.join("\n  - ", problems));
    }
}
