package dev.weir.cli.promote;

import dev.weir.gates.BatchEvidence;
import dev.weir.gates.LiveWindows;
import dev.weir.gates.LiveWindows.Agreement;
import dev.weir.gates.LiveWindows.Performance;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.schemas.MonitoringKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;

/**
 * The evidence a promotion reads from the pipeline's Iceberg tables: live windows from {@value
 * WeirTables#MONITORING} and batch scores from a backfill scores table.
 */
public final class PromotionEvidence {

    private final Catalog catalog;
    private final String namespace;

    public PromotionEvidence(Catalog catalog, String namespace) {
        this.catalog = catalog;
        this.namespace = namespace;
    }

    /**
     * A challenger against the champion from the monitoring table: PERFORMANCE windows of both
     * versions and AGREEMENT windows in which the champion's records name the challenger, paired as
     * the governor pairs them. A window reported more than once counts once (the latest row read).
     * Null when the monitoring table does not exist.
     */
    public LiveWindows.LiveEvidence live(
            String model, String champion, String challenger, long minLabels) {
        TableIdentifier id = TableIdentifier.of(namespace, WeirTables.MONITORING);
        if (!catalog.tableExists(id)) {
            return null;
        }
        Table table = catalog.loadTable(id);
        TreeMap<Long, Performance> challengerPerformance = new TreeMap<>();
        TreeMap<Long, Performance> championPerformance = new TreeMap<>();
        TreeMap<Long, Agreement> agreement = new TreeMap<>();
        try (CloseableIterable<Record> rows =
                IcebergGenerics.read(table)
                        .where(
                                Expressions.and(
                                        Expressions.equal("model_name", model),
                                        Expressions.in(
                                                "kind",
                                                MonitoringKind.PERFORMANCE.name(),
                                                MonitoringKind.AGREEMENT.name())))
                        .build()) {
            for (Record r : rows) {
                if (!model.equals(r.getField("model_name"))) {
                    continue;
                }
                String version = (String) r.getField("model_version");
                long start =
                        ((OffsetDateTime) r.getField("window_start")).toInstant().toEpochMilli();
                long end = ((OffsetDateTime) r.getField("window_end")).toInstant().toEpochMilli();
                @SuppressWarnings("unchecked")
                Map<String, Double> values = (Map<String, Double>) r.getField("values");
                if (MonitoringKind.PERFORMANCE.name().equals(r.getField("kind"))) {
                    Performance p =
                            new Performance(
                                    start,
                                    value(values, "auc", Double.NaN),
                                    (long) value(values, "matched", 0));
                    if (challenger.equals(version)) {
                        challengerPerformance.put(end, p);
                    } else if (champion.equals(version)) {
                        championPerformance.put(end, p);
                    }
                } else if (champion.equals(version) && challenger.equals(r.getField("subject"))) {
                    agreement.put(
                            end,
                            new Agreement(
                                    start,
                                    version,
                                    (long) value(values, "events", 0),
                                    value(values, "decision_agreement", Double.NaN),
                                    value(values, "mean_abs_diff", Double.NaN)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + table.name(), e);
        }
        return LiveWindows.pair(
                champion,
                challenger,
                challengerPerformance,
                championPerformance,
                agreement,
                minLabels);
    }

    /**
     * The rows of one version in a scores table (as {@code weir run backfill --score --model
     * NAME:VERSION} writes them) and how many were declined; no rows when the table does not exist.
     */
    public BatchEvidence batch(String tableName, String model, String version) {
        TableIdentifier id = TableIdentifier.of(namespace, tableName);
        if (!catalog.tableExists(id)) {
            return new BatchEvidence(tableName, 0, 0);
        }
        Table table = catalog.loadTable(id);
        long rows = 0;
        long declines = 0;
        try (CloseableIterable<Record> scores =
                IcebergGenerics.read(table)
                        .where(
                                Expressions.and(
                                        Expressions.equal("model_name", model),
                                        Expressions.equal("model_version", version)))
                        .select("model_name", "model_version", "decision")
                        .build()) {
            for (Record r : scores) {
                if (!model.equals(r.getField("model_name"))
                        || !version.equals(r.getField("model_version"))) {
                    continue;
                }
                rows++;
                if (dev.weir.schemas.Decision.DECLINE.name().equals(r.getField("decision"))) {
                    declines++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + table.name(), e);
        }
        return new BatchEvidence(tableName, rows, declines);
    }

    private static double value(Map<String, Double> values, String key, double fallback) {
        Double v = values == null ? null : values.get(key);
        return v == null ? fallback : v;
    }
}
