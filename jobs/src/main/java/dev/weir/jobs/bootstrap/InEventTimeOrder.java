package dev.weir.jobs.bootstrap;

import dev.weir.operators.features.EntityAggregation;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.Transaction;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Emits each key's events in the order the ordered entity stage aggregates them: by event time,
 * ties by transaction id ({@link EntityAggregation#TIES}). In BATCH mode a key's event-time timers
 * fire in time order once its input has ended, so only one key's events wait at a time.
 */
final class InEventTimeOrder extends KeyedProcessFunction<String, Transaction, Transaction> {

    private static final long serialVersionUID = 1L;

    private transient MapState<Long, List<Transaction>> waiting;

    @Override
    public void open(OpenContext openContext) {
        waiting =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "waiting-events",
                                        Types.LONG,
                                        Types.LIST(WeirTypes.TRANSACTION)));
    }

    @Override
    public void processElement(Transaction txn, Context ctx, Collector<Transaction> out)
            throws Exception {
        long time = txn.getEventTime().toEpochMilli();
        List<Transaction> atTime = waiting.get(time);
        if (atTime == null) {
            atTime = new ArrayList<>(1);
            ctx.timerService().registerEventTimeTimer(time);
        }
        atTime.add(txn);
        waiting.put(time, atTime);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Transaction> out)
            throws Exception {
        List<Transaction> due = waiting.get(timestamp);
        if (due == null) {
            return;
        }
        waiting.remove(timestamp);
        due.sort(EntityAggregation.TIES);
        due.forEach(out::collect);
    }
}
