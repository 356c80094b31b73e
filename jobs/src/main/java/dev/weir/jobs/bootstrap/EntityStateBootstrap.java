package dev.weir.jobs.bootstrap;

import dev.weir.operators.features.EntityAggregation;
import dev.weir.operators.features.EntityFeatureStage;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.EntitySpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;
import org.apache.flink.types.Either;

/**
 * Writes an entity stage's keyed state: each event of the history (left) aggregated as the stage
 * aggregates it ({@link EntityAggregation}), expiry timer included, and each event still waiting in
 * the stage of an existing savepoint (right) put back to wait, with its timer. The history of a key
 * must arrive in the order the stage would take it ({@link InEventTimeOrder}); waiting events may
 * come at any point.
 */
final class EntityStateBootstrap
        extends KeyedStateBootstrapFunction<String, Either<Transaction, FeaturedTransaction>> {

    private static final long serialVersionUID = 1L;

    private final EntitySpec spec;
    private transient EntityAggregation aggregation;
    private transient MapState<Long, List<FeaturedTransaction>> pending;
    private transient ValueState<Integer> pendingTimes;
    private transient List<String> warming;

    EntityStateBootstrap(EntitySpec spec) {
        this.spec = spec;
    }

    @Override
    public void open(OpenContext openContext) {
        aggregation = new EntityAggregation(spec, getRuntimeContext());
        pending = getRuntimeContext().getMapState(EntityFeatureStage.pendingDescriptor());
        pendingTimes = getRuntimeContext().getState(EntityFeatureStage.pendingTimesDescriptor());
        warming = new ArrayList<>();
    }

    @Override
    public void processElement(Either<Transaction, FeaturedTransaction> event, Context ctx)
            throws Exception {
        if (event.isRight()) {
            FeaturedTransaction waiting = event.right();
            long time = waiting.getTransaction().getEventTime().toEpochMilli();
            List<FeaturedTransaction> atTime = pending.get(time);
            if (atTime == null) {
                atTime = new ArrayList<>(1);
                ctx.timerService().registerEventTimeTimer(time);
                Integer times = pendingTimes.value();
                pendingTimes.update(times == null ? 1 : times + 1);
            }
            atTime.add(waiting);
            pending.put(time, atTime);
            return;
        }
        Transaction txn = event.left();
        // Which features are warming belongs to the event's vector, which no one reads here.
        warming.clear();
        aggregation.aggregate(
                txn,
                txn.getEventTime().toEpochMilli(),
                warming,
                ctx.timerService(),
                pending::contains);
    }
}
