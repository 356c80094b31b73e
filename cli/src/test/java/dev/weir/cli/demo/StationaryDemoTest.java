package dev.weir.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.FreePorts;
import dev.weir.cli.WeirRun;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.operators.iceberg.WeirTables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir demo}, the README's first command, end to end on a stationary population (without the
 * schema registry and the read API, which have tests of their own): its model trained, its history
 * bootstrapped, live payments caught up and decided, and no drift alert in any window of the
 * monitoring table, because its windows start full ({@link DemoDriftTest} says what each part
 * prevents).
 */
class StationaryDemoTest {

    private static final Pattern PRODUCED =
            Pattern.compile("events produced +\\d+ in \\d+ s \\((\\d+) good of which");
    private static final Pattern DECIDED = Pattern.compile("decisions +(\\d+) on weir.decisions");

    @TempDir Path dir;

    @Test
    void aStationaryDemoRaisesNoDriftAlert() throws Exception {
        Path warehouse = dir.resolve("warehouse");

        WeirRun run =
                WeirRun.weir(
                        "demo",
                        "--duration",
                        "60s",
                        "--no-serve",
                        "--no-schema-registry",
                        "--kafka-port",
                        "0",
                        "--dashboard-port",
                        String.valueOf(FreePorts.next()),
                        "--warehouse",
                        warehouse.toString(),
                        "--model",
                        dir.resolve("model").toString());

        assertThat(run.code()).as(run.out() + run.err()).isZero();
        assertThat(run.out())
                .contains("History: 100,000 payments")
                .contains("Caught up: the ")
                .contains("Weir demo summary");
        assertThat(number(DECIDED, run.out())).isEqualTo(number(PRODUCED, run.out()));

        List<Drift> drift = drift(warehouse);
        // Every feature, the score and two inputs per window, in the windows that closed before
        // the stop. The live payments span the history's bootstrap and the 60 s run, 1.5 to 3
        // minutes of event time, so how many minute windows close depends on where the minute
        // boundaries fall; the first, where empty windows would show most, always closes.
        long perWindow = FeatureSets.demo().vectorNames().size() + 3;
        Map<Object, Long> windows =
                drift.stream()
                        .collect(
                                java.util.stream.Collectors.groupingBy(
                                        Drift::window, java.util.stream.Collectors.counting()));
        assertThat(windows).isNotEmpty();
        assertThat(windows.values()).allSatisfy(n -> assertThat(n).isEqualTo(perWindow));
        assertThat(drift).filteredOn(Drift::alert).isEmpty();
    }

    /** One DRIFT row of the monitoring table. */
    private record Drift(String subject, Object window, boolean alert) {}

    private static long number(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        assertThat(m.find()).as(pattern + " in the summary").isTrue();
        return Long.parseLong(m.group(1));
    }

    private static List<Drift> drift(Path warehouse) throws Exception {
        PipelineConfig config =
                PipelineConfig.from(
                        Map.of(
                                "kafka.bootstrap-servers", "127.0.0.1:9",
                                "iceberg.warehouse", warehouse.toString(),
                                "model.dir", "unused"));
        Table table =
                Catalogs.loader(config)
                        .loadCatalog()
                        .loadTable(TableIdentifier.of(config.namespace(), WeirTables.MONITORING));
        List<Drift> rows = new ArrayList<>();
        try (CloseableIterable<Record> all = IcebergGenerics.read(table).build()) {
            for (Record row : all) {
                if ("DRIFT".equals(String.valueOf(row.getField("kind")))) {
                    rows.add(
                            new Drift(
                                    (String) row.getField("subject"),
                                    row.getField("window_start"),
                                    (Boolean) row.getField("alert")));
                }
            }
        }
        return rows;
    }
}
