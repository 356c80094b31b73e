package dev.weir.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.jobs.bootstrap.SavepointBootstrap;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.operators.features.EntityFeatureStage;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.EntityState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's warm start on a fresh warehouse: the history goes through the pipeline's decoding into
 * the events table, and the savepoint bootstrapped from it holds every account of that table, each
 * as of its newest event there.
 */
class DemoHistoryTest {

    private static final int EVENTS = 3_000;

    @TempDir Path dir;

    @Test
    void everyAccountOfTheHistoryStartsWithItsStateAsOfItsNewestEvent() throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("kafka.bootstrap-servers", "127.0.0.1:9");
        settings.put("iceberg.warehouse", dir.resolve("warehouse").toString());
        settings.put("model.dir", dir.resolve("model").toString());
        settings.put("pipeline.parallelism", "2");
        PipelineConfig config = PipelineConfig.from(settings);
        DemoOptions options =
                new DemoOptions(
                        Optional.empty(),
                        200,
                        0.01,
                        7,
                        300,
                        9092,
                        8081,
                        dir.resolve("warehouse"),
                        dir.resolve("model"),
                        dir.resolve("demo"),
                        false,
                        Optional.empty(),
                        false,
                        0,
                        Optional.empty(),
                        true);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        long end = System.currentTimeMillis();

        String savepoint =
                DemoHistory.bootstrap(
                        new PrintStream(printed, true, StandardCharsets.UTF_8),
                        config,
                        options,
                        EVENTS,
                        0.02,
                        end);

        Map<String, Long> newestInEvents = newestEventTimes(config);
        assertThat(newestInEvents).as("accounts of the history").hasSizeGreaterThan(200);
        // The live payments start at the end: the history stops just before, never after it.
        assertThat(newestInEvents.values().stream().mapToLong(Long::longValue).max().orElseThrow())
                .as("the history's last payment")
                .isBetween(end - 1_000, end - 1);
        assertThat(accountStates(config, savepoint)).isEqualTo(newestInEvents);
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("History: 3,000 payments")
                .contains(Path.of(URI.create(savepoint)).getFileName().toString());
    }

    /** Each account of the events table with the newest event time it has there. */
    private static Map<String, Long> newestEventTimes(PipelineConfig config) throws Exception {
        Table events =
                Catalogs.loader(config)
                        .loadCatalog()
                        .loadTable(TableIdentifier.of(config.namespace(), WeirTables.EVENTS));
        Map<String, Long> newest = new HashMap<>();
        try (CloseableIterable<Record> rows = IcebergGenerics.read(events).build()) {
            for (Record row : rows) {
                long millis =
                        ((OffsetDateTime) row.getField("event_time")).toInstant().toEpochMilli();
                newest.merge((String) row.getField("account_id"), millis, Math::max);
            }
        }
        return newest;
    }

    /** Each account in the savepoint's account stage, with the newest event time it aggregated. */
    private static Map<String, Long> accountStates(PipelineConfig config, String savepoint)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        EntitySpec account = config.featureSet().entity("account");
        Map<String, Long> out = new HashMap<>();
        try (CloseableIterator<Map.Entry<String, Long>> it =
                SavepointReader.read(env, savepoint)
                        .readKeyedState(
                                OperatorIdentifier.forUid(SavepointBootstrap.uid(account)),
                                new NewestEventTime(account))
                        .executeAndCollect()) {
            it.forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        }
        return out;
    }

    private static final class NewestEventTime
            extends KeyedStateReaderFunction<String, Map.Entry<String, Long>> {
        private static final long serialVersionUID = 1L;
        private final EntitySpec account;
        private transient ValueState<EntityState> state;

        NewestEventTime(EntitySpec account) {
            this.account = account;
        }

        @Override
        public void open(OpenContext openContext) {
            state = getRuntimeContext().getState(EntityFeatureStage.descriptor(account));
        }

        @Override
        public void readKey(String key, Context ctx, Collector<Map.Entry<String, Long>> out)
                throws Exception {
            out.collect(Map.entry(key, state.value().newestEventTime));
        }
    }
}
