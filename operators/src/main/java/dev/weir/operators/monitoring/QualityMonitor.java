package dev.weir.operators.monitoring;

import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Transaction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-window counts of every quality rule: how many payments were checked and how many failed each
 * rule. Watches every checked payment, passed or rejected, with the rules it failed in {@code
 * quality_flags}. One record per configured rule and window, failures or not, so a dashboard sees a
 * complete series; {@code alert} is set when the rule failed at least once.
 */
public final class QualityMonitor implements MonitorSpec<Transaction, QualityMonitor.Counts> {

    private static final long serialVersionUID = 1L;
    private static final byte FORMAT = 1;

    /** Rule name to "hard" or "soft", in rule order. */
    private final LinkedHashMap<String, String> rules;

    public QualityMonitor(Map<String, String> severityByRule) {
        this.rules = new LinkedHashMap<>(severityByRule);
    }

    @Override
    public MonitoringKind kind() {
        return MonitoringKind.QUALITY;
    }

    @Override
    public long timeOf(Transaction record) {
        return record.getEventTime().toEpochMilli();
    }

    @Override
    public boolean countsLateInOpenWindow() {
        // A payment rejected for being too old must still be counted, in the window being filled.
        return true;
    }

    @Override
    public String modelName(Transaction record) {
        return null;
    }

    @Override
    public String modelVersion(Transaction record) {
        return null;
    }

    @Override
    public Counts create(String modelName, String modelVersion) {
        return new Counts();
    }

    @Override
    public void add(Counts counts, Transaction record) {
        counts.checked++;
        for (String rule : record.getQualityFlags()) {
            counts.failed.merge(rule, 1L, Long::sum);
        }
    }

    @Override
    public Counts decode(byte[] bytes) {
        return Counts.fromBytes(bytes);
    }

    @Override
    public List<MonitoringRecord> report(WindowKey window, Counts merged) {
        List<MonitoringRecord> out = new ArrayList<>();
        for (Map.Entry<String, String> rule : rules.entrySet()) {
            long failed = merged.failed.getOrDefault(rule.getKey(), 0L);
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("checked", (double) merged.checked);
            values.put("failed", (double) failed);
            values.put(
                    "failed_share", merged.checked == 0 ? 0.0 : (double) failed / merged.checked);
            out.add(
                    Records.record(
                            MonitoringKind.QUALITY,
                            rule.getKey(),
                            window,
                            failed > 0,
                            values,
                            Map.of(),
                            rule.getValue()));
        }
        return out;
    }

    /** Payments checked and failures per rule. */
    public static final class Counts implements WindowAggregate<Counts> {
        long checked;
        final Map<String, Long> failed = new TreeMap<>();

        public long checked() {
            return checked;
        }

        public long failed(String rule) {
            return failed.getOrDefault(rule, 0L);
        }

        @Override
        public void merge(Counts other) {
            checked += other.checked;
            other.failed.forEach((rule, n) -> failed.merge(rule, n, Long::sum));
        }

        @Override
        public byte[] toBytes() {
            return AggregateBytes.write(
                    FORMAT,
                    out -> {
                        out.writeLong(checked);
                        out.writeInt(failed.size());
                        for (Map.Entry<String, Long> e : failed.entrySet()) {
                            out.writeUTF(e.getKey());
                            out.writeLong(e.getValue());
                        }
                    });
        }

        static Counts fromBytes(byte[] bytes) {
            return AggregateBytes.read(
                    bytes,
                    FORMAT,
                    "quality counts",
                    in -> {
                        Counts counts = new Counts();
                        counts.checked = in.readLong();
                        int n = in.readInt();
                        for (int i = 0; i < n; i++) {
                            counts.failed.put(in.readUTF(), in.readLong());
                        }
                        return counts;
                    });
        }
    }
}
