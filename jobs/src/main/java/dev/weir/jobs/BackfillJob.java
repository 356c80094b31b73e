package dev.weir.jobs;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.jobs.pipeline.KafkaIcebergSinks;
import dev.weir.jobs.pipeline.Uids;
import dev.weir.operators.features.FeatureOrdering;
import dev.weir.operators.features.FeatureStages;
import dev.weir.operators.iceberg.RowConverters;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.source.IcebergSource;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Recomputes the feature vectors of every event in the Iceberg {@code events} table with the very
 * same feature stages as the streaming pipeline, in Flink BATCH mode, into a table with the
 * features schema (default {@value #DEFAULT_OUTPUT}). For events that each entity saw in event-time
 * order, the values are bit-identical to the streaming run's.
 *
 * <p>Arguments: {@code --config FILE [--set key=value ...] [--output-table NAME]}.
 */
public final class BackfillJob {

    public static final String JOB_NAME = "weir-backfill";
    public static final String DEFAULT_OUTPUT = WeirTables.FEATURES_BACKFILL;

    private static final String UID_SOURCE = "weir-backfill-source-events";
    private static final String UID_TO_TRANSACTION = "weir-backfill-to-transaction";
    private static final String UID_TIMESTAMPS = "weir-backfill-event-time";
    private static final String UID_TO_ROW = "weir-backfill-to-row";
    private static final String UID_SINK = "weir-backfill-sink";

    private BackfillJob() {}

    public static void main(String[] argv) throws Exception {
        Arguments args = CommandLine.populateCommand(new Arguments(), argv);
        run(args.job.load(), args.outputTable);
    }

    /** Defines the job on this process's execution environment and runs it until it ends. */
    public static void run(PipelineConfig config, String outputTable) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, config, outputTable);
        env.execute(JOB_NAME);
    }

    /** {@link JobArguments} and the table to write. */
    public static final class Arguments {
        @Mixin public JobArguments job = new JobArguments();

        @Option(
                names = "--output-table",
                paramLabel = "NAME",
                description =
                        "The Iceberg table (in the pipeline's namespace) to write the features "
                                + "to.%nDefault: ${DEFAULT-VALUE}.")
        public String outputTable = DEFAULT_OUTPUT;
    }

    public static void define(
            StreamExecutionEnvironment env, PipelineConfig config, String outputTable) {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        env.configure(conf);
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
        CatalogLoader catalog = Catalogs.loader(config);
        Catalogs.ensureTables(catalog.loadCatalog(), config);
        // Written like the features table, whose rows it recomputes.
        WeirTables.ensureFeaturesTable(
                catalog.loadCatalog(),
                config.namespace(),
                outputTable,
                config.iceberg().tableProperties().get(WeirTables.FEATURES));
        FeatureSet featureSet = config.featureSet();

        IcebergSource<RowData> source =
                IcebergSource.forRowData()
                        .tableLoader(
                                TableLoader.fromCatalog(
                                        catalog,
                                        TableIdentifier.of(config.namespace(), WeirTables.EVENTS)))
                        .build();
        DataStream<Transaction> events =
                env.fromSource(
                                source,
                                WatermarkStrategy.noWatermarks(),
                                "Iceberg " + config.namespace() + ".events",
                                RowConverters.rowType(WeirTables.EVENTS_SCHEMA))
                        .uid(UID_SOURCE)
                        .map(new RowConverters.EventRowToTransaction(), WeirTypes.TRANSACTION)
                        .uid(UID_TO_TRANSACTION)
                        .name("To transaction")
                        // Ordered entity stages then process each entity's events in event-time
                        // order.
                        .assignTimestampsAndWatermarks(
                                WatermarkStrategy.<Transaction>forMonotonousTimestamps()
                                        .withTimestampAssigner(
                                                (t, ts) -> t.getEventTime().toEpochMilli()))
                        .uid(UID_TIMESTAMPS)
                        .name("Event time");

        FeatureStages.Result features =
                FeatureStages.apply(events, featureSet, Uids.FEATURES, FeatureOrdering.ORDERED);
        KafkaIcebergSinks.appendToIceberg(
                features.featured(),
                new RowConverters.FeatureRow(featureSet.vectorNames()),
                WeirTables.FEATURES_SCHEMA,
                catalog,
                config.namespace(),
                outputTable,
                UID_TO_ROW,
                UID_SINK);
    }
}
