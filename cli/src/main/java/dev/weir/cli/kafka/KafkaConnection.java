package dev.weir.cli.kafka;

import dev.weir.jobs.config.PipelineConfig;
import java.util.Map;
import java.util.Properties;

/**
 * Where and how the command line reaches Kafka: the bootstrap servers and the client properties the
 * pipeline's own clients get ({@code kafka.properties.*}: SASL, TLS, config providers), so that a
 * command reading or writing a secured broker connects as the job does. Secrets in those properties
 * are config-provider references ({@code ${env:KAFKA_PASSWORD}}), resolved by the Kafka client
 * itself.
 */
public record KafkaConnection(String bootstrap, Map<String, String> clientProperties) {

    public KafkaConnection {
        clientProperties = Map.copyOf(clientProperties);
    }

    /** A broker that needs nothing beyond its address. */
    public static KafkaConnection plain(String bootstrap) {
        return new KafkaConnection(bootstrap, Map.of());
    }

    /** The pipeline's broker, with the pipeline's client properties. */
    public static KafkaConnection of(PipelineConfig config) {
        return new KafkaConnection(config.bootstrapServers(), config.kafkaProperties());
    }

    /** The client properties, with the bootstrap servers, as a client's starting point. */
    Properties properties() {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put("bootstrap.servers", bootstrap);
        return props;
    }
}
