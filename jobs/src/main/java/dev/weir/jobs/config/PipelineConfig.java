package dev.weir.jobs.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The pipeline's configuration, parsed once and validated: pipeline code reads this record, never
 * raw keys. Build it with {@link #from(Map)} or {@link ConfigLoader}.
 */
public record PipelineConfig(
        String bootstrapServers,
        String transactionsTopic,
        String scoresTopic,
        String decisionsTopic,
        String dlqTopic,
        String controlTopic,
        String labelsTopic,
        String monitoringTopic,
        String groupId,
        String transactionalIdPrefix,
        Duration transactionTimeout,
        String startingOffsets,
        String catalogType,
        String warehouse,
        String catalogUri,
        String namespace,
        String modelDir,
        String modelRegistry,
        String modelName,
        String featureDefinitions,
        int scoringMaxBatchSize,
        Duration scoringMaxWait,
        Duration checkpointInterval,
        Duration bufferTimeout,
        int parallelism,
        Duration outOfOrderness,
        Duration idleness,
        Duration alignmentMaxDrift,
        Duration alignmentUpdateInterval,
        dev.weir.operators.features.FeatureOrdering featureOrdering,
        Duration featureOrderingMaxWait,
        MonitoringConfig monitoring) {

    public static final Set<String> STARTING_OFFSETS = Set.of("committed-or-earliest", "earliest", "latest");
    public static final Set<String> CATALOG_TYPES = Set.of("hadoop", "rest");

    /**
     * Validates flat key/value settings against {@link WeirOptions}.
     *
     * @throws IllegalArgumentException listing every problem found, not only the first
     */
    public static PipelineConfig from(Map<String, String> settings) {
        Set<String> known = WeirOptions.ALL.stream().map(ConfigOption::key).collect(Collectors.toSet());
        List<String> problems = new ArrayList<>();
        for (String key : settings.keySet()) {
            if (!known.contains(key)) {
                problems.add("unknown option '" + key + "' (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
            }
        }
        Configuration conf = Configuration.fromMap(settings);
        PipelineConfig config = null;
        try {
            config =
                    new PipelineConfig(
                            conf.get(WeirOptions.KAFKA_BOOTSTRAP),
                            conf.get(WeirOptions.TOPIC_TRANSACTIONS),
                            conf.get(WeirOptions.TOPIC_SCORES),
                            conf.get(WeirOptions.TOPIC_DECISIONS),
                            conf.get(WeirOptions.TOPIC_DLQ),
                            conf.get(WeirOptions.TOPIC_MODEL_CONTROL),
                            conf.get(WeirOptions.TOPIC_LABELS),
                            conf.get(WeirOptions.TOPIC_MONITORING),
                            conf.get(WeirOptions.GROUP_ID),
                            conf.get(WeirOptions.TRANSACTIONAL_ID_PREFIX),
                            conf.get(WeirOptions.TRANSACTION_TIMEOUT),
                            conf.get(WeirOptions.STARTING_OFFSETS),
                            conf.get(WeirOptions.CATALOG_TYPE),
                            conf.get(WeirOptions.WAREHOUSE),
                            conf.get(WeirOptions.CATALOG_URI),
                            conf.get(WeirOptions.NAMESPACE),
                            conf.get(WeirOptions.MODEL_DIR),
                            conf.get(WeirOptions.MODEL_REGISTRY),
                            conf.get(WeirOptions.MODEL_NAME),
                            conf.get(WeirOptions.FEATURE_DEFINITIONS),
                            conf.get(WeirOptions.SCORING_MAX_BATCH),
                            conf.get(WeirOptions.SCORING_MAX_WAIT),
                            conf.get(WeirOptions.CHECKPOINT_INTERVAL),
                            conf.get(WeirOptions.BUFFER_TIMEOUT),
                            conf.get(WeirOptions.PARALLELISM),
                            conf.get(WeirOptions.OUT_OF_ORDERNESS),
                            conf.get(WeirOptions.IDLENESS),
                            conf.get(WeirOptions.ALIGNMENT_MAX_DRIFT),
                            conf.get(WeirOptions.ALIGNMENT_UPDATE_INTERVAL),
                            conf.get(WeirOptions.FEATURE_ORDERING),
                            conf.get(WeirOptions.FEATURE_ORDERING_MAX_WAIT),
                            new MonitoringConfig(
                                    conf.get(WeirOptions.QUALITY_RULES),
                                    conf.get(WeirOptions.GOVERNANCE_POLICY),
                                    conf.get(WeirOptions.MONITORING_WINDOW),
                                    conf.get(WeirOptions.MONITORING_LATENESS),
                                    conf.get(WeirOptions.DRIFT_CATEGORICAL_INPUTS),
                                    conf.get(WeirOptions.DRIFT_PSI_ALERT),
                                    conf.get(WeirOptions.DRIFT_KS_ALERT),
                                    conf.get(WeirOptions.DRIFT_JS_ALERT),
                                    conf.get(WeirOptions.DRIFT_MIN_SAMPLES),
                                    conf.get(WeirOptions.LABELS_SCORE_TTL),
                                    conf.get(WeirOptions.LABELS_LABEL_WAIT),
                                    conf.get(WeirOptions.PERFORMANCE_MIN_AUC),
                                    conf.get(WeirOptions.PERFORMANCE_MIN_LABELS)));
        } catch (IllegalArgumentException e) {
            problems.add("cannot parse an option: " + e.getMessage());
        }
        if (config != null) {
            problems.addAll(config.problems());
            try {
                config.featureSet();
            } catch (IllegalArgumentException e) {
                problems.add(WeirOptions.FEATURE_DEFINITIONS.key() + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "invalid configuration:\n  - " + String.join("\n  - ", problems));
        }
        return config;
    }

    /**
     * The model the job scores with: the registry champion (with its checksum), resolved now, or
     * the model directory.
     */
    public dev.weir.models.registry.ModelPointer modelPointer() {
        if (modelRegistry != null && !modelRegistry.isBlank()) {
            return new dev.weir.models.registry.ModelRegistry(java.nio.file.Path.of(modelRegistry)).champion(modelName);
        }
        return new dev.weir.models.registry.ModelPointer(null, null, modelDir, null);
    }

    /** The feature set the pipeline computes: the configured file or the bundled reference. */
    public dev.weir.state.features.FeatureSet featureSet() {
        return FeatureSets.load(featureDefinitions);
    }

    private List<String> problems() {
        List<String> problems = new ArrayList<>();
        require(problems, WeirOptions.KAFKA_BOOTSTRAP, bootstrapServers);
        boolean hasDir = modelDir != null && !modelDir.isBlank();
        boolean hasRegistry = modelRegistry != null && !modelRegistry.isBlank();
        if (hasDir == hasRegistry) {
            problems.add("exactly one of " + WeirOptions.MODEL_DIR.key() + " and " + WeirOptions.MODEL_REGISTRY.key()
                    + " is required");
        }
        require(problems, WeirOptions.TOPIC_TRANSACTIONS, transactionsTopic);
        require(problems, WeirOptions.TOPIC_SCORES, scoresTopic);
        require(problems, WeirOptions.TOPIC_DECISIONS, decisionsTopic);
        // The decisions are written outside transactions, repeats included: in a topic of their own,
        // never mixed into the exactly-once scores or any other topic the pipeline reads or writes.
        Map<ConfigOption<String>, String> otherTopics = new java.util.LinkedHashMap<>();
        otherTopics.put(WeirOptions.TOPIC_TRANSACTIONS, transactionsTopic);
        otherTopics.put(WeirOptions.TOPIC_SCORES, scoresTopic);
        otherTopics.put(WeirOptions.TOPIC_DLQ, dlqTopic);
        otherTopics.put(WeirOptions.TOPIC_MODEL_CONTROL, controlTopic);
        otherTopics.put(WeirOptions.TOPIC_LABELS, labelsTopic);
        otherTopics.put(WeirOptions.TOPIC_MONITORING, monitoringTopic);
        otherTopics.forEach((option, topic) -> {
            if (decisionsTopic != null && !decisionsTopic.isBlank() && decisionsTopic.equals(topic)) {
                problems.add(WeirOptions.TOPIC_DECISIONS.key() + " must differ from " + option.key() + " ('" + topic + "')");
            }
        });
        require(problems, WeirOptions.TOPIC_DLQ, dlqTopic);
        require(problems, WeirOptions.TOPIC_LABELS, labelsTopic);
        require(problems, WeirOptions.TOPIC_MONITORING, monitoringTopic);
        require(problems, WeirOptions.GROUP_ID, groupId);
        require(problems, WeirOptions.TRANSACTIONAL_ID_PREFIX, transactionalIdPrefix);
        require(problems, WeirOptions.NAMESPACE, namespace);
        if (!CATALOG_TYPES.contains(catalogType)) {
            problems.add(WeirOptions.CATALOG_TYPE.key() + " must be one of " + CATALOG_TYPES + ", got '" + catalogType + "'");
        } else if (catalogType.equals("hadoop")) {
            require(problems, WeirOptions.WAREHOUSE, warehouse);
        } else {
            require(problems, WeirOptions.CATALOG_URI, catalogUri);
        }
        if (!STARTING_OFFSETS.contains(startingOffsets)) {
            problems.add(WeirOptions.STARTING_OFFSETS.key() + " must be one of " + STARTING_OFFSETS + ", got '" + startingOffsets + "'");
        }
        if (transactionTimeout.compareTo(checkpointInterval.multipliedBy(2)) < 0) {
            problems.add(
                    WeirOptions.TRANSACTION_TIMEOUT.key()
                            + " ("
                            + transactionTimeout
                            + ") must be at least twice "
                            + WeirOptions.CHECKPOINT_INTERVAL.key()
                            + " ("
                            + checkpointInterval
                            + ")");
        }
        if (scoringMaxBatchSize < 1 || scoringMaxBatchSize > 4096) {
            problems.add(WeirOptions.SCORING_MAX_BATCH.key() + " must be in [1, 4096], got " + scoringMaxBatchSize);
        }
        if (scoringMaxWait.isNegative()) {
            problems.add(WeirOptions.SCORING_MAX_WAIT.key() + " must not be negative");
        }
        if (bufferTimeout.isNegative()) {
            problems.add(WeirOptions.BUFFER_TIMEOUT.key() + " must not be negative (0 sends every record at once)");
        }
        if (checkpointInterval.toMillis() < 100) {
            problems.add(WeirOptions.CHECKPOINT_INTERVAL.key() + " must be at least 100ms");
        }
        if (parallelism == 0 || parallelism < -1) {
            problems.add(WeirOptions.PARALLELISM.key() + " must be -1 or positive, got " + parallelism);
        }
        if (outOfOrderness.isNegative() || idleness.isNegative() || idleness.isZero()) {
            problems.add("watermark durations must be positive");
        }
        if (featureOrderingMaxWait.isNegative()) {
            problems.add(WeirOptions.FEATURE_ORDERING_MAX_WAIT.key() + " must not be negative (0: no maximum)");
        }
        if (alignmentMaxDrift.isNegative()) {
            problems.add(WeirOptions.ALIGNMENT_MAX_DRIFT.key() + " must not be negative (0 turns alignment off)");
        }
        if (alignmentUpdateInterval.isNegative() || alignmentUpdateInterval.isZero()) {
            problems.add(WeirOptions.ALIGNMENT_UPDATE_INTERVAL.key() + " must be positive");
        } else if (!alignmentMaxDrift.isZero() && idleness.compareTo(alignmentUpdateInterval.multipliedBy(5)) < 0) {
            // Flink 2.1 can mark a split idle while alignment pauses it and never resume it when the
            // idleness timeout is close to the alignment interval (FLINK-40093).
            problems.add(WeirOptions.IDLENESS.key() + " (" + idleness + ") must be at least five times "
                    + WeirOptions.ALIGNMENT_UPDATE_INTERVAL.key() + " (" + alignmentUpdateInterval
                    + ") while alignment is on");
        }
        problems.addAll(monitoring.problems());
        for (String field : monitoring.categoricalInputs()) {
            if (dev.weir.schemas.Transaction.getClassSchema().getField(field) == null) {
                problems.add(WeirOptions.DRIFT_CATEGORICAL_INPUTS.key() + ": Transaction has no field '" + field + "'");
            }
        }
        return problems;
    }

    private static void require(List<String> problems, ConfigOption<String> option, String value) {
        if (value == null || value.isBlank()) {
            problems.add(option.key() + " is required: " + option.description());
        }
    }
}
