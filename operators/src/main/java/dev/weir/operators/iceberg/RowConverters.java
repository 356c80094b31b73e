package dev.weir.operators.iceberg;

import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Reason;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.iceberg.Schema;
import org.apache.iceberg.flink.FlinkSchemaUtil;

/**
 * Converts the pipeline's Avro records into Flink rows in the field order of {@link WeirTables}.
 */
public final class RowConverters {

    private RowConverters() {}

    public static TypeInformation<RowData> rowType(Schema schema) {
        return InternalTypeInfo.of(FlinkSchemaUtil.convert(schema));
    }

    /** A transaction as a row of the events table. */
    public static final class EventRow implements MapFunction<Transaction, RowData> {
        private static final long serialVersionUID = 1L;

        @Override
        public RowData map(Transaction t) {
            return GenericRowData.of(
                    str(t.getTransactionId()),
                    str(t.getAccountId()),
                    str(t.getCardId()),
                    str(t.getMerchantId()),
                    str(t.getMerchantCategory()),
                    str(t.getDeviceId()),
                    t.getAmountMinor(),
                    str(t.getCurrency()),
                    str(t.getCountry()),
                    str(t.getChannel().name()),
                    ts(t.getEventTime()),
                    str(t.getCardNumber()),
                    str(t.getEmail()),
                    str(t.getIpAddress()),
                    strings(t.getQualityFlags()));
        }
    }

    /** A score as a row of the scores table. */
    public static final class ScoreRow implements MapFunction<Score, RowData> {
        private static final long serialVersionUID = 1L;

        @Override
        public RowData map(Score s) {
            List<Double> features = s.getFeatures();
            double[] values = new double[features.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = features.get(i);
            }
            return GenericRowData.of(
                    str(s.getTransactionId()),
                    str(s.getAccountId()),
                    str(s.getMerchantId()),
                    str(s.getDeviceId()),
                    s.getScore(),
                    str(s.getDecision().name()),
                    str(s.getModelName()),
                    str(s.getModelVersion()),
                    new GenericArrayData(values),
                    ts(s.getEventTime()),
                    ts(s.getScoringTime()),
                    s.getBatchSize(),
                    s.getScoringLatencyMicros(),
                    str(s.getChallengerVersion()),
                    s.getChallengerScore(),
                    reasons(s.getReasons()));
        }

        private static GenericArrayData reasons(List<Reason> reasons) {
            Object[] rows = new Object[reasons.size()];
            for (int i = 0; i < rows.length; i++) {
                Reason reason = reasons.get(i);
                rows[i] = GenericRowData.of(str(reason.getFeature()), reason.getContribution());
            }
            return new GenericArrayData(rows);
        }
    }

    /** A dead letter as a row of the dlq table. */
    public static final class DeadLetterRow implements MapFunction<DeadLetter, RowData> {
        private static final long serialVersionUID = 1L;

        @Override
        public RowData map(DeadLetter d) {
            ByteBuffer raw = d.getRaw().duplicate();
            byte[] bytes = new byte[raw.remaining()];
            raw.get(bytes);
            return GenericRowData.of(
                    bytes,
                    str(d.getSourceTopic()),
                    d.getSourcePartition(),
                    d.getSourceOffset(),
                    str(d.getReason()),
                    str(d.getErrorClass()),
                    ts(d.getDeadLetterTime()),
                    d.getRawSealed());
        }
    }

    /** A feature vector as a row of the features table, values keyed by vector name. */
    public static final class FeatureRow
            implements MapFunction<dev.weir.schemas.FeaturedTransaction, RowData> {
        private static final long serialVersionUID = 1L;
        private final List<String> names;

        public FeatureRow(List<String> names) {
            this.names = List.copyOf(names);
        }

        @Override
        public RowData map(dev.weir.schemas.FeaturedTransaction f) {
            Transaction t = f.getTransaction();
            List<Double> values = f.getFeatures();
            if (values.size() != names.size()) {
                throw new IllegalStateException(
                        "vector of "
                                + values.size()
                                + " values for "
                                + names.size()
                                + " feature names");
            }
            java.util.Map<StringData, Double> map = new java.util.LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                map.put(StringData.fromString(names.get(i)), values.get(i));
            }
            GenericArrayData warming = strings(f.getWarming());
            return GenericRowData.of(
                    str(t.getTransactionId()),
                    str(t.getAccountId()),
                    str(t.getMerchantId()),
                    str(t.getDeviceId()),
                    ts(t.getEventTime()),
                    str(f.getFeatureSetVersion()),
                    new org.apache.flink.table.data.GenericMapData(map),
                    warming);
        }
    }

    /** A monitoring record as a row of the monitoring table. */
    public static final class MonitoringRow implements MapFunction<MonitoringRecord, RowData> {
        private static final long serialVersionUID = 1L;

        @Override
        public RowData map(MonitoringRecord m) {
            return GenericRowData.of(
                    str(m.getKind().name()),
                    str(m.getSubject()),
                    ts(m.getWindowStart()),
                    ts(m.getWindowEnd()),
                    str(m.getModelName()),
                    str(m.getModelVersion()),
                    m.getAlert(),
                    doubles(m.getValues()),
                    doubles(m.getThresholds()),
                    str(m.getNote()));
        }
    }

    /** A row of the events table back as a transaction (what the backfill reads). */
    public static final class EventRowToTransaction implements MapFunction<RowData, Transaction> {
        private static final long serialVersionUID = 1L;

        @Override
        public Transaction map(RowData r) {
            return Transaction.newBuilder()
                    .setTransactionId(r.getString(0).toString())
                    .setAccountId(r.getString(1).toString())
                    .setCardId(r.getString(2).toString())
                    .setMerchantId(r.getString(3).toString())
                    .setMerchantCategory(r.getString(4).toString())
                    .setDeviceId(r.isNullAt(5) ? null : r.getString(5).toString())
                    .setAmountMinor(r.getLong(6))
                    .setCurrency(r.getString(7).toString())
                    .setCountry(r.getString(8).toString())
                    .setChannel(dev.weir.schemas.Channel.valueOf(r.getString(9).toString()))
                    .setEventTime(r.getTimestamp(10, 6).toInstant())
                    .setCardNumber(r.isNullAt(11) ? null : r.getString(11).toString())
                    .setEmail(r.isNullAt(12) ? null : r.getString(12).toString())
                    .setIpAddress(r.isNullAt(13) ? null : r.getString(13).toString())
                    .setQualityFlags(flags(r))
                    .build();
        }

        private static List<String> flags(RowData r) {
            if (r.getArity() <= 14 || r.isNullAt(14)) {
                return List.of();
            }
            org.apache.flink.table.data.ArrayData array = r.getArray(14);
            List<String> flags = new java.util.ArrayList<>(array.size());
            for (int i = 0; i < array.size(); i++) {
                flags.add(array.getString(i).toString());
            }
            return flags;
        }
    }

    private static GenericArrayData strings(List<String> values) {
        return new GenericArrayData(
                values.stream().map(StringData::fromString).toArray(StringData[]::new));
    }

    private static org.apache.flink.table.data.GenericMapData doubles(
            java.util.Map<String, Double> values) {
        java.util.Map<StringData, Double> map = new java.util.LinkedHashMap<>();
        values.forEach((k, v) -> map.put(StringData.fromString(k), v));
        return new org.apache.flink.table.data.GenericMapData(map);
    }

    private static StringData str(String s) {
        return s == null ? null : StringData.fromString(s);
    }

    private static TimestampData ts(Instant instant) {
        return TimestampData.fromInstant(instant);
    }
}
