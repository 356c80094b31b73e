package dev.weir.jobs.pipeline;

import dev.weir.jobs.config.PipelineConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.flink.CatalogLoader;

/** Builds the Iceberg catalog loader the config names. */
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
        return CatalogLoader.hadoop(CATALOG_NAME, hadoop, props);
    }
}
