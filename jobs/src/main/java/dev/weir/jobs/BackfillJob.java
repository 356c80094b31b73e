package dev.weir.jobs;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.jobs.pipeline.EventHistory;
import dev.weir.jobs.pipeline.KafkaIcebergSinks;
import dev.weir.jobs.pipeline.Uids;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.operators.features.FeatureOrdering;
import dev.weir.operators.features.FeatureStages;
import dev.weir.operators.iceberg.RowConverters;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.scoring.BatchingScoreOperator;
import dev.weir.operators.scoring.ReasonCodes;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.iceberg.flink.CatalogLoader;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Recomputes the feature vectors of every event in the Iceberg {@code events} table with the very
 * same feature stages as the streaming pipeline, in Flink BATCH mode, into a table with the
 * features schema (default {@value #DEFAULT_OUTPUT}). For events that each entity saw in event-time
 * order, the values are bit-identical to the streaming run's.
 *
 * <p>With {@code --score}, the recomputed vectors are also scored by the streaming pipeline's own
 * scoring operator with the job's model or any registered version ({@code --model NAME:VERSION}),
 * reason codes included, into a table with the scores schema (default {@value
 * #DEFAULT_SCORES_OUTPUT}).
 *
 * <p>Arguments: {@code --config FILE [--set key=value ...] [--output-table NAME] [--score [--model
 * NAME:VERSION] [--scores-table NAME]]}.
 */
public final class BackfillJob {

    public static final String JOB_NAME = "weir-backfill";
    public static final String DEFAULT_OUTPUT = WeirTables.FEATURES_BACKFILL;
    public static final String DEFAULT_SCORES_OUTPUT = WeirTables.SCORES_BACKFILL;

    /** Of the history's operators ({@link EventHistory}). */
    private static final String UID_PREFIX = "weir-backfill";

    private static final String UID_TO_ROW = "weir-backfill-to-row";
    private static final String UID_SINK = "weir-backfill-sink";
    private static final String UID_NO_COMMANDS = "weir-backfill-no-model-commands";
    private static final String UID_SCORE = "weir-backfill-score";
    private static final String UID_TO_SCORE_ROW = "weir-backfill-to-score-row";
    private static final String UID_SCORES_SINK = "weir-backfill-scores-sink";

    private BackfillJob() {}

    public static void main(String[] argv) throws Exception {
        run(CommandLine.populateCommand(new Arguments(), argv));
    }

    /** Defines the job on this process's execution environment and runs it until it ends. */
    public static void run(Arguments args) throws Exception {
        PipelineConfig config = args.job.load();
        Scoring scoring = args.score ? Scoring.of(config, args.model, args.scoresTable) : null;
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, config, args.outputTable, scoring);
        env.execute(JOB_NAME);
    }

    /**
     * What {@code --score} scores with, and the table it writes.
     *
     * @param model the model: a registered version, or the job's own model directory
     */
    public record Scoring(ModelPointer model, String table) {

        /**
         * The version {@code nameAndVersion} ({@code NAME:VERSION}) of {@code model.registry}, or,
         * when it is null, the model the pipeline would score with (the champion, or {@code
         * model.dir}).
         *
         * @throws IllegalArgumentException when the version is malformed, is not registered, or is
         *     asked for without a registry
         */
        public static Scoring of(PipelineConfig config, String nameAndVersion, String table) {
            if (nameAndVersion == null) {
                return new Scoring(config.modelPointer(), table);
            }
            String[] parts = nameAndVersion.split(":", -1);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new IllegalArgumentException(
                        "--model takes NAME:VERSION, for example fraud-mlp:3, not '"
                                + nameAndVersion
                                + "'");
            }
            String registry = config.modelRegistry();
            if (registry == null || registry.isBlank()) {
                throw new IllegalArgumentException(
                        "--model "
                                + nameAndVersion
                                + " needs a model registry (model.registry); this configuration"
                                + " scores with model.dir");
            }
            return new Scoring(new ModelRegistry(registry).pointer(parts[0], parts[1]), table);
        }
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

        @Option(
                names = "--score",
                description =
                        "Also scores the recomputed vectors, with the pipeline's scoring operator,"
                                + " into --scores-table.")
        public boolean score;

        @Option(
                names = "--model",
                paramLabel = "NAME:VERSION",
                description =
                        "With --score: the registered version (in model.registry) to score with."
                                + "%nDefault: the model the pipeline scores with.")
        public String model;

        @Option(
                names = "--scores-table",
                paramLabel = "NAME",
                description =
                        "With --score: the Iceberg table (in the pipeline's namespace) to write the"
                                + " scores to.%nDefault: ${DEFAULT-VALUE}.")
        public String scoresTable = DEFAULT_SCORES_OUTPUT;
    }

    /** The features backfill alone. */
    public static void define(
            StreamExecutionEnvironment env, PipelineConfig config, String outputTable) {
        define(env, config, outputTable, null);
    }

    /** The features backfill and, unless {@code scoring} is null, the scores of its vectors. */
    public static void define(
            StreamExecutionEnvironment env,
            PipelineConfig config,
            String outputTable,
            Scoring scoring) {
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
        if (scoring != null) {
            WeirTables.ensureTableLike(
                    catalog.loadCatalog(),
                    config.namespace(),
                    scoring.table(),
                    WeirTables.SCORES,
                    config.iceberg().tableProperties().get(WeirTables.SCORES));
        }
        FeatureSet featureSet = config.featureSet();

        DataStream<Transaction> events = EventHistory.read(env, config, catalog, UID_PREFIX);

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
        if (scoring != null) {
            score(env, config, features.featured(), featureSet, scoring, catalog);
        }
    }

    /**
     * Scores with the streaming pipeline's operator and settings (micro-batches, reason codes): the
     * same code, so the same scores for the same vectors and model. No model-control command
     * reaches it: the model is the one given.
     */
    private static void score(
            StreamExecutionEnvironment env,
            PipelineConfig config,
            DataStream<FeaturedTransaction> featured,
            FeatureSet featureSet,
            Scoring scoring,
            CatalogLoader catalog) {
        // One element turned into none: Flink's collection source cannot be empty.
        DataStream<ModelControl> noCommands =
                env.fromData(0L)
                        .uid(UID_NO_COMMANDS)
                        .name("No model-control commands")
                        .flatMap(new NoCommands(), WeirTypes.MODEL_CONTROL)
                        .uid(UID_NO_COMMANDS + "-none");
        DataStream<Score> scores =
                featured.connect(noCommands.broadcast())
                        .transform(
                                "Score (DL4J, batches of " + config.scoringMaxBatchSize() + ")",
                                WeirTypes.SCORE,
                                new BatchingScoreOperator(
                                        scoring.model(),
                                        featureSet.vectorNames(),
                                        config.scoringMaxBatchSize(),
                                        config.scoringMaxWait().toMillis(),
                                        config.monitoring().monitoredInputs(),
                                        new ReasonCodes(config.scoringReasonsTop())))
                        .uid(UID_SCORE);
        KafkaIcebergSinks.appendToIceberg(
                scores,
                new RowConverters.ScoreRow(),
                WeirTables.SCORES_SCHEMA,
                catalog,
                config.namespace(),
                scoring.table(),
                UID_TO_SCORE_ROW,
                UID_SCORES_SINK);
    }

    /** Emits nothing: the model-control input of a scoring operator that keeps its model. */
    private static final class NoCommands implements FlatMapFunction<Long, ModelControl> {
        @Override
        public void flatMap(Long ignored, Collector<ModelControl> out) {}
    }
}
