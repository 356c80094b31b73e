package dev.weir.cli.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka clients the command line uses, configured in one place: readers see committed data only
 * (the pipeline's outputs are transactional), writers are idempotent and keep order on retry.
 */
public final class KafkaClients {

    private KafkaClients() {}

    /** A byte consumer in a fresh group, from the earliest offset, committed data only. */
    public static KafkaConsumer<byte[], byte[]> readCommittedConsumer(
            String bootstrap, String groupPrefix) {
        return readCommittedConsumer(KafkaConnection.plain(bootstrap), groupPrefix);
    }

    /** {@link #readCommittedConsumer(String, String)} with the connection's client properties. */
    public static KafkaConsumer<byte[], byte[]> readCommittedConsumer(
            KafkaConnection kafka, String groupPrefix) {
        Properties props = kafka.properties();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupPrefix + "-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        props.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(props);
    }

    /**
     * Hands every committed record of a topic, as of now, to {@code each}: reads every partition
     * from the beginning to its end offset (the last stable offset).
     *
     * @throws IllegalStateException when the end is not reached within {@code timeout}
     */
    public static void readToEnd(
            String bootstrap,
            String topic,
            Duration timeout,
            Consumer<ConsumerRecord<byte[], byte[]>> each) {
        readToEnd(KafkaConnection.plain(bootstrap), topic, timeout, each);
    }

    /** {@link #readToEnd(String, String, Duration, Consumer)} with the connection's properties. */
    public static void readToEnd(
            KafkaConnection kafka,
            String topic,
            Duration timeout,
            Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (KafkaConsumer<byte[], byte[]> consumer = readCommittedConsumer(kafka, "weir-read")) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "could not read "
                                    + topic
                                    + " to its end "
                                    + end
                                    + " within "
                                    + timeout);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
    }

    /**
     * An idempotent byte producer with one request in flight: a retried batch is never overtaken.
     */
    public static KafkaProducer<byte[], byte[]> byteProducer(String bootstrap) {
        return byteProducer(KafkaConnection.plain(bootstrap));
    }

    /** {@link #byteProducer(String)} with the connection's client properties. */
    public static KafkaProducer<byte[], byte[]> byteProducer(KafkaConnection kafka) {
        Properties props = kafka.properties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    /**
     * Creates the topics (partitions each, one replica) that do not exist yet, and waits for their
     * leaders.
     */
    public static void createTopics(String bootstrap, int partitions, String... topics) {
        createTopics(KafkaConnection.plain(bootstrap), partitions, topics);
    }

    /** {@link #createTopics(String, int, String...)} with the connection's client properties. */
    public static void createTopics(KafkaConnection kafka, int partitions, String... topics) {
        try (Admin admin = Admin.create(kafka.properties())) {
            List<NewTopic> newTopics = new ArrayList<>();
            for (String topic : topics) {
                newTopics.add(new NewTopic(topic, partitions, (short) 1));
            }
            for (var entry : admin.createTopics(newTopics).values().entrySet()) {
                try {
                    entry.getValue().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException(
                                "cannot create topic " + entry.getKey(), e.getCause());
                    }
                }
            }
            awaitLeaders(admin, List.of(topics));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until every partition's leader serves it: an idempotent producer that writes before
     * that gets NOT_LEADER_OR_FOLLOWER and can then stall on out-of-order sequence numbers.
     */
    private static void awaitLeaders(Admin admin, List<String> topics) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                Map<
                                org.apache.kafka.common.TopicPartition,
                                org.apache.kafka.clients.admin.OffsetSpec>
                        partitions = new java.util.HashMap<>();
                admin.describeTopics(topics)
                        .allTopicNames()
                        .get()
                        .values()
                        .forEach(
                                d ->
                                        d.partitions()
                                                .forEach(
                                                        p ->
                                                                partitions.put(
                                                                        new org.apache.kafka.common
                                                                                .TopicPartition(
                                                                                d.name(),
                                                                                p.partition()),
                                                                        org.apache.kafka.clients
                                                                                .admin.OffsetSpec
                                                                                .latest())));
                // Only the partition leader's replica manager answers this: once it does, the
                // partition takes writes.
                admin.listOffsets(partitions).all().get();
                return;
            } catch (ExecutionException e) {
                // Not visible yet; retry.
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("topics " + topics + " got no leader within 30 s");
            }
            Thread.sleep(50);
        }
    }
}
