package dev.weir.jobs.pipeline;

import dev.weir.jobs.config.PipelineConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.flink.CatalogLoader;

/**
 * Builds the Iceberg catalog loader the config names. A Hadoop catalog on the local file system
 * commits under {@link LocalFileLockManager}, so that the pipeline, the maintenance job and {@code
 * weir train} can commit to one table at the same time without losing a commit.
 */
public final class Catalogs {

    public static final String CATALOG_NAME = "weir";

    private Catalogs() {}

    public static CatalogLoader loader(PipelineConfig config) {
        org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
        Map<String, String> props = new HashMap<>();
        if (config.warehouse() != null) {
            props.put(CatalogProperties.WAREHOUSE_LOCATION, config.warehouse());
        }
        if (config.catalogType().equals("rest")) {
            props.put(CatalogProperties.URI, config.catalogUri());
            return CatalogLoader.rest(CATALOG_NAME, hadoop, props);
        }
        if (scheme(config.warehouse(), hadoop).equals("file")) {
            props.put(CatalogProperties.LOCK_IMPL, LocalFileLockManager.class.getName());
        }
        return CatalogLoader.hadoop(CATALOG_NAME, hadoop, props);
    }

    /**
     * Refuses a catalog on which two jobs cannot commit to one table safely: a Hadoop catalog whose
     * warehouse is neither local (locked by {@link LocalFileLockManager}) nor on HDFS (whose rename
     * refuses an existing target). On an object store a rename is a copy, so one writer's commit
     * can silently replace another's; a REST catalog commits atomically everywhere.
     */
    public static void checkConcurrentCommits(PipelineConfig config) {
        if (config.catalogType().equals("rest")) {
            return;
        }
        String scheme = scheme(config.warehouse(), new org.apache.hadoop.conf.Configuration());
        if (!scheme.equals("file") && !scheme.equals("hdfs")) {
            throw new IllegalArgumentException(
                    "iceberg.warehouse "
                            + config.warehouse()
                            + ": a hadoop catalog on '"
                            + scheme
                            + "' cannot take commits from two jobs at once (its rename is not"
                            + " atomic); use a local or HDFS warehouse, or iceberg.catalog-type: rest");
        }
    }

    /** The file system scheme of a location; one without a scheme is on Hadoop's default. */
    private static String scheme(String location, org.apache.hadoop.conf.Configuration hadoop) {
        String scheme = new org.apache.hadoop.fs.Path(location).toUri().getScheme();
        return scheme != null ? scheme : FileSystem.getDefaultUri(hadoop).getScheme();
    }
}
