package dev.weir.operators.features;

import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.EntityFeatures;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.EntityEngine;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.FeatureSet;
import dev.weir.state.features.FieldReader;
import java.time.Duration;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Chains one keyed stage per entity of a feature set, in declaration order, so each event crosses
 * one shuffle per entity and arrives with its complete vector. The streaming pipeline and the batch
 * backfill both build their feature stages here.
 *
 * <p>Events without a key for an entity (a payment without a device) bypass that entity's keyed
 * stage and get its default values. uids derive from the entity names: {@code
 * weir-features-<entity>}, {@code -route}, {@code -no-key}.
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
            OutputTag<FeaturedTransaction> noKey =
                    new OutputTag<>("no-key-" + entity.name(), WeirTypes.FEATURED_TRANSACTION);
            SingleOutputStreamOperator<FeaturedTransaction> routed =
                    stream.process(
                                    new RouteByKey(entity.keyField(), noKey),
                                    WeirTypes.FEATURED_TRANSACTION)
                            .uid(uid + "-route")
                            .name("Route by " + entity.keyField());
            SingleOutputStreamOperator<FeaturedTransaction> keyed =
                    routed.keyBy(new KeyOf(entity.keyField()), Types.STRING)
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
            DataStream<FeaturedTransaction> defaults =
                    routed.getSideOutput(noKey)
                            .map(
                                    new AppendDefaults(entity, versions.output()),
                                    WeirTypes.FEATURED_TRANSACTION)
                            .uid(uid + "-no-key")
                            .name("Defaults: " + entity.name() + " (no " + entity.keyField() + ")");
            DataStream<FeaturedTransaction> entityLate =
                    keyed.getSideOutput(EntityFeatureStage.LATE);
            late = late == null ? entityLate : late.union(entityLate);
            DataStream<FeaturedTransaction> changed =
                    keyed.getSideOutput(EntityFeatureStage.VECTOR_CHANGED);
            vectorChanged = vectorChanged == null ? changed : vectorChanged.union(changed);
            DataStream<EntityFeatures> latest =
                    keyed.getSideOutput(EntityFeatureStage.ENTITY_FEATURES);
            entityFeatures = entityFeatures == null ? latest : entityFeatures.union(latest);
            stream = keyed.union(defaults);
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

    /** Keys by the entity's key field. */
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
            return reader.key(value.getTransaction());
        }
    }

    /** Sends events whose key field is null or blank to a side output. */
    static final class RouteByKey
            extends ProcessFunction<FeaturedTransaction, FeaturedTransaction> {
        private static final long serialVersionUID = 1L;
        private final String field;
        private final OutputTag<FeaturedTransaction> noKey;
        private transient FieldReader reader;

        RouteByKey(String field, OutputTag<FeaturedTransaction> noKey) {
            this.field = field;
            this.noKey = noKey;
        }

        @Override
        public void open(OpenContext openContext) {
            reader = FieldReader.of(Transaction.getClassSchema(), field);
        }

        @Override
        public void processElement(
                FeaturedTransaction value, Context ctx, Collector<FeaturedTransaction> out) {
            if (reader.key(value.getTransaction()) == null) {
                ctx.output(noKey, value);
            } else {
                out.collect(value);
            }
        }
    }

    /** An entity's default values, for events without its key. */
    static final class AppendDefaults
            implements MapFunction<FeaturedTransaction, FeaturedTransaction> {
        private static final long serialVersionUID = 1L;
        private final EntitySpec spec;
        private final String version;
        private transient double[] defaults;

        AppendDefaults(EntitySpec spec, String version) {
            this.spec = spec;
            this.version = version;
        }

        @Override
        public FeaturedTransaction map(FeaturedTransaction value) {
            if (defaults == null) {
                EntityEngine engine = new EntityEngine(spec, Transaction.getClassSchema());
                defaults = new double[engine.width()];
                engine.writeDefaults(defaults, 0);
            }
            return FeatureVectors.append(value, defaults, value.getWarming(), version);
        }
    }
}
