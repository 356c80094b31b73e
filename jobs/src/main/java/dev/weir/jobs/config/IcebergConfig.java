package dev.weir.jobs.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;

/**
 * The Iceberg catalog and namespace of the pipeline's tables, how the tables' files are reached on
 * S3, how the writers buffer them, and how the maintenance job keeps them small. Part of {@link
 * PipelineConfig}.
 *
 * @param s3Endpoint the endpoint of an S3-compatible store, null for AWS S3
 * @param writes each pipeline table's write buffers, by table name
 */
public record IcebergConfig(
        String catalogType,
        String warehouse,
        String catalogUri,
        String namespace,
        MaintenanceConfig maintenance,
        String s3Endpoint,
        boolean s3PathStyleAccess,
        Map<String, TableWriteConfig> writes) {

    public static final Set<String> CATALOG_TYPES = Set.of("hadoop", "jdbc", "rest");

    /** URI schemes of object stores, which cannot rename a file atomically. */
    static final Set<String> OBJECT_STORE_SCHEMES =
            Set.of("s3", "s3a", "s3n", "gs", "oss", "wasb", "wasbs", "abfs", "abfss");

    /** URI schemes that Iceberg's S3FileIO reads and writes. */
    static final Set<String> S3_SCHEMES = Set.of("s3", "s3a", "s3n");

    /** Reads the {@code iceberg.*} options; parse errors are the caller's to report. */
    static IcebergConfig from(Configuration conf) {
        String endpoint = conf.get(WeirOptions.ICEBERG_S3_ENDPOINT);
        return new IcebergConfig(
                conf.get(WeirOptions.CATALOG_TYPE),
                conf.get(WeirOptions.WAREHOUSE),
                conf.get(WeirOptions.CATALOG_URI),
                conf.get(WeirOptions.NAMESPACE),
                MaintenanceConfig.from(conf),
                endpoint == null || endpoint.isBlank() ? null : endpoint,
                conf.get(WeirOptions.ICEBERG_S3_PATH_STYLE),
                TableWriteConfig.from(conf));
    }

    /**
     * The Iceberg properties of each pipeline table's writers ({@link
     * TableWriteConfig#tableProperties()}), by table name: what {@code WeirTables.ensure} sets.
     */
    public Map<String, Map<String, String>> tableProperties() {
        Map<String, Map<String, String>> properties = new java.util.LinkedHashMap<>();
        writes.forEach((table, write) -> properties.put(table, write.tableProperties()));
        return properties;
    }

    /** Whether the tables' files are on S3 (or an S3-compatible store), read with S3FileIO. */
    public boolean warehouseOnS3() {
        return S3_SCHEMES.contains(scheme(warehouse)) || s3Endpoint != null;
    }

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        PipelineConfig.require(problems, WeirOptions.NAMESPACE, namespace);
        if (!CATALOG_TYPES.contains(catalogType)) {
            problems.add(
                    WeirOptions.CATALOG_TYPE.key()
                            + " must be one of "
                            + CATALOG_TYPES
                            + ", got '"
                            + catalogType
                            + "'");
            return problems;
        }
        if (!catalogType.equals("rest")) {
            PipelineConfig.require(problems, WeirOptions.WAREHOUSE, warehouse);
        }
        if (!catalogType.equals("hadoop")) {
            PipelineConfig.require(problems, WeirOptions.CATALOG_URI, catalogUri);
        }
        problems.addAll(maintenance.problems());
        writes.values().forEach(write -> problems.addAll(write.problems()));
        if (catalogType.equals("jdbc")
                && catalogUri != null
                && !catalogUri.isBlank()
                && !catalogUri.startsWith("jdbc:")) {
            problems.add(
                    WeirOptions.CATALOG_URI.key()
                            + " of a jdbc catalog is a JDBC URL (jdbc:postgresql://..., jdbc:sqlite:...),"
                            + " got '"
                            + catalogUri
                            + "'");
        }
        if (catalogType.equals("hadoop") && OBJECT_STORE_SCHEMES.contains(scheme(warehouse))) {
            problems.add(
                    WeirOptions.CATALOG_TYPE.key()
                            + " hadoop commits by renaming a file, which "
                            + scheme(warehouse)
                            + ":// cannot do atomically (two commits could both succeed and one be"
                            + " lost): use jdbc or rest for a warehouse on an object store");
        }
        return problems;
    }

    /** The lower-case URI scheme of a location; empty for a path or no location. */
    private static String scheme(String location) {
        if (location == null) {
            return "";
        }
        try {
            String scheme = new URI(location).getScheme();
            return scheme == null ? "" : scheme.toLowerCase(java.util.Locale.ROOT);
        } catch (URISyntaxException e) {
            return "";
        }
    }
}
