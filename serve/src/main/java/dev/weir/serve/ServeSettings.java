package dev.weir.serve;

import dev.weir.schemas.wire.SchemaRegistryClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the server reads and where it answers.
 *
 * @param bootstrap Kafka bootstrap servers of the pipeline
 * @param clientProperties the pipeline's Kafka client properties ({@code kafka.properties.*}: SASL,
 *     TLS, config-provider references), given to every client of the server
 * @param decisionsTopic the pipeline's decisions (the fast path), keyed by transaction id
 * @param scoresTopic the pipeline's exactly-once scores, read committed; blank: not read
 * @param entityFeaturesTopic the compacted topic of the entities' latest feature values
 * @param applicationId the Kafka Streams application id: names the consumer group and the changelog
 *     topics, so it never changes on a deployment whose stores should survive
 * @param stateDir where the RocksDB stores live
 * @param bindAddress the HTTP server's address
 * @param port the HTTP port (0: any free one)
 * @param recent decisions kept per account
 * @param token the bearer token every request must carry; null: no authentication
 * @param schemaRegistryUrl the schema registry of Confluent-framed decisions and scores; null: they
 *     are in single-object encoding (credentials, if any, come from the environment as the
 *     pipeline's do)
 * @param streamThreads Kafka Streams threads ({@code num.stream.threads}): the topics have several
 *     partitions, so their tasks run side by side; one thread was the server's bottleneck beside a
 *     busy pipeline
 */
public record ServeSettings(
        String bootstrap,
        Map<String, String> clientProperties,
        String decisionsTopic,
        String scoresTopic,
        String entityFeaturesTopic,
        String applicationId,
        Path stateDir,
        String bindAddress,
        int port,
        int recent,
        String token,
        String schemaRegistryUrl,
        int streamThreads) {

    /**
     * Two: one thread fell behind a pipeline at half its maximum on two cores, with every task of
     * the server's topics on it.
     */
    public static final int DEFAULT_STREAM_THREADS = 2;

    public ServeSettings {
        clientProperties = Map.copyOf(clientProperties);
        List<String> problems = new ArrayList<>();
        if (bootstrap == null || bootstrap.isBlank()) {
            problems.add("the Kafka bootstrap servers are required");
        }
        if (decisionsTopic == null || decisionsTopic.isBlank()) {
            problems.add("the decisions topic is required");
        }
        if (entityFeaturesTopic == null || entityFeaturesTopic.isBlank()) {
            problems.add("the entity-features topic is required");
        }
        if (applicationId == null || applicationId.isBlank()) {
            problems.add("the application id is required");
        }
        if (stateDir == null) {
            problems.add("the state directory is required");
        }
        if (port < 0 || port > 65_535) {
            problems.add("the port must be in 0..65535, got " + port);
        }
        if (recent < 1) {
            problems.add("at least one recent decision per account must be kept, got " + recent);
        }
        if (schemaRegistryUrl != null) {
            String problem = SchemaRegistryClient.urlProblem(schemaRegistryUrl);
            if (problem != null) {
                problems.add("the schema registry URL " + problem);
            }
        }
        if (streamThreads < 1) {
            problems.add("at least one stream thread is required, got " + streamThreads);
        }
        if (token != null && token.isBlank()) {
            problems.add("the token must not be blank");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /** Whether the scores topic is read beside the decisions. */
    boolean readsScores() {
        return scoresTopic != null && !scoresTopic.isBlank();
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "ServeSettings[bootstrap="
                + bootstrap
                + ", decisions="
                + decisionsTopic
                + ", scores="
                + scoresTopic
                + ", entityFeatures="
                + entityFeaturesTopic
                + ", applicationId="
                + applicationId
                + ", stateDir="
                + stateDir
                + ", "
                + bindAddress
                + ":"
                + port
                + ", recent="
                + recent
                + ", schemaRegistry="
                + schemaRegistryUrl
                + ", streamThreads="
                + streamThreads
                + ", auth="
                + (token == null ? "off" : "bearer")
                + "]";
    }
}
