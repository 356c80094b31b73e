package dev.weir.jobs.pipeline;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.operators.iceberg.RowConverters;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.Transaction;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.source.IcebergSource;

/**
 * The pipeline's history: the Iceberg {@code events} table as a bounded stream of transactions
 * stamped with their event time, for the BATCH jobs that replay it (the backfill, the savepoint
 * bootstrap). The operators' uids are {@code <prefix>-source-events}, {@code -to-transaction},
 * {@code -until} and {@code -event-time}.
 */
public final class EventHistory {

    private EventHistory() {}

    /** Every event of the table. */
    public static DataStream<Transaction> read(
            StreamExecutionEnvironment env,
            PipelineConfig config,
            CatalogLoader catalog,
            String uidPrefix) {
        return read(env, config, catalog, uidPrefix, null, null);
    }

    /**
     * @param until the last event time to read (inclusive); null: every event
     * @param snapshotId the table as of this snapshot; null: its current snapshot
     */
    public static DataStream<Transaction> read(
            StreamExecutionEnvironment env,
            PipelineConfig config,
            CatalogLoader catalog,
            String uidPrefix,
            Instant until,
            Long snapshotId) {
        IcebergSource.Builder<RowData> builder =
                IcebergSource.forRowData()
                        .tableLoader(
                                TableLoader.fromCatalog(
                                        catalog,
                                        TableIdentifier.of(config.namespace(), WeirTables.EVENTS)));
        if (snapshotId != null) {
            builder.useSnapshotId(snapshotId);
        }
        if (until != null) {
            // Prunes files and partitions; the filter below makes the bound exact.
            builder.filters(
                    List.of(
                            Expressions.lessThanOrEqual(
                                    "event_time",
                                    ChronoUnit.MICROS.between(Instant.EPOCH, until))));
        }
        DataStream<Transaction> events =
                env.fromSource(
                                builder.build(),
                                WatermarkStrategy.noWatermarks(),
                                "Iceberg " + config.namespace() + ".events",
                                RowConverters.rowType(WeirTables.EVENTS_SCHEMA))
                        .uid(uidPrefix + "-source-events")
                        .map(new RowConverters.EventRowToTransaction(), WeirTypes.TRANSACTION)
                        .uid(uidPrefix + "-to-transaction")
                        .name("To transaction");
        if (until != null) {
            events =
                    events.filter(new Until(until.toEpochMilli()))
                            .uid(uidPrefix + "-until")
                            .name("Event time up to " + until);
        }
        // Ordered entity stages then process each entity's events in event-time order.
        return events.assignTimestampsAndWatermarks(
                        WatermarkStrategy.<Transaction>forMonotonousTimestamps()
                                .withTimestampAssigner((t, ts) -> t.getEventTime().toEpochMilli()))
                .uid(uidPrefix + "-event-time")
                .name("Event time");
    }

    /** Events up to a time, inclusive. */
    private static final class Until implements FilterFunction<Transaction> {
        private static final long serialVersionUID = 1L;
        private final long untilMillis;

        Until(long untilMillis) {
            this.untilMillis = untilMillis;
        }

        @Override
        public boolean filter(Transaction t) {
            return t.getEventTime().toEpochMilli() <= untilMillis;
        }
    }
}
