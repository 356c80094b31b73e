package dev.weir.jobs;

import dev.weir.jobs.bootstrap.SavepointBootstrap;
import dev.weir.jobs.bootstrap.WaitingEvents;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.jobs.pipeline.EventHistory;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.FeatureSet;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.core.fs.Path;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Writes a savepoint for the pipeline to start warm from: the entity feature stages' state computed
 * from the Iceberg {@code events} table (optionally only up to an event time, or as of a snapshot),
 * in Flink BATCH mode, under the stages' uids and in the state layout of this release. With {@code
 * --from-savepoint}, the stages' state in an existing savepoint is replaced and every other
 * operator's state kept.
 *
 * <p>Arguments: {@code --config FILE [--set key=value ...] --savepoint-dir DIR [--until
 * ISO-INSTANT] [--snapshot ID] [--from-savepoint PATH] [--entities a,b] [--max-parallelism N]}.
 */
public final class BootstrapJob {

    public static final String JOB_NAME = "weir-bootstrap";

    /** Of the history's operators ({@link EventHistory}). */
    private static final String UID_PREFIX = "weir-bootstrap";

    private static final Logger LOG = LoggerFactory.getLogger(BootstrapJob.class);

    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private BootstrapJob() {}

    public static void main(String[] argv) throws Exception {
        String path = run(CommandLine.populateCommand(new Arguments(), argv));
        LOG.info("Savepoint written to {}", path);
    }

    /**
     * Defines the job on this process's execution environment and runs it until it ends.
     *
     * @return the savepoint's path
     */
    public static String run(Arguments args) throws Exception {
        return run(args.job.load(), args.settings(), args.savepointDir);
    }

    /**
     * Reads what waits in the stages of {@link Settings#fromSavepoint()} (a job of its own), then
     * runs the bootstrap; both on this process's execution environment.
     *
     * @return the savepoint's path, a new folder under {@code savepointDir}
     */
    public static String run(PipelineConfig config, Settings settings, String savepointDir)
            throws Exception {
        entities(config.featureSet(), settings.entities()); // a wrong name fails before any job
        String path = newSavepointPath(savepointDir);
        Map<String, List<FeaturedTransaction>> waiting = Map.of();
        if (settings.fromSavepoint() != null) {
            waiting =
                    WaitingEvents.read(
                            StreamExecutionEnvironment.getExecutionEnvironment(),
                            settings.fromSavepoint(),
                            config.featureSet());
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, config, settings, waiting, path);
        env.execute(JOB_NAME);
        return path;
    }

    /**
     * The arguments besides the pipeline's configuration.
     *
     * @param until the last event time of the history (inclusive); null: every event
     * @param snapshot the events table as of this snapshot; null: its current snapshot
     * @param entities the entities to bootstrap; empty: all of the feature set
     * @param fromSavepoint the savepoint to write over; null: a new one
     * @param maxParallelism null: the pipeline's ({@link SavepointBootstrap#maxParallelism}), or
     *     the existing savepoint's
     */
    public record Settings(
            Instant until,
            Long snapshot,
            List<String> entities,
            String fromSavepoint,
            Integer maxParallelism) {}

    /** {@link JobArguments}, where to write, and what to bootstrap. */
    public static final class Arguments {
        @Mixin public JobArguments job = new JobArguments();

        @Option(
                names = "--savepoint-dir",
                required = true,
                paramLabel = "DIR",
                description =
                        "Where to write the savepoint, in a new folder: a folder, or a URI such as"
                                + " s3://bucket/savepoints.")
        public String savepointDir;

        @Option(
                names = "--until",
                paramLabel = "ISO-INSTANT",
                description =
                        "Only events up to this event time (inclusive), e.g."
                                + " 2026-01-31T23:59:59Z.%nDefault: every event of the table.")
        public Instant until;

        @Option(
                names = "--snapshot",
                paramLabel = "ID",
                description =
                        "Only the events committed up to this snapshot of the events table (its"
                                + " id, from the table's snapshots), so the history stays the same"
                                + " while the pipeline appends.%nDefault: the current snapshot.")
        public Long snapshot;

        @Option(
                names = "--from-savepoint",
                paramLabel = "PATH",
                description =
                        "An existing savepoint of the pipeline: its entity stages' state is"
                                + " replaced, every other operator's state kept.")
        public String fromSavepoint;

        @Option(
                names = "--entities",
                split = ",",
                paramLabel = "NAME",
                description =
                        "Only these entities of the feature set (comma-separated).%nDefault: all.")
        public List<String> entities = new ArrayList<>();

        @Option(
                names = "--max-parallelism",
                paramLabel = "N",
                description =
                        "The pipeline's maximum parallelism (pipeline.max-parallelism), when its"
                                + " cluster sets one.%nDefault: Flink's default for"
                                + " pipeline.parallelism (128 up to 85); with --from-savepoint,"
                                + " the savepoint's.")
        public Integer maxParallelism;

        Settings settings() {
            return new Settings(
                    until, snapshot, List.copyOf(entities), fromSavepoint, maxParallelism);
        }
    }

    /** A new folder under {@code dir}, named by the time it is written. */
    public static String newSavepointPath(String dir) {
        String name =
                "bootstrap-"
                        + STAMP.format(Instant.now())
                        + "-"
                        + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
        return new Path(new Path(dir), name).toString();
    }

    /**
     * The bootstrap from the Iceberg events table, writing the savepoint to {@code path}.
     *
     * @param waiting with {@link Settings#fromSavepoint()}: what {@link WaitingEvents#read} found
     *     waiting in its entity stages
     */
    public static void define(
            StreamExecutionEnvironment env,
            PipelineConfig config,
            Settings settings,
            Map<String, List<FeaturedTransaction>> waiting,
            String path)
            throws IOException {
        List<EntitySpec> entities = entities(config.featureSet(), settings.entities());
        CatalogLoader catalog = Catalogs.loader(config);
        TableIdentifier events = TableIdentifier.of(config.namespace(), WeirTables.EVENTS);
        if (!catalog.loadCatalog().tableExists(events)) {
            throw new IllegalArgumentException(
                    "no events table "
                            + events
                            + " in the catalog at "
                            + config.warehouse()
                            + ": the pipeline writes it");
        }
        if (settings.snapshot() != null
                && catalog.loadCatalog().loadTable(events).snapshot(settings.snapshot()) == null) {
            throw new IllegalArgumentException(
                    "no snapshot " + settings.snapshot() + " of the events table " + events);
        }
        // Auto-generated uids and generic types stay allowed: the savepoint writer's own operators
        // have no uids (a bootstrap is never restored) and carry existing operator states as
        // generic types.
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        env.configure(evenKeyGroups());
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
        DataStream<Transaction> history =
                EventHistory.read(
                        env, config, catalog, UID_PREFIX, settings.until(), settings.snapshot());
        SavepointWriter writer;
        if (settings.fromSavepoint() != null) {
            writer = SavepointWriter.fromExistingSavepoint(env, settings.fromSavepoint());
        } else {
            int maxParallelism =
                    settings.maxParallelism() != null
                            ? settings.maxParallelism()
                            : SavepointBootstrap.maxParallelism(config.parallelism());
            writer = SavepointWriter.newSavepoint(env, maxParallelism);
        }
        SavepointBootstrap.define(writer, history, config.featureSet(), entities, waiting);
        writer.write(path);
    }

    /**
     * Keeps each subtask's key groups the even range the savepoint writer gives its state. Flink's
     * adaptive batch scheduler balances a keyed exchange's subpartitions by data size, so a subtask
     * of the writer can receive key groups of its neighbour's range: the writer's task then dies
     * without a word and the job waits on it forever. The default scheduler keeps the ranges even.
     */
    static Configuration evenKeyGroups() {
        Configuration scheduler = new Configuration();
        scheduler.set(JobManagerOptions.SCHEDULER, JobManagerOptions.SchedulerType.Default);
        return scheduler;
    }

    /** The named entities of the set, or all of them when none is named. */
    static List<EntitySpec> entities(FeatureSet set, List<String> names) {
        if (names.isEmpty()) {
            return set.entities();
        }
        List<EntitySpec> chosen = new ArrayList<>();
        for (String name : names) {
            String trimmed = name.trim();
            EntitySpec entity =
                    set.entities().stream()
                            .filter(e -> e.name().equals(trimmed))
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            new IllegalArgumentException(
                                                    "--entities: the feature set has no entity '"
                                                            + trimmed
                                                            + "'; it has "
                                                            + set.entities().stream()
                                                                    .map(EntitySpec::name)
                                                                    .toList()));
            if (!chosen.contains(entity)) {
                chosen.add(entity);
            }
        }
        return chosen;
    }
}
