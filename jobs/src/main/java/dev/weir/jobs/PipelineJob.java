package dev.weir.jobs;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.jobs.pipeline.KafkaIcebergSinks;
import dev.weir.jobs.pipeline.OutputSchemas;
import dev.weir.jobs.pipeline.PipelineSources;
import dev.weir.jobs.pipeline.PipelineWorkflow;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelMetadata;
import dev.weir.models.Storage;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.flink.CatalogLoader;

/**
 * The continuous scoring job. Arguments: {@code --config FILE} and any number of {@code --set
 * key=value}; see {@link dev.weir.jobs.config.WeirOptions}.
 */
public final class PipelineJob {

    public static final String JOB_NAME = "weir-pipeline";

    private PipelineJob() {}

    public static void main(String[] argv) throws Exception {
        run(JobArguments.parse(argv).load());
    }

    /** Defines the job on this process's execution environment and runs it until it ends. */
    public static void run(PipelineConfig config) throws Exception {
        run(config, null);
    }

    /**
     * @param savepoint the savepoint to start from (every state in it must find its operator), or
     *     null
     */
    public static void run(PipelineConfig config, String savepoint) throws Exception {
        Configuration conf = new Configuration();
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        build(env, config);
        env.execute(JOB_NAME);
    }

    /**
     * Checks what can be checked before submission (the model; the schema registry, where the
     * output schemas are registered), then defines the production topology.
     */
    public static void build(StreamExecutionEnvironment env, PipelineConfig config) {
        checkModel(config);
        OutputSchemas.register(config, System::getenv);
        CatalogLoader catalogLoader = Catalogs.loader(config);
        Catalog catalog = catalogLoader.loadCatalog();
        Catalogs.ensureTables(catalog, config);
        PipelineWorkflow.define(
                env,
                config,
                PipelineSources.kafka(config, false),
                new KafkaIcebergSinks(config, catalogLoader));
    }

    /** Fails at start, not on the TaskManagers, when the model is missing or does not fit. */
    public static void checkModel(PipelineConfig config) {
        String location = config.modelPointer().location();
        org.apache.flink.core.fs.Path dir = Storage.path(location);
        if (!ModelBundle.exists(dir)) {
            throw new IllegalArgumentException(
                    "model.dir "
                            + Storage.location(dir)
                            + " holds no model (run `weir train --out "
                            + location
                            + "`)");
        }
        ModelMetadata metadata = ModelBundle.readMetadata(dir);
        java.util.List<String> names = config.featureSet().vectorNames();
        if (!metadata.featureNames().equals(names)) {
            throw new IllegalArgumentException(
                    "model in "
                            + location
                            + " expects features "
                            + metadata.featureNames()
                            + " but the feature set computes "
                            + names
                            + ": retrain it on this feature set (weir train --features FILE)");
        }
    }
}
