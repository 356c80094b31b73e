package dev.weir.operators.monitoring;

import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.io.Serializable;
import java.util.List;
import org.apache.flink.metrics.MetricGroup;

/**
 * One kind of monitoring: how a record is summarised into a per-window aggregate (on every subtask,
 * before any shuffle) and how the merged aggregate of a window becomes monitoring records.
 *
 * @param <IN> the records watched
 * @param <A> the aggregate
 */
public interface MonitorSpec<IN, A extends WindowAggregate<A>> extends Serializable {

    MonitoringKind kind();

    /** Called in each operator's open(): load what the spec needs, register metrics. */
    default void open(MetricGroup metrics) {}

    /** The event time the record counts at. */
    long timeOf(IN record);

    /** The model the record belongs to, or null when the kind is not per model. */
    String modelName(IN record);

    String modelVersion(IN record);

    /** A record the spec ignores (for example a score without a challenger, for agreement). */
    default boolean accepts(IN record) {
        return true;
    }

    /**
     * Whether a record whose window has already been reported counts in the earliest window still
     * open instead of being dropped as late (for counts that must not miss a record, such as
     * quality failures of payments rejected for being old).
     */
    default boolean countsLateInOpenWindow() {
        return false;
    }

    A create(String modelName, String modelVersion);

    void add(A aggregate, IN record);

    A decode(byte[] bytes);

    /** The records for one window once every subtask's aggregate is merged in. */
    List<MonitoringRecord> report(WindowKey window, A merged);
}
