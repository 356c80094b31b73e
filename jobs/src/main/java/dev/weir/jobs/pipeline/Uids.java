package dev.weir.jobs.pipeline;

/**
 * Operator uids of the pipeline job. Savepoints map state to operators by these strings: once
 * released, a uid never changes; a new operator gets a new one.
 */
public final class Uids {

    public static final String SOURCE_TRANSACTIONS = "weir-source-transactions";
    public static final String DECODE = "weir-decode-transactions";
    public static final String SOURCE_MODEL_CONTROL = "weir-source-model-control";
    public static final String DECODE_MODEL_CONTROL = "weir-decode-model-control";

    /**
     * Prefix of the feature stages: weir-features-start, weir-features-<entity> (the release before
     * also had the stateless weir-features-<entity>-route and -no-key).
     */
    public static final String FEATURES = "weir-features";

    public static final String LATE_TO_DEAD_LETTER = "weir-late-to-dead-letter";
    public static final String VECTOR_CHANGED_TO_DEAD_LETTER = "weir-vector-changed-to-dead-letter";
    public static final String SCORE = "weir-score";
    public static final String DEDUPLICATE = "weir-deduplicate";
    public static final String SOURCE_LABELS = "weir-source-labels";
    public static final String DECODE_LABELS = "weir-decode-labels";
    public static final String LABEL_JOIN = "weir-label-join";

    /** Prefixes of the two monitoring operators: <prefix>-partial, <prefix>-report. */
    public static final String MONITOR_QUALITY = "weir-monitor-quality";

    public static final String MONITOR_DRIFT = "weir-monitor-drift";
    public static final String MONITOR_PERFORMANCE = "weir-monitor-performance";
    public static final String MONITOR_AGREEMENT = "weir-monitor-agreement";
    public static final String MONITOR_FAIRNESS = "weir-monitor-fairness";

    public static final String AUDIT_SCORES = "weir-audit-scores";
    public static final String SINK_SCORES_KAFKA = "weir-sink-scores-kafka";
    public static final String SINK_DECISIONS_KAFKA = "weir-sink-decisions-kafka";
    public static final String SINK_ENTITY_FEATURES_KAFKA = "weir-sink-entity-features-kafka";
    public static final String SINK_DLQ_KAFKA = "weir-sink-dlq-kafka";
    public static final String SINK_MONITORING_KAFKA = "weir-sink-monitoring-kafka";
    public static final String TO_ROW_MONITORING = "weir-to-row-monitoring";
    public static final String SINK_MONITORING_ICEBERG = "weir-sink-monitoring-iceberg";

    public static final String TO_ROW_EVENTS = "weir-to-row-events";
    public static final String TO_ROW_SCORES = "weir-to-row-scores";
    public static final String TO_ROW_DLQ = "weir-to-row-dlq";
    public static final String TO_ROW_FEATURES = "weir-to-row-features";

    /** Iceberg derives its writer and committer uids from these suffixes. */
    public static final String SINK_EVENTS_ICEBERG = "weir-sink-events-iceberg";

    public static final String SINK_SCORES_ICEBERG = "weir-sink-scores-iceberg";
    public static final String SINK_DLQ_ICEBERG = "weir-sink-dlq-iceberg";
    public static final String SINK_FEATURES_ICEBERG = "weir-sink-features-iceberg";

    private Uids() {}
}
