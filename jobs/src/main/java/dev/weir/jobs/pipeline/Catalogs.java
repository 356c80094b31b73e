package dev.weir.jobs.pipeline;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.operators.iceberg.WeirTables;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.jdbc.JdbcCatalog;

/**
 * Builds the Iceberg catalog loader the config names.
 *
 * <p>A warehouse on {@code s3://} is read and written with Iceberg's S3FileIO (AWS SDK v2, its
 * URL-connection HTTP client), credentials and region from the AWS SDK's default chain: the
 * environment variables {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY} and {@code
 * AWS_REGION} of every process that loads the catalog (the client and each TaskManager), or an
 * instance or pod role. They never travel in the job's configuration.
 *
 * <p>The catalog commits a table's new metadata by a compare-and-swap of its pointer: the jdbc
 * catalog in one SQL update, the rest catalog on its server; both are safe on an object store. The
 * hadoop catalog renames a file instead, which an object store cannot do atomically, so the
 * configuration refuses it for such a warehouse. On the local file system it commits under {@link
 * LocalFileLockManager}, so that the pipeline, the maintenance job and {@code weir train} can
 * commit to one table at the same time without losing a commit.
 */
public final class Catalogs {

    public static final String CATALOG_NAME = "weir";

    /** The environment variables of the jdbc catalog's database user and password. */
    public static final String JDBC_USER_ENV = "WEIR_ICEBERG_JDBC_USER";

    public static final String JDBC_PASSWORD_ENV = "WEIR_ICEBERG_JDBC_PASSWORD";

    private Catalogs() {}

    public static CatalogLoader loader(PipelineConfig config) {
        org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
        Map<String, String> props = new HashMap<>();
        if (config.warehouse() != null) {
            props.put(CatalogProperties.WAREHOUSE_LOCATION, config.warehouse());
        }
        if (config.iceberg().warehouseOnS3()) {
            props.put(CatalogProperties.FILE_IO_IMPL, "org.apache.iceberg.aws.s3.S3FileIO");
            // The SDK's own JDK-based client: no Apache or Netty HTTP client in the job jar.
            props.put("http-client.type", "urlconnection");
            if (config.s3Endpoint() != null) {
                props.put("s3.endpoint", config.s3Endpoint());
            }
            props.put("s3.path-style-access", String.valueOf(config.s3PathStyleAccess()));
        }
        switch (config.catalogType()) {
            case "rest":
                props.put(CatalogProperties.URI, config.catalogUri());
                return CatalogLoader.rest(CATALOG_NAME, hadoop, props);
            case "jdbc":
                props.put(CatalogProperties.URI, config.catalogUri());
                // The schema with views; a catalog Weir creates starts on it.
                props.put("jdbc.schema-version", "V1");
                return CatalogLoader.custom(
                        CATALOG_NAME, props, hadoop, EnvironmentJdbcCatalog.class.getName());
            default:
                if (scheme(config.warehouse(), hadoop).equals("file")) {
                    props.put(CatalogProperties.LOCK_IMPL, LocalFileLockManager.class.getName());
                }
                return CatalogLoader.hadoop(CATALOG_NAME, hadoop, props);
        }
    }

    /**
     * Iceberg's JDBC catalog with the database user and password from the environment of the
     * process that loads it ({@value #JDBC_USER_ENV}, {@value #JDBC_PASSWORD_ENV}), so they are in
     * no file and not in the job's configuration.
     */
    public static final class EnvironmentJdbcCatalog extends JdbcCatalog {

        @Override
        public void initialize(String name, Map<String, String> properties) {
            Map<String, String> withCredentials = new HashMap<>(properties);
            String user = System.getenv(JDBC_USER_ENV);
            String password = System.getenv(JDBC_PASSWORD_ENV);
            if (user != null && !user.isEmpty()) {
                withCredentials.put("jdbc.user", user);
            }
            if (password != null && !password.isEmpty()) {
                withCredentials.put("jdbc.password", password);
            }
            super.initialize(name, withCredentials);
        }
    }

    /**
     * Creates the namespace and the pipeline's tables that do not exist yet, and sets on every one
     * of them how its writers buffer data files ({@code iceberg.write.<table>.*}), also on tables
     * created before.
     */
    public static void ensureTables(Catalog catalog, PipelineConfig config) {
        WeirTables.ensure(catalog, config.namespace(), config.iceberg().tableProperties());
    }

    /**
     * Refuses a catalog on which two jobs cannot commit to one table safely: a Hadoop catalog whose
     * warehouse is neither local (locked by {@link LocalFileLockManager}) nor on HDFS (whose rename
     * refuses an existing target). On an object store a rename is a copy, so one writer's commit
     * can silently replace another's; the jdbc and rest catalogs commit atomically everywhere.
     */
    public static void checkConcurrentCommits(PipelineConfig config) {
        if (!config.catalogType().equals("hadoop")) {
            return; // jdbc and rest commit by a compare-and-swap of the table's pointer
        }
        String scheme = scheme(config.warehouse(), new org.apache.hadoop.conf.Configuration());
        if (!scheme.equals("file") && !scheme.equals("hdfs")) {
            throw new IllegalArgumentException(
                    "iceberg.warehouse "
                            + config.warehouse()
                            + ": a hadoop catalog on '"
                            + scheme
                            + "' cannot take commits from two jobs at once (its rename is not"
                            + " atomic); use a local or HDFS warehouse, or iceberg.catalog-type: jdbc or rest");
        }
    }

    /** The file system scheme of a location; one without a scheme is on Hadoop's default. */
    private static String scheme(String location, org.apache.hadoop.conf.Configuration hadoop) {
        String scheme = new org.apache.hadoop.fs.Path(location).toUri().getScheme();
        return scheme != null ? scheme : FileSystem.getDefaultUri(hadoop).getScheme();
    }
}
