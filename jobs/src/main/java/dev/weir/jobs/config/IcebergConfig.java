package dev.weir.jobs.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.configuration.Configuration;

/**
 * The Iceberg catalog and namespace of the pipeline's tables, and how the maintenance job keeps
 * them small. Part of {@link PipelineConfig}.
 */
public record IcebergConfig(
        String catalogType,
        String warehouse,
        String catalogUri,
        String namespace,
        MaintenanceConfig maintenance) {

    public static final Set<String> CATALOG_TYPES = Set.of("hadoop", "rest");

    /** Reads the {@code iceberg.*} options; parse errors are the caller's to report. */
    static IcebergConfig from(Configuration conf) {
        return new IcebergConfig(
                conf.get(WeirOptions.CATALOG_TYPE),
                conf.get(WeirOptions.WAREHOUSE),
                conf.get(WeirOptions.CATALOG_URI),
                conf.get(WeirOptions.NAMESPACE),
                MaintenanceConfig.from(conf));
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
        } else if (catalogType.equals("hadoop")) {
            PipelineConfig.require(problems, WeirOptions.WAREHOUSE, warehouse);
        } else {
            PipelineConfig.require(problems, WeirOptions.CATALOG_URI, catalogUri);
        }
        problems.addAll(maintenance.problems());
        return problems;
    }
}
