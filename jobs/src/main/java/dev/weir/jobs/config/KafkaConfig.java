package dev.weir.jobs.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The brokers, the topics, and the identities that consumer offsets and Kafka transactions are
 * bound to across restarts. Part of {@link PipelineConfig}.
 */
public record KafkaConfig(
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
        String startingOffsets) {

    public static final Set<String> STARTING_OFFSETS =
            Set.of("committed-or-earliest", "earliest", "latest");

    /** Reads the {@code kafka.*} options; parse errors are the caller's to report. */
    static KafkaConfig from(Configuration conf) {
        return new KafkaConfig(
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
                conf.get(WeirOptions.STARTING_OFFSETS));
    }

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        PipelineConfig.require(problems, WeirOptions.KAFKA_BOOTSTRAP, bootstrapServers);
        PipelineConfig.require(problems, WeirOptions.TOPIC_TRANSACTIONS, transactionsTopic);
        PipelineConfig.require(problems, WeirOptions.TOPIC_SCORES, scoresTopic);
        PipelineConfig.require(problems, WeirOptions.TOPIC_DECISIONS, decisionsTopic);
        // The decisions are written outside transactions, repeats included: in a topic of their
        // own,
        // never mixed into the exactly-once scores or any other topic the pipeline reads or writes.
        Map<ConfigOption<String>, String> otherTopics = new LinkedHashMap<>();
        otherTopics.put(WeirOptions.TOPIC_TRANSACTIONS, transactionsTopic);
        otherTopics.put(WeirOptions.TOPIC_SCORES, scoresTopic);
        otherTopics.put(WeirOptions.TOPIC_DLQ, dlqTopic);
        otherTopics.put(WeirOptions.TOPIC_MODEL_CONTROL, controlTopic);
        otherTopics.put(WeirOptions.TOPIC_LABELS, labelsTopic);
        otherTopics.put(WeirOptions.TOPIC_MONITORING, monitoringTopic);
        otherTopics.forEach(
                (option, topic) -> {
                    if (decisionsTopic != null
                            && !decisionsTopic.isBlank()
                            && decisionsTopic.equals(topic)) {
                        problems.add(
                                WeirOptions.TOPIC_DECISIONS.key()
                                        + " must differ from "
                                        + option.key()
                                        + " ('"
                                        + topic
                                        + "')");
                    }
                });
        PipelineConfig.require(problems, WeirOptions.TOPIC_DLQ, dlqTopic);
        PipelineConfig.require(problems, WeirOptions.TOPIC_LABELS, labelsTopic);
        PipelineConfig.require(problems, WeirOptions.TOPIC_MONITORING, monitoringTopic);
        PipelineConfig.require(problems, WeirOptions.GROUP_ID, groupId);
        PipelineConfig.require(
                problems, WeirOptions.TRANSACTIONAL_ID_PREFIX, transactionalIdPrefix);
        if (!STARTING_OFFSETS.contains(startingOffsets)) {
            problems.add(
                    WeirOptions.STARTING_OFFSETS.key()
                            + " must be one of "
                            + STARTING_OFFSETS
                            + ", got '"
                            + startingOffsets
                            + "'");
        }
        return problems;
    }
}
