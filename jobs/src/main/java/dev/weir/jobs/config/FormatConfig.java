package dev.weir.jobs.config;

import dev.weir.operators.wire.TopicFormat;
import dev.weir.operators.wire.WireFormat;
import dev.weir.schemas.wire.SchemaRegistryClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * How each topic's record values are framed, and the schema registry of the topics in Confluent's
 * wire format. The model-control topic is always single-object: Weir writes it itself ({@code weir
 * models promote}). Part of {@link PipelineConfig}.
 *
 * @param registryUrl {@code schema-registry.url}, null when not set
 */
public record FormatConfig(
        WireFormat transactions,
        WireFormat labels,
        WireFormat scores,
        WireFormat decisions,
        WireFormat dlq,
        WireFormat monitoring,
        String registryUrl) {

    /** Reads the {@code kafka.formats.*} and {@code schema-registry.*} options. */
    static FormatConfig from(Configuration conf) {
        String url = conf.get(WeirOptions.SCHEMA_REGISTRY_URL);
        return new FormatConfig(
                conf.get(WeirOptions.FORMAT_TRANSACTIONS),
                conf.get(WeirOptions.FORMAT_LABELS),
                conf.get(WeirOptions.FORMAT_SCORES),
                conf.get(WeirOptions.FORMAT_DECISIONS),
                conf.get(WeirOptions.FORMAT_DLQ),
                conf.get(WeirOptions.FORMAT_MONITORING),
                url == null || url.isBlank() ? null : url.trim());
    }

    /** The format of a topic whose option says {@code format}, with the registry it needs. */
    public TopicFormat topic(WireFormat format) {
        return format == WireFormat.CONFLUENT
                ? TopicFormat.confluent(registryUrl)
                : TopicFormat.SINGLE_OBJECT;
    }

    /** Whether any topic is in Confluent's wire format, so the registry is needed. */
    public boolean anyConfluent() {
        return !confluentOptions().isEmpty();
    }

    private Map<ConfigOption<WireFormat>, WireFormat> byOption() {
        Map<ConfigOption<WireFormat>, WireFormat> formats = new LinkedHashMap<>();
        formats.put(WeirOptions.FORMAT_TRANSACTIONS, transactions);
        formats.put(WeirOptions.FORMAT_LABELS, labels);
        formats.put(WeirOptions.FORMAT_SCORES, scores);
        formats.put(WeirOptions.FORMAT_DECISIONS, decisions);
        formats.put(WeirOptions.FORMAT_DLQ, dlq);
        formats.put(WeirOptions.FORMAT_MONITORING, monitoring);
        return formats;
    }

    private List<String> confluentOptions() {
        return byOption().entrySet().stream()
                .filter(e -> e.getValue() == WireFormat.CONFLUENT)
                .map(e -> e.getKey().key())
                .toList();
    }

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        List<String> confluent = confluentOptions();
        if (registryUrl == null && !confluent.isEmpty()) {
            problems.add(
                    WeirOptions.SCHEMA_REGISTRY_URL.key()
                            + " is required: "
                            + String.join(", ", confluent)
                            + (confluent.size() == 1 ? " is " : " are ")
                            + WireFormat.CONFLUENT
                            + ", whose writer schemas are in a schema registry");
        }
        if (registryUrl != null) {
            String problem = SchemaRegistryClient.urlProblem(registryUrl);
            if (problem != null) {
                problems.add(WeirOptions.SCHEMA_REGISTRY_URL.key() + " " + problem);
            }
        }
        return problems;
    }
}
