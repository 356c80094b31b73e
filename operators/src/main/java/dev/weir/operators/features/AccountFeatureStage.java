package dev.weir.operators.features;

import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Transaction;
import dev.weir.state.AccountFeatures;
import dev.weir.state.AccountWindow;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Account features in keyed state (key: account id). One state read and one write per event;
 * an event-time timer drops the state once its hour holds nothing.
 */
public class AccountFeatureStage
        extends KeyedProcessFunction<String, Transaction, FeaturedTransaction> {

    private static final long serialVersionUID = 1L;

    public static final ValueStateDescriptor<AccountWindow> WINDOW =
            new ValueStateDescriptor<>("account-window", AccountWindow.class);

    public static final String METRIC_GROUP = "weir";
    /** Events behind the watermark: processed, counted. */
    public static final String LATE_EVENTS = "lateEvents";
    /** Events older than the account's hour window: they cannot count in it. */
    public static final String TOO_LATE_FOR_WINDOW = "eventsTooLateForWindow";
    public static final String STATES_EXPIRED = "accountStatesExpired";

    private transient ValueState<AccountWindow> window;
    private transient Counter lateEvents;
    private transient Counter tooLate;
    private transient Counter expired;

    @Override
    public void open(OpenContext openContext) {
        window = getRuntimeContext().getState(WINDOW);
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup(METRIC_GROUP);
        lateEvents = group.counter(LATE_EVENTS);
        tooLate = group.counter(TOO_LATE_FOR_WINDOW);
        expired = group.counter(STATES_EXPIRED);
    }

    @Override
    public void processElement(Transaction txn, Context ctx, Collector<FeaturedTransaction> out)
            throws Exception {
        long eventTime = txn.getEventTime().toEpochMilli();
        if (eventTime < ctx.timerService().currentWatermark()) {
            lateEvents.inc();
        }
        AccountWindow current = window.value();
        if (current == null) {
            current = AccountWindow.empty();
        } else {
            if (AccountFeatures.tooLateForWindow(current, eventTime)) {
                tooLate.inc();
            }
            ctx.timerService().deleteEventTimeTimer(AccountFeatures.expiryTime(current));
        }
        double[] values = AccountFeatures.update(current, txn);
        window.update(current);
        ctx.timerService().registerEventTimeTimer(AccountFeatures.expiryTime(current));

        List<Double> features = new ArrayList<>(values.length);
        for (double v : values) {
            features.add(v);
        }
        out.collect(new FeaturedTransaction(txn, features));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<FeaturedTransaction> out)
            throws Exception {
        AccountWindow current = window.value();
        if (current != null && timestamp >= AccountFeatures.expiryTime(current)) {
            window.clear();
            expired.inc();
        }
    }
}
