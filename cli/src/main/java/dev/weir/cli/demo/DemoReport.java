package dev.weir.cli.demo;

import dev.weir.cli.synthetic.SyntheticProducer;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.operators.iceberg.WeirTables;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * What the demo prints while it runs (a progress line every few seconds, with the alerts and
 * governor decisions since the last one and the latest declined payment with its reason codes) and
 * when it stops (the summary: what went where, the last declines and their reasons, rows added to
 * the Iceberg tables, throughput, latencies).
 */
final class DemoReport {

    private final PrintStream out;
    private final PipelineConfig config;
    private final SyntheticProducer producer;
    private final OutputWatcher watcher;
    private final Map<String, Long> rowsBefore;

    /** {payments, seconds}: what was caught up at the start of the run, and when; or null. */
    private long[] catchUp;

    /**
     * @param rowsBefore {@link #icebergRows} before the pipeline started: the summary counts what
     *     it added
     */
    DemoReport(
            PrintStream out,
            PipelineConfig config,
            SyntheticProducer producer,
            OutputWatcher watcher,
            Map<String, Long> rowsBefore) {
        this.out = out;
        this.config = config;
        this.producer = producer;
        this.watcher = watcher;
        this.rowsBefore = rowsBefore;
    }

    /** Committed rows per table, from the current snapshot's summary. */
    static Map<String, Long> icebergRows(PipelineConfig config) {
        Catalog catalog = Catalogs.loader(config).loadCatalog();
        Map<String, Long> rows = new LinkedHashMap<>();
        for (String name :
                new String[] {
                    WeirTables.EVENTS,
                    WeirTables.FEATURES,
                    WeirTables.SCORES,
                    WeirTables.DLQ,
                    WeirTables.MONITORING
                }) {
            Table table = catalog.loadTable(TableIdentifier.of(config.namespace(), name));
            Snapshot snapshot = table.currentSnapshot();
            long total =
                    snapshot == null
                            ? 0
                            : Long.parseLong(snapshot.summary().getOrDefault("total-records", "0"));
            rows.put(config.namespace() + "." + name, total);
        }
        return rows;
    }

    /**
     * What the maintenance job leaves of each table: data files of the current snapshot and
     * snapshots kept, where every checkpoint of the pipeline adds files and a snapshot.
     */
    static String upkeep(PipelineConfig config) {
        Catalog catalog = Catalogs.loader(config).loadCatalog();
        StringBuilder tables = new StringBuilder();
        for (String name :
                new String[] {WeirTables.EVENTS, WeirTables.FEATURES, WeirTables.SCORES}) {
            Table table = catalog.loadTable(TableIdentifier.of(config.namespace(), name));
            Snapshot current = table.currentSnapshot();
            int snapshots = 0;
            long compactions = 0;
            for (Snapshot snapshot : table.snapshots()) {
                snapshots++;
                if (org.apache.iceberg.DataOperations.REPLACE.equals(snapshot.operation())) {
                    compactions++;
                }
            }
            tables.append(tables.length() == 0 ? "" : ", ")
                    .append(config.namespace())
                    .append('.')
                    .append(name)
                    .append(' ')
                    .append(
                            current == null
                                    ? "0"
                                    : current.summary().getOrDefault("total-data-files", "0"))
                    .append(" data files in ")
                    .append(snapshots)
                    .append(" snapshots, ")
                    .append(compactions)
                    .append(" of them compactions");
        }
        return tables.toString();
    }

    /**
     * The payments made before the run began are all visible downstream, {@code seconds} into it:
     * latencies are measured from here on.
     */
    void caughtUp(long payments, long seconds) {
        catchUp = new long[] {payments, seconds};
        out.printf(
                "Caught up: the %d payments made before the run began (while the history was"
                        + " bootstrapped and the pipeline started) are decided and committed;"
                        + " latencies from here on.%n",
                payments);
    }

    void progress(long seconds) {
        SyntheticProducer.Counts c = producer.counts();
        long[] recent = watcher.recentDecisionPercentiles();
        out.printf(
                "[%4ds] produced %d (%d malformed) | decisions %d%s | scored %d (declined %d) | dead letters %d"
                        + " | monitoring %d%n",
                seconds,
                c.total(),
                c.bad.get(),
                watcher.decisions.get(),
                recent == null
                        ? ""
                        : String.format(" (visible p50 %d ms, p99 %d ms)", recent[0], recent[1]),
                watcher.scored.get(),
                watcher.declined.get(),
                watcher.deadLetters.get(),
                watcher.monitoringRecords.get());
        for (String alert; (alert = watcher.alerts.poll()) != null; ) {
            out.println(
                    (alert.startsWith("MODEL")
                            ? "       MODEL " + alert.substring(6)
                            : "       ALERT " + alert));
        }
        String decline = watcher.latestDecline.getAndSet(null);
        if (decline != null) {
            out.println("       DECLINE " + decline);
        }
    }

    void summary(double seconds, Path warehouse, String labelsTopic, long labelDelaySeconds) {
        SyntheticProducer.Counts produced = producer.counts();
        out.println();
        out.println("Weir demo summary");
        out.printf(
                "  events produced   %d in %.0f s (%d good of which %d fraud, %d malformed)%n",
                produced.total(),
                seconds,
                produced.good.get(),
                produced.fraud.get(),
                produced.bad.get());
        out.printf(
                "  decisions         %d on %s%s%n",
                watcher.decisions.get(),
                config.decisionsTopic(),
                watcher.decisionRepeats.get() == 0
                        ? ""
                        : String.format(" (%d repeats dropped)", watcher.decisionRepeats.get()));
        out.printf(
                "  scored            %d (declined %d)%n",
                watcher.scored.get(), watcher.declined.get());
        String heading = "  last declines     ";
        for (String decline : watcher.lastDeclines()) {
            out.println(heading + decline);
            heading = "                    ";
        }
        out.printf(
                "  labels            %d to %s (%d s after each payment)%n",
                produced.labels.get(), labelsTopic, labelDelaySeconds);
        out.printf("  dead letters      %d%n", watcher.deadLetters.get());
        out.printf(
                "  monitoring        %d records on %s, %d alerts%n",
                watcher.monitoringRecords.get(),
                config.monitoringTopic(),
                watcher.alertCount.get());
        Map<String, Long> rowsAfter = icebergRows(config);
        StringBuilder rows = new StringBuilder();
        for (Map.Entry<String, Long> table : rowsAfter.entrySet()) {
            long added = table.getValue() - rowsBefore.getOrDefault(table.getKey(), 0L);
            rows.append(rows.length() == 0 ? "" : ", ")
                    .append(table.getKey())
                    .append(' ')
                    .append(added);
        }
        out.printf("  Iceberg rows      %s added (warehouse %s)%n", rows, warehouse);
        out.printf("  Iceberg upkeep    %s%n", upkeep(config));
        out.printf(
                "  throughput        %.0f events/s scored%n",
                watcher.scored.get() / Math.max(1e-9, seconds));
        long[] p = watcher.percentiles();
        long[] d = watcher.decisionPercentiles();
        if (p != null) {
            out.printf(
                    "  latency           event->score p50 %d ms, p99 %d ms%s%n",
                    p[0],
                    p[1],
                    d == null
                            ? ""
                            : String.format(
                                    "; event->decision visible p50 %d ms, p99 %d ms", d[0], d[1]));
            out.printf(
                    "                    event->committed in Kafka p50 %d ms, p99 %d ms%n",
                    p[2], p[3]);
        }
        if (catchUp != null) {
            out.printf(
                    "                    of the payments made after the catch-up (%d made before"
                            + " the run began, decided and committed %d s into it)%n",
                    catchUp[0], catchUp[1]);
        }
        long missing = produced.total() - watcher.scored.get() - watcher.deadLetters.get();
        if (missing != 0) {
            out.printf(
                    "  NOTE: %d produced records were not yet visible downstream when the demo stopped%n",
                    missing);
        }
    }
}
