package dev.weir.jobs.pipeline;

import dev.weir.jobs.config.PipelineConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topic of the entities' latest feature values is compacted: only each key's newest record
 * matters, so the topic stays as large as the set of live entities. Created at start when it is
 * missing (with the broker's default partitions and replication); an existing one is left as it is,
 * with a warning when it is not compacted.
 */
public final class EntityFeaturesTopic {

    private static final Logger LOG = LoggerFactory.getLogger(EntityFeaturesTopic.class);

    /** How long the job's start waits for the broker's answers. */
    private static final Duration WAIT = Duration.ofSeconds(10);

    private EntityFeaturesTopic() {}

    /**
     * Creates the compacted topic unless it exists. Failures (no permission to create topics, a
     * broker that does not answer in time) are logged: the sink then reports the missing topic.
     */
    public static void ensure(PipelineConfig config) {
        String topic = config.entityFeaturesTopic();
        Properties props = config.kafka().clientProperties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        // Bounded by the same wait, and closed without waiting again: a broker that does not
        // answer would otherwise hold the start for the client's default minute.
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) WAIT.toMillis());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) WAIT.toMillis());
        Admin admin = null;
        try {
            admin = Admin.create(props);
            try {
                admin.createTopics(
                                List.of(
                                        new NewTopic(topic, Optional.empty(), Optional.empty())
                                                .configs(
                                                        Map.of(
                                                                TopicConfig.CLEANUP_POLICY_CONFIG,
                                                                TopicConfig
                                                                        .CLEANUP_POLICY_COMPACT))))
                        .all()
                        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                LOG.info("Created the compacted topic {}", topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                Config existing =
                        admin.describeConfigs(List.of(resource))
                                .all()
                                .get(WAIT.toMillis(), TimeUnit.MILLISECONDS)
                                .get(resource);
                String policy = existing.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
                if (!policy.contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
                    LOG.warn(
                            "Topic {} has cleanup.policy={}: it keeps every update of every entity;"
                                    + " set cleanup.policy=compact",
                            topic,
                            policy);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            LOG.warn(
                    "Cannot make sure topic {} exists ({}); create it with cleanup.policy=compact",
                    topic,
                    cause.toString());
        } finally {
            if (admin != null) {
                admin.close(Duration.ZERO);
            }
        }
    }
}
