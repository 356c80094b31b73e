package dev.weir.serve;

import java.io.IOException;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running server: Kafka Streams materializing the stores, and the HTTP API over them. Answers
 * as soon as it starts: 503 until the stores are restored and running.
 *
 * <p>{@code try (WeirServe serve = WeirServe.start(settings)) { serve.port(); }}
 */
public final class WeirServe implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WeirServe.class);

    private final KafkaStreams streams;
    private final HttpApi http;

    private WeirServe(KafkaStreams streams, HttpApi http) {
        this.streams = streams;
        this.http = http;
    }

    public static WeirServe start(ServeSettings settings) throws IOException {
        Properties props = streamsProperties(settings);
        KafkaStreams streams = new KafkaStreams(ServeTopology.build(settings, props), props);
        streams.setUncaughtExceptionHandler(
                e -> {
                    LOG.error("Kafka Streams failed; replacing its thread", e);
                    return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
                            .StreamThreadExceptionResponse.REPLACE_THREAD;
                });
        streams.start();
        HttpApi http;
        try {
            http = new HttpApi(new ReadModel(streams), settings);
        } catch (IOException | RuntimeException e) {
            streams.close(Duration.ofSeconds(30));
            throw e;
        }
        LOG.info("weir serve on port {}: {}", http.port(), settings);
        return new WeirServe(streams, http);
    }

    /** The HTTP port. */
    public int port() {
        return http.port();
    }

    /** Whether the stores are restored and queryable. */
    public boolean running() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    static Properties streamsProperties(ServeSettings settings) {
        Properties props = new Properties();
        // The pipeline's client properties (security) for every client; the server's own below.
        props.putAll(settings.clientProperties());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
        props.put(StreamsConfig.STATE_DIR_CONFIG, settings.stateDir().toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.streamThreads());
        // The entities store is the compacted entity-features topic as it is (same key, same
        // bytes): the topic serves as its changelog instead of a copy of every record.
        props.put(
                StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG,
                StreamsConfig.REUSE_KTABLE_SOURCE_TOPICS);
        // The scores topic is written in transactions: only committed scores are served.
        props.put(
                StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG),
                "read_committed");
        props.put(
                StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // The repartition by account is the one hop between a decision and its account's list.
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "5");
        // A record that is not Weir's (or not decodable) is logged and skipped, never a stop.
        props.put(
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                LogAndContinueExceptionHandler.class.getName());
        return props;
    }

    @Override
    public void close() {
        http.close();
        streams.close(Duration.ofSeconds(30));
    }
}
