package dev.weir.operators.features;

import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.EntityFeatures;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.FeatureSet;
import dev.weir.state.features.FieldReader;
import java.time.Duration;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Chains one keyed stage per entity of a feature set, in declaration order, so each event crosses
 * one shuffle per entity and arrives with its complete vector. The streaming pipeline and the batch
 * backfill both build their feature stages here.
 *
 * <p>Events without a key for an entity (a payment without a device) cross that entity's stage
 * keyed by their transaction id and get its default values there, so the next stage's keyBy is the
 * only exchange between two stages: nothing is unioned in between. uids derive from the entity
 * names: {@code weir-features-<entity>}. The release before sent such events around the stage,
 * through two stateless operators ({@code -route}, {@code -no-key}); Flink skips their empty state
 * in its savepoints.
 */
public final class FeatureStages {

    private FeatureStages() {}

    /**
     * The stages' outputs: complete vectors, events too late for some entity, and events that
     * waited across an upgrade which changed an earlier entity's features ({@link VectorVersions}),
     * and each entity's latest values ({@link EntityFeatureStage#ENTITY_FEATURES}; empty unless the
     * stages publish them).
     */
    public record Result(
            DataStream<FeaturedTransaction> featured,
            DataStream<FeaturedTransaction> late,
            DataStream<FeaturedTransaction> vectorChanged,
            DataStream<EntityFeatures> entityFeatures) {}

    /**
     * @param ordering when each entity stage aggregates an event; the BATCH backfill uses {@link
     *     FeatureOrdering#ORDERED}, which then replays each key's events in event-time order
     */
    public static Result apply(
            DataStream<Transaction> transactions,
            FeatureSet featureSet,
            String uidPrefix,
            FeatureOrdering ordering) {
        return apply(transactions, featureSet, uidPrefix, ordering, Duration.ZERO);
    }

    /**
     * @param maxWait in ordered mode, how long events may wait for a watermark that has stopped
     *     before they are released anyway (zero: for as long as it takes)
     */
    public static Result apply(
            DataStream<Transaction> transactions,
            FeatureSet featureSet,
            String uidPrefix,
            FeatureOrdering ordering,
            Duration maxWait) {
        return apply(transactions, featureSet, uidPrefix, ordering, maxWait, false);
    }

    /**
     * @param publish whether the entity stages write each entity's latest values ({@link
     *     Result#entityFeatures()})
     */
    public static Result apply(
            DataStream<Transaction> transactions,
            FeatureSet featureSet,
            String uidPrefix,
            FeatureOrdering ordering,
            Duration maxWait,
            boolean publish) {
        DataStream<FeaturedTransaction> stream =
                transactions
                        .map(new Start(featureSet.prefixVersion(0)), WeirTypes.FEATURED_TRANSACTION)
                        .uid(uidPrefix + "-start")
                        .name("Feature vector " + featureSet.version());
        DataStream<FeaturedTransaction> late = null;
        DataStream<FeaturedTransaction> vectorChanged = null;
        DataStream<EntityFeatures> entityFeatures = null;
        for (int index = 0; index < featureSet.entities().size(); index++) {
            EntitySpec entity = featureSet.entities().get(index);
            VectorVersions versions = VectorVersions.of(featureSet, index);
            String uid = uidPrefix + "-" + entity.name();
            // One keyed stage per entity, no side path for events without the entity's key: the
            // next stage's keyBy is the only exchange between two stages.
            SingleOutputStreamOperator<FeaturedTransaction> keyed =
                    stream.keyBy(keyOf(entity), Types.STRING)
                            .process(
                                    new EntityFeatureStage(
                                            entity,
                                            ordering,
                                            maxWait.toMillis(),
                                            versions,
                                            publish),
                                    WeirTypes.FEATURED_TRANSACTION)
                            .uid(uid)
                            .name("Features: " + entity.name());
            DataStream<FeaturedTransaction> entityLate =
                    keyed.getSideOutput(EntityFeatureStage.LATE);
            late = late == null ? entityLate : late.union(entityLate);
            DataStream<FeaturedTransaction> changed =
                    keyed.getSideOutput(EntityFeatureStage.VECTOR_CHANGED);
            vectorChanged = vectorChanged == null ? changed : vectorChanged.union(changed);
            DataStream<EntityFeatures> latest =
                    keyed.getSideOutput(EntityFeatureStage.ENTITY_FEATURES);
            entityFeatures = entityFeatures == null ? latest : entityFeatures.union(latest);
            stream = keyed;
        }
        return new Result(stream, late, vectorChanged, entityFeatures);
    }

    private static final class Start implements MapFunction<Transaction, FeaturedTransaction> {
        private static final long serialVersionUID = 1L;
        private final String version;

        Start(String version) {
            this.version = version;
        }

        @Override
        public FeaturedTransaction map(Transaction txn) {
            return FeatureVectors.start(txn, version);
        }
    }

    /** How the stages key their events: see {@link KeyOf}. */
    public static KeySelector<FeaturedTransaction, String> keyOf(EntitySpec entity) {
        return new KeyOf(entity.keyField());
    }

    /**
     * Keys by the entity's key field; an event without one by its transaction id, which spreads
     * such events over the stage's subtasks like any others (the stage gives them the defaults).
     */
    static final class KeyOf implements KeySelector<FeaturedTransaction, String> {
        private static final long serialVersionUID = 1L;
        private final String field;
        private transient FieldReader reader;

        KeyOf(String field) {
            this.field = field;
        }

        @Override
        public String getKey(FeaturedTransaction value) {
            if (reader == null) {
                reader = FieldReader.of(Transaction.getClassSchema(), field);
            }
            String key = reader.key(value.getTransaction());
            return key == null ? value.getTransaction().getTransactionId() : key;
        }
    }
}
