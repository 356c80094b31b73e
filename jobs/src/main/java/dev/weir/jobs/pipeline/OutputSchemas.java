package dev.weir.jobs.pipeline;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.operators.wire.TopicFormat;
import dev.weir.operators.wire.WireFormat;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Score;
import dev.weir.schemas.wire.SchemaRegistryClient;
import dev.weir.schemas.wire.SchemaRegistryException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema registry side of a job start, when a topic is in Confluent's wire format: the registry
 * must answer, and every output topic in that format gets its schema registered under its subject
 * ({@code <topic>-value}) with BACKWARD compatibility set on the subject first, so a release whose
 * output schema breaks what consumers read fails here, before anything runs, with the registry's
 * reason. A subject that already has a rule at least as strict keeps it.
 */
public final class OutputSchemas {

    private static final Logger LOG = LoggerFactory.getLogger(OutputSchemas.class);

    /** Rules that check at least what BACKWARD checks. */
    private static final Set<String> BACKWARD_OR_STRICTER =
            Set.of("BACKWARD", "BACKWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE");

    private OutputSchemas() {}

    /**
     * Registers the output schemas; returns the id of each subject registered (none when no topic
     * is in the confluent format).
     *
     * @throws IllegalArgumentException when the registry refuses a schema: a breaking change
     * @throws IllegalStateException when the registry does not answer
     */
    public static Map<String, Integer> register(
            PipelineConfig config, Function<String, String> env) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        if (!config.formats().anyConfluent()) {
            return ids;
        }
        SchemaRegistryClient registry =
                SchemaRegistryClient.create(config.schemaRegistryUrl(), env);
        try {
            registry.checkAnswers();
        } catch (SchemaRegistryException e) {
            throw new IllegalStateException(
                    "schema-registry.url: " + e.getMessage() + " (is it the registry's API root?)",
                    e);
        }
        Map<String, Schema> outputs = new LinkedHashMap<>();
        put(outputs, config.scoresTopic(), config.scoresFormat(), Score.getClassSchema());
        put(outputs, config.decisionsTopic(), config.decisionsFormat(), Score.getClassSchema());
        put(outputs, config.dlqTopic(), config.dlqFormat(), DeadLetter.getClassSchema());
        put(
                outputs,
                config.monitoringTopic(),
                config.monitoringFormat(),
                MonitoringRecord.getClassSchema());
        for (Map.Entry<String, Schema> output : outputs.entrySet()) {
            String subject = output.getKey();
            try {
                String rule = registry.compatibility(subject);
                if (rule == null || !BACKWARD_OR_STRICTER.contains(rule)) {
                    registry.setCompatibility(subject, TopicFormat.OUTPUT_COMPATIBILITY);
                }
                int id = registry.register(subject, output.getValue());
                ids.put(subject, id);
                LOG.info(
                        "Schema {} registered under {} with id {}",
                        output.getValue().getFullName(),
                        subject,
                        id);
            } catch (SchemaRegistryException e) {
                if (e.kind() == SchemaRegistryException.Kind.INCOMPATIBLE) {
                    throw new IllegalArgumentException(
                            "the schema registry refuses "
                                    + output.getValue().getFullName()
                                    + " under "
                                    + subject
                                    + ", which breaks the compatibility of the versions written"
                                    + " before (schemas/README.md, Compatibility): "
                                    + e.getMessage(),
                            e);
                }
                throw new IllegalStateException(
                        "cannot register "
                                + output.getValue().getFullName()
                                + ": "
                                + e.getMessage(),
                        e);
            }
        }
        return ids;
    }

    private static void put(
            Map<String, Schema> outputs, String topic, TopicFormat format, Schema schema) {
        if (format.format() == WireFormat.CONFLUENT) {
            outputs.put(TopicFormat.subject(topic), schema);
        }
    }
}
