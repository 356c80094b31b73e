package dev.weir.jobs;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.maintenance.MaintenanceWorkflow;
import dev.weir.jobs.pipeline.Catalogs;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.flink.CatalogLoader;

/**
 * Maintenance of the pipeline's Iceberg tables, as a job of its own beside the pipeline: compacts
 * small data files, expires old snapshots, deletes orphan files ({@link MaintenanceWorkflow}). It
 * reads the pipeline's configuration file, so it finds the same catalog and tables; its options are
 * {@code iceberg.maintenance.*}. Arguments: {@code --config FILE} and any number of {@code --set
 * key=value}. Run one per set of tables: its lock covers its own tasks only.
 */
public final class MaintenanceJob {

    public static final String JOB_NAME = "weir-maintenance";

    private MaintenanceJob() {}

    public static void main(String[] argv) throws Exception {
        run(JobArguments.parse(argv).load());
    }

    public static void run(PipelineConfig config) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, config);
        env.execute(JOB_NAME);
    }

    /**
     * Refuses a catalog on which the maintenance commits could silently replace the pipeline's,
     * creates the tables the pipeline has not created yet, then defines the topology.
     */
    public static void build(StreamExecutionEnvironment env, PipelineConfig config) {
        Catalogs.checkConcurrentCommits(config);
        CatalogLoader catalog = Catalogs.loader(config);
        Catalogs.ensureTables(catalog.loadCatalog(), config);
        MaintenanceWorkflow.configure(env, config);
        MaintenanceWorkflow.define(env, config, catalog, MaintenanceWorkflow.PIPELINE_TABLES);
    }
}
