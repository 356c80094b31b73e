package dev.weir.jobs.bootstrap;

import dev.weir.jobs.pipeline.Uids;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.FeatureSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.types.Either;

/**
 * The entity stages' keyed state computed from history, as operator state of a savepoint: for each
 * chosen entity, under the stage's uid ({@code weir-features-<entity>}), the state the ordered
 * stage holds after aggregating the given events, expiry timers included. Any state the savepoint
 * held for those uids is replaced; every other operator's state stays.
 *
 * <p>Over an existing savepoint, events still waiting in its entity stages ({@link WaitingEvents})
 * have not reached a stage at or after theirs: each chosen stage leaves the events waiting in it
 * and in the stages before it out of its history, and its own waiting events wait again.
 *
 * <pre>{@code
 * SavepointWriter writer = SavepointWriter.newSavepoint(env, SavepointBootstrap.maxParallelism(2));
 * SavepointBootstrap.define(writer, history, featureSet, featureSet.entities(), Map.of());
 * writer.write(path);
 * env.execute("bootstrap");
 * }</pre>
 */
public final class SavepointBootstrap {

    private static final TypeInformation<Either<Transaction, FeaturedTransaction>> INPUT =
            new EitherTypeInfo<>(WeirTypes.TRANSACTION, WeirTypes.FEATURED_TRANSACTION);

    private SavepointBootstrap() {}

    /**
     * The maximum parallelism Flink gives the pipeline's operators when it sets none (the pipeline
     * sets none): a savepoint's key groups must match it, or the restore fails.
     *
     * @param parallelism the pipeline's parallelism; not positive: the cluster's default, taken to
     *     be at most 85 (Flink's default maximum is 128 up to there)
     */
    public static int maxParallelism(int parallelism) {
        return KeyGroupRangeAssignment.computeDefaultMaxParallelism(Math.max(parallelism, 1));
    }

    /** The uid of an entity's stage in the pipeline. */
    public static String uid(EntitySpec entity) {
        return Uids.FEATURES + "-" + entity.name();
    }

    /**
     * Adds (or replaces) the state of each chosen entity's stage, computed from {@code history}, to
     * {@code writer}.
     *
     * @param history bounded events, in any order; the job runs in BATCH mode
     * @param chosen entities of {@code featureSet}
     * @param waiting events waiting in the stages of the savepoint written over, by entity name
     */
    public static void define(
            SavepointWriter writer,
            DataStream<Transaction> history,
            FeatureSet featureSet,
            List<EntitySpec> chosen,
            Map<String, List<FeaturedTransaction>> waiting) {
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("no entity to bootstrap");
        }
        Set<String> notYetThere = new HashSet<>();
        for (EntitySpec entity : featureSet.entities()) {
            List<FeaturedTransaction> own = waiting.getOrDefault(entity.name(), List.of());
            own.forEach(f -> notYetThere.add(f.getTransaction().getTransactionId()));
            if (!chosen.contains(entity)) {
                continue;
            }
            String prefix = "weir-bootstrap-" + entity.name();
            EntityKey key = new EntityKey(entity.keyField());
            DataStream<Transaction> events = history;
            if (!notYetThere.isEmpty()) {
                events =
                        events.filter(new Without(Set.copyOf(notYetThere)))
                                .uid(prefix + "-not-waiting")
                                .name("Not waiting before " + entity.name());
            }
            DataStream<Either<Transaction, FeaturedTransaction>> input =
                    events.filter(key)
                            .uid(prefix + "-has-key")
                            .name("With " + entity.keyField())
                            .keyBy(key, Types.STRING)
                            .process(new InEventTimeOrder(), WeirTypes.TRANSACTION)
                            .uid(prefix + "-order")
                            .name("Event-time order: " + entity.name())
                            .assignTimestampsAndWatermarks(
                                    WatermarkStrategy.<Transaction>noWatermarks()
                                            .withTimestampAssigner(context -> new EmissionOrder()))
                            .uid(prefix + "-emission-order")
                            .name("Emission order: " + entity.name())
                            .map(new Left(), INPUT)
                            .uid(prefix + "-history")
                            .name("History: " + entity.name());
            if (!own.isEmpty()) {
                input =
                        input.union(
                                history.getExecutionEnvironment()
                                        .fromData(
                                                own.stream()
                                                        .map(SavepointBootstrap::right)
                                                        .toList(),
                                                INPUT)
                                        .uid(prefix + "-waiting")
                                        .name("Waiting in " + entity.name()));
            }
            OperatorIdentifier id = OperatorIdentifier.forUid(uid(entity));
            writer.removeOperator(id)
                    .withOperator(
                            id,
                            OperatorTransformation.bootstrapWith(input)
                                    .keyBy(new KeyOfEither(key), Types.STRING)
                                    .transform(new EntityStateBootstrap(entity)));
        }
    }

    private static Either<Transaction, FeaturedTransaction> right(FeaturedTransaction waiting) {
        return Either.Right(waiting);
    }

    /** Events other than the given transactions. */
    private static final class Without implements FilterFunction<Transaction> {
        private static final long serialVersionUID = 1L;
        private final Set<String> ids;

        Without(Set<String> ids) {
            this.ids = ids;
        }

        @Override
        public boolean filter(Transaction txn) {
            return !ids.contains(txn.getTransactionId());
        }
    }

    private static final class Left
            implements MapFunction<Transaction, Either<Transaction, FeaturedTransaction>> {
        private static final long serialVersionUID = 1L;

        @Override
        public Either<Transaction, FeaturedTransaction> map(Transaction txn) {
            return Either.Left(txn);
        }
    }

    /** The entity's key of a history event or of a waiting one. */
    private static final class KeyOfEither
            implements KeySelector<Either<Transaction, FeaturedTransaction>, String> {
        private static final long serialVersionUID = 1L;
        private final EntityKey key;

        KeyOfEither(EntityKey key) {
            this.key = key;
        }

        @Override
        public String getKey(Either<Transaction, FeaturedTransaction> event) {
            return key.getKey(event.isLeft() ? event.left() : event.right().getTransaction());
        }
    }
}
