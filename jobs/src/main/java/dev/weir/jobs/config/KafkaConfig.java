package dev.weir.jobs.config;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.SaslConfigs;

/**
 * The brokers, the topics, the identities that consumer offsets and Kafka transactions are bound to
 * across restarts, and the client properties every source and sink gets (security, tuning). Part of
 * {@link PipelineConfig}.
 *
 * @param properties {@code kafka.properties.*}: Kafka client properties, secrets as config provider
 *     references ({@code ${env:KAFKA_PASSWORD}}) that the Kafka client resolves where it runs
 * @param producerBufferMemory {@code buffer.memory} of every producer of the pipeline's sinks
 */
public record KafkaConfig(
        String bootstrapServers,
        String transactionsTopic,
        String scoresTopic,
        String decisionsTopic,
        String entityFeaturesTopic,
        String dlqTopic,
        String controlTopic,
        String labelsTopic,
        String monitoringTopic,
        String groupId,
        String transactionalIdPrefix,
        Duration transactionTimeout,
        String startingOffsets,
        Map<String, String> properties,
        MemorySize producerBufferMemory) {

    public static final Set<String> STARTING_OFFSETS =
            Set.of("committed-or-earliest", "earliest", "latest");

    /** {@code timestamp:} and an ISO-8601 instant: the first record at or after that time. */
    public static final String STARTING_TIMESTAMP = "timestamp:";

    /**
     * The instant of a {@code timestamp:} starting position, or null for the other positions.
     *
     * @throws java.time.format.DateTimeParseException when the instant is malformed
     */
    public static Instant startingTimestamp(String startingOffsets) {
        return startingOffsets.startsWith(STARTING_TIMESTAMP)
                ? Instant.parse(startingOffsets.substring(STARTING_TIMESTAMP.length()).trim())
                : null;
    }

    /**
     * Client properties the pipeline sets itself: exactly-once and the topology depend on them, so
     * {@code kafka.properties} may not change them.
     */
    public static final Set<String> SET_BY_THE_PIPELINE =
            Set.of(
                    "bootstrap.servers",
                    "group.id",
                    "isolation.level",
                    "commit.offsets.on.checkpoint",
                    "enable.auto.commit",
                    "key.deserializer",
                    "value.deserializer",
                    "key.serializer",
                    "value.serializer",
                    "transactional.id",
                    "transaction.timeout.ms",
                    "enable.idempotence",
                    "acks",
                    "linger.ms",
                    "buffer.memory");

    /** The pipeline's own options some of those keys are set from. */
    private static final Map<String, ConfigOption<?>> SET_FROM =
            Map.of(
                    "bootstrap.servers", WeirOptions.KAFKA_BOOTSTRAP,
                    "group.id", WeirOptions.GROUP_ID,
                    "buffer.memory", WeirOptions.PRODUCER_BUFFER_MEMORY);

    /** A JAAS option whose name says it holds a secret, given as text rather than a reference. */
    private static final Pattern JAAS_LITERAL_SECRET =
            Pattern.compile("(?i)[\\w.]*(password|secret)[\\w.]*\\s*=\\s*+(?!\"?\\$\\{)");

    /** A config provider reference, as Kafka resolves it: {@code ${provider:[path:]key}}. */
    private static final Pattern PROVIDER_REFERENCE = Pattern.compile("\\$\\{[^}:]+:[^}]+}");

    /** Reads the {@code kafka.*} options; parse errors are the caller's to report. */
    static KafkaConfig from(Configuration conf) {
        return new KafkaConfig(
                conf.get(WeirOptions.KAFKA_BOOTSTRAP),
                conf.get(WeirOptions.TOPIC_TRANSACTIONS),
                conf.get(WeirOptions.TOPIC_SCORES),
                conf.get(WeirOptions.TOPIC_DECISIONS),
                conf.get(WeirOptions.TOPIC_ENTITY_FEATURES),
                conf.get(WeirOptions.TOPIC_DLQ),
                conf.get(WeirOptions.TOPIC_MODEL_CONTROL),
                conf.get(WeirOptions.TOPIC_LABELS),
                conf.get(WeirOptions.TOPIC_MONITORING),
                conf.get(WeirOptions.GROUP_ID),
                conf.get(WeirOptions.TRANSACTIONAL_ID_PREFIX),
                conf.get(WeirOptions.TRANSACTION_TIMEOUT),
                conf.get(WeirOptions.STARTING_OFFSETS),
                Map.copyOf(conf.get(WeirOptions.KAFKA_PROPERTIES)),
                conf.get(WeirOptions.PRODUCER_BUFFER_MEMORY));
    }

    /** {@link #properties} for a Kafka source or sink builder; a new copy on every call. */
    public Properties clientProperties() {
        Properties client = new Properties();
        client.putAll(properties);
        return client;
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
        PipelineConfig.require(problems, WeirOptions.TOPIC_ENTITY_FEATURES, entityFeaturesTopic);
        // A compacted latest-value topic, written at least once: never shared with another.
        otherTopics.put(WeirOptions.TOPIC_DECISIONS, decisionsTopic);
        otherTopics.forEach(
                (option, topic) -> {
                    if (entityFeaturesTopic != null
                            && !entityFeaturesTopic.isBlank()
                            && entityFeaturesTopic.equals(topic)) {
                        problems.add(
                                WeirOptions.TOPIC_ENTITY_FEATURES.key()
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
            String problem =
                    WeirOptions.STARTING_OFFSETS.key()
                            + " must be one of "
                            + STARTING_OFFSETS
                            + " or "
                            + STARTING_TIMESTAMP
                            + "ISO-INSTANT (timestamp:2026-01-31T23:59:59.001Z), got '"
                            + startingOffsets
                            + "'";
            try {
                if (startingTimestamp(startingOffsets) == null) {
                    problems.add(problem);
                }
            } catch (DateTimeParseException e) {
                problems.add(problem);
            }
        }
        if (producerBufferMemory.compareTo(MemorySize.ofMebiBytes(1)) < 0) {
            problems.add(
                    WeirOptions.PRODUCER_BUFFER_MEMORY.key()
                            + " must be at least 1 mb (Kafka's largest request by default), got "
                            + producerBufferMemory);
        }
        problems.addAll(propertyProblems(properties));
        return problems;
    }

    /**
     * Keys the pipeline sets itself, and secrets written as text. Values are never repeated: one
     * may be a secret.
     */
    static List<String> propertyProblems(Map<String, String> properties) {
        String prefix = WeirOptions.KAFKA_PROPERTIES.key() + ".";
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> property : new TreeMap<>(properties).entrySet()) {
            String key = property.getKey();
            if (SET_BY_THE_PIPELINE.contains(key)) {
                problems.add(
                        prefix
                                + key
                                + " is set by the pipeline itself"
                                + (SET_FROM.containsKey(key)
                                        ? " from " + SET_FROM.get(key).key()
                                        : "")
                                + ": remove it");
            } else if (literalSecret(key, property.getValue())) {
                problems.add(
                        prefix
                                + key
                                + " holds a secret as text: give it as a config provider reference,"
                                + " ${env:VARIABLE} with "
                                + prefix
                                + "config.providers: env (the value is not shown)");
            }
        }
        return problems;
    }

    /**
     * Whether a password-typed Kafka property (or a JAAS option named like a password or secret)
     * holds text instead of a config provider reference.
     */
    private static boolean literalSecret(String key, String value) {
        if (key.equals(SaslConfigs.SASL_JAAS_CONFIG)) {
            return JAAS_LITERAL_SECRET.matcher(value).find();
        }
        return isPassword(key) && !PROVIDER_REFERENCE.matcher(value).find();
    }

    private static boolean isPassword(String key) {
        for (ConfigDef definition :
                List.of(ConsumerConfig.configDef(), ProducerConfig.configDef())) {
            ConfigDef.ConfigKey declared = definition.configKeys().get(key);
            if (declared != null && declared.type == ConfigDef.Type.PASSWORD) {
                return true;
            }
        }
        return false;
    }
}
