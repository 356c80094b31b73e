package dev.weir.serve;

import dev.weir.schemas.EntityFeatures;
import dev.weir.schemas.Score;
import dev.weir.schemas.wire.SchemaRegistryClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The three stores, each a persistent RocksDB key-value store with a changelog topic, so that an
 * instance whose local state is lost restores it from Kafka:
 *
 * <ul>
 *   <li>{@link #ENTITIES}: {@code <entity>/<id>} to the entity's latest {@link EntityFeatures} (the
 *       compacted topic as a table; a tombstone deletes the entity); the topic itself is its
 *       changelog ({@code reuse.ktable.source.topics}), so values must be stored as they are read;
 *   <li>{@link #TRANSACTIONS}: transaction id to its latest {@link Score} (decisions and scores);
 *   <li>{@link #ACCOUNTS}: account id to its most recent transactions ({@link RecentDecisions}:
 *       event time and id, the decisions read from {@link #TRANSACTIONS}), through a repartition by
 *       account.
 * </ul>
 */
final class ServeTopology {

    static final String ENTITIES = "weir-serve-entities";
    static final String TRANSACTIONS = "weir-serve-transactions";

    /** Entries only ({@link RecentDecisions}); the store of whole scores before them is left. */
    static final String ACCOUNTS = "weir-serve-account-recent";

    /** Score-v1: before reason codes; the decisions topic may still hold records written so. */
    static final AvroCodec<Score> SCORES = AvroCodec.of(Score.class, "Score-v1.avsc");

    static final AvroCodec<EntityFeatures> ENTITY_FEATURES = AvroCodec.of(EntityFeatures.class);

    private ServeTopology() {}

    /**
     * @param streamsProperties the application's properties: {@code topology.optimization} applies
     *     only when the topology is built with them
     */
    static Topology build(ServeSettings settings, Properties streamsProperties) {
        SchemaRegistryClient registry =
                settings.schemaRegistryUrl() == null
                        ? null
                        : SchemaRegistryClient.create(settings.schemaRegistryUrl(), System::getenv);
        StreamsBuilder builder = new StreamsBuilder();
        builder.table(
                settings.entityFeaturesTopic(),
                Consumed.with(Serdes.String(), ENTITY_FEATURES.serde())
                        .withName("read-entity-features"),
                Materialized.<String, EntityFeatures, KeyValueStore<Bytes, byte[]>>as(ENTITIES)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(ENTITY_FEATURES.serde()));

        List<String> scoreTopics = new ArrayList<>(List.of(settings.decisionsTopic()));
        if (settings.readsScores()) {
            scoreTopics.add(settings.scoresTopic());
        }
        KStream<String, Score> scores =
                builder.stream(
                                scoreTopics,
                                Consumed.with(Serdes.String(), SCORES.topicSerde(registry))
                                        .withName("read-decisions"))
                        // The pipeline keys both topics by transaction id already.
                        .filter((id, score) -> score != null, Named.as("drop-empty-values"));
        scores.toTable(
                Named.as("latest-per-transaction"),
                Materialized.<String, Score, KeyValueStore<Bytes, byte[]>>as(TRANSACTIONS)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(SCORES.serde()));

        int capacity = settings.recent();
        scores.map(
                        (id, score) ->
                                KeyValue.pair(
                                        score.getAccountId(), RecentDecisions.Entry.of(score)),
                        Named.as("to-account-entry"))
                .groupByKey(
                        Grouped.with(
                                "account-recent", Serdes.String(), RecentDecisions.entrySerde()))
                .aggregate(
                        List::<RecentDecisions.Entry>of,
                        (account, entry, recent) -> RecentDecisions.add(recent, entry, capacity),
                        Named.as("recent-per-account"),
                        Materialized
                                .<String, List<RecentDecisions.Entry>, KeyValueStore<Bytes, byte[]>>
                                        as(ACCOUNTS)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(RecentDecisions.serde()));
        return builder.build(streamsProperties);
    }
}
