package dev.weir.operators.iceberg;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Iceberg tables the pipeline writes: their schemas, their day-of-event-time partitioning, and
 * creation when missing. Field ids are fixed here forever: Iceberg evolves schemas by id.
 */
public final class WeirTables {

    private static final Logger LOG = LoggerFactory.getLogger(WeirTables.class);

    public static final String EVENTS = "events";
    public static final String SCORES = "scores";
    public static final String DLQ = "dlq";
    public static final String FEATURES = "features";

    /** What the backfill job computes from the events table; same schema as features. */
    public static final String FEATURES_BACKFILL = "features_backfill";

    /** What {@code weir run backfill --score} writes: the scores schema. */
    public static final String SCORES_BACKFILL = "scores_backfill";

    public static final Schema EVENTS_SCHEMA =
            new Schema(
                    Types.NestedField.required(1, "transaction_id", Types.StringType.get()),
                    Types.NestedField.required(2, "account_id", Types.StringType.get()),
                    Types.NestedField.required(3, "card_id", Types.StringType.get()),
                    Types.NestedField.required(4, "merchant_id", Types.StringType.get()),
                    Types.NestedField.required(5, "merchant_category", Types.StringType.get()),
                    Types.NestedField.optional(6, "device_id", Types.StringType.get()),
                    Types.NestedField.required(7, "amount_minor", Types.LongType.get()),
                    Types.NestedField.required(8, "currency", Types.StringType.get()),
                    Types.NestedField.required(9, "country", Types.StringType.get()),
                    Types.NestedField.required(10, "channel", Types.StringType.get()),
                    Types.NestedField.required(11, "event_time", Types.TimestampType.withZone()),
                    Types.NestedField.optional(12, "card_number", Types.StringType.get()),
                    Types.NestedField.optional(13, "email", Types.StringType.get()),
                    Types.NestedField.optional(14, "ip_address", Types.StringType.get()),
                    Types.NestedField.optional(
                            15,
                            "quality_flags",
                            Types.ListType.ofRequired(16, Types.StringType.get())));

    public static final Schema SCORES_SCHEMA =
            new Schema(
                    Types.NestedField.required(1, "transaction_id", Types.StringType.get()),
                    Types.NestedField.required(2, "account_id", Types.StringType.get()),
                    Types.NestedField.required(3, "merchant_id", Types.StringType.get()),
                    Types.NestedField.optional(4, "device_id", Types.StringType.get()),
                    Types.NestedField.required(5, "score", Types.DoubleType.get()),
                    Types.NestedField.required(6, "decision", Types.StringType.get()),
                    Types.NestedField.required(7, "model_name", Types.StringType.get()),
                    Types.NestedField.required(8, "model_version", Types.StringType.get()),
                    Types.NestedField.required(
                            9, "features", Types.ListType.ofRequired(12, Types.DoubleType.get())),
                    Types.NestedField.required(10, "event_time", Types.TimestampType.withZone()),
                    Types.NestedField.required(11, "scoring_time", Types.TimestampType.withZone()),
                    Types.NestedField.optional(13, "batch_size", Types.IntegerType.get()),
                    Types.NestedField.optional(14, "scoring_latency_micros", Types.LongType.get()),
                    Types.NestedField.optional(15, "challenger_version", Types.StringType.get()),
                    Types.NestedField.optional(16, "challenger_score", Types.DoubleType.get()),
                    Types.NestedField.optional(
                            17,
                            "reasons",
                            Types.ListType.ofRequired(
                                    18,
                                    Types.StructType.of(
                                            Types.NestedField.required(
                                                    19, "feature", Types.StringType.get()),
                                            Types.NestedField.required(
                                                    20, "contribution", Types.DoubleType.get()))),
                            "Reason codes: the features with the largest contributions to the"
                                    + " score, largest first (Score.reasons)"));

    public static final Schema DLQ_SCHEMA =
            new Schema(
                    Types.NestedField.required(1, "raw", Types.BinaryType.get()),
                    Types.NestedField.required(2, "source_topic", Types.StringType.get()),
                    Types.NestedField.required(3, "source_partition", Types.IntegerType.get()),
                    Types.NestedField.required(4, "source_offset", Types.LongType.get()),
                    Types.NestedField.required(5, "reason", Types.StringType.get()),
                    Types.NestedField.optional(6, "error_class", Types.StringType.get()),
                    Types.NestedField.required(
                            7, "dead_letter_time", Types.TimestampType.withZone()),
                    Types.NestedField.optional(8, "raw_sealed", Types.BooleanType.get()));

    /**
     * Monitoring facts per event-time window: quality, drift, performance, agreement, model events.
     */
    public static final String MONITORING = "monitoring";

    public static final Schema MONITORING_SCHEMA =
            new Schema(
                    Types.NestedField.required(1, "kind", Types.StringType.get()),
                    Types.NestedField.required(2, "subject", Types.StringType.get()),
                    Types.NestedField.required(3, "window_start", Types.TimestampType.withZone()),
                    Types.NestedField.required(4, "window_end", Types.TimestampType.withZone()),
                    Types.NestedField.optional(5, "model_name", Types.StringType.get()),
                    Types.NestedField.optional(6, "model_version", Types.StringType.get()),
                    Types.NestedField.required(7, "alert", Types.BooleanType.get()),
                    Types.NestedField.required(
                            8,
                            "values",
                            Types.MapType.ofRequired(
                                    11, 12, Types.StringType.get(), Types.DoubleType.get())),
                    Types.NestedField.required(
                            9,
                            "thresholds",
                            Types.MapType.ofRequired(
                                    13, 14, Types.StringType.get(), Types.DoubleType.get())),
                    Types.NestedField.optional(10, "note", Types.StringType.get()));

    /** One row per scored event: exactly the vector the model saw, by feature name. */
    public static final Schema FEATURES_SCHEMA =
            new Schema(
                    Types.NestedField.required(1, "transaction_id", Types.StringType.get()),
                    Types.NestedField.required(2, "account_id", Types.StringType.get()),
                    Types.NestedField.required(3, "merchant_id", Types.StringType.get()),
                    Types.NestedField.optional(4, "device_id", Types.StringType.get()),
                    Types.NestedField.required(5, "event_time", Types.TimestampType.withZone()),
                    Types.NestedField.required(6, "feature_set_version", Types.StringType.get()),
                    Types.NestedField.required(
                            7,
                            "features",
                            Types.MapType.ofRequired(
                                    9, 10, Types.StringType.get(), Types.DoubleType.get())),
                    Types.NestedField.required(
                            8, "warming", Types.ListType.ofRequired(11, Types.StringType.get())));

    /**
     * Labelled feature vectors for training (written by weir train --from-iceberg; unpartitioned).
     */
    public static final String TRAINING_SET = "training_set";

    public static final Schema TRAINING_SET_SCHEMA =
            new Schema(
                    Types.NestedField.required(1, "transaction_id", Types.StringType.get()),
                    Types.NestedField.required(2, "event_time", Types.TimestampType.withZone()),
                    Types.NestedField.required(3, "label_time", Types.TimestampType.withZone()),
                    Types.NestedField.required(4, "is_fraud", Types.BooleanType.get()),
                    Types.NestedField.required(5, "feature_set_version", Types.StringType.get()),
                    Types.NestedField.required(
                            6,
                            "features",
                            Types.MapType.ofRequired(
                                    8, 9, Types.StringType.get(), Types.DoubleType.get())),
                    Types.NestedField.required(7, "features_snapshot_id", Types.LongType.get()));

    /**
     * The audit trail of the path to live: one row per change of a model version's stage, an
     * accepted promotion with every gate and its evidence, or an ungated rollback or challenger
     * with why it was not gated (written by weir models promote, rollback and challenger and by the
     * retrain listener; unpartitioned, a few rows a day at most).
     */
    public static final String PROMOTIONS = "promotions";

    public static final Schema PROMOTIONS_SCHEMA =
            new Schema(
                    Types.NestedField.required(1, "promoted_at", Types.TimestampType.withZone()),
                    Types.NestedField.required(2, "model_name", Types.StringType.get()),
                    Types.NestedField.required(3, "model_version", Types.StringType.get()),
                    Types.NestedField.required(4, "from_stage", Types.StringType.get()),
                    Types.NestedField.required(5, "to_stage", Types.StringType.get()),
                    Types.NestedField.required(6, "promoted_by", Types.StringType.get()),
                    Types.NestedField.required(
                            7,
                            "forced",
                            Types.BooleanType.get(),
                            "Promoted with failing gates (--force)"),
                    Types.NestedField.optional(8, "reason", Types.StringType.get()),
                    Types.NestedField.required(
                            9,
                            "gates",
                            Types.ListType.ofRequired(
                                    10,
                                    Types.StructType.of(
                                            Types.NestedField.required(
                                                    11, "gate", Types.StringType.get()),
                                            Types.NestedField.required(
                                                    12, "passed", Types.BooleanType.get()),
                                            Types.NestedField.optional(
                                                    13,
                                                    "measured",
                                                    Types.DoubleType.get(),
                                                    "Null when there was no evidence"),
                                            Types.NestedField.required(
                                                    14, "comparison", Types.StringType.get()),
                                            Types.NestedField.required(
                                                    15, "threshold", Types.DoubleType.get()),
                                            Types.NestedField.optional(
                                                    16, "count", Types.LongType.get()),
                                            Types.NestedField.optional(
                                                    17, "detail", Types.StringType.get())))),
                    Types.NestedField.optional(
                            18,
                            "ungated",
                            Types.StringType.get(),
                            "Null for a gated promotion; else why no gate was judged (rollback,"
                                    + " challenger set or cleared directly)"));

    private static final Map<String, Schema> SCHEMAS =
            Map.of(
                    EVENTS,
                    EVENTS_SCHEMA,
                    SCORES,
                    SCORES_SCHEMA,
                    DLQ,
                    DLQ_SCHEMA,
                    FEATURES,
                    FEATURES_SCHEMA,
                    MONITORING,
                    MONITORING_SCHEMA);

    private static final Map<String, String> PARTITION_TIME =
            Map.of(
                    EVENTS,
                    "event_time",
                    SCORES,
                    "event_time",
                    DLQ,
                    "dead_letter_time",
                    FEATURES,
                    "event_time",
                    MONITORING,
                    "window_start");

    /**
     * Properties of every table Weir creates: format version 2, Parquet, old metadata files
     * deleted, and each writer subtask writing the rows it receives. Each commit (one per
     * checkpoint) writes a new metadata file; the commit then deletes those beyond the last 100
     * ({@code write.metadata.previous-versions-max}), which Iceberg otherwise keeps forever. With
     * distribution mode {@code none} no shuffle is put before the writers (the job graph does not
     * depend on a table property), and a catch-up of one day is written by every subtask rather
     * than by the one its day partition hashes to.
     */
    public static final Map<String, String> TABLE_PROPERTIES =
            Map.of(
                    "format-version",
                    "2",
                    "write.format.default",
                    "parquet",
                    TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED,
                    "true",
                    TableProperties.WRITE_DISTRIBUTION_MODE,
                    TableProperties.WRITE_DISTRIBUTION_MODE_NONE);

    /**
     * Properties an earlier release did not set, added to its tables unless they set them either
     * way.
     */
    private static final List<String> ADDED_WHEN_MISSING =
            List.of(
                    TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED,
                    TableProperties.WRITE_DISTRIBUTION_MODE);

    private WeirTables() {}

    public static PartitionSpec partitionSpec(String table) {
        return PartitionSpec.builderFor(SCHEMAS.get(table)).day(PARTITION_TIME.get(table)).build();
    }

    /**
     * Brings a table written by an earlier release up to the current schema: optional columns added
     * since are added (Iceberg evolves by field id; old rows read them as null).
     */
    public static void addMissingColumns(org.apache.iceberg.Table table, Schema current) {
        org.apache.iceberg.UpdateSchema update = null;
        for (Types.NestedField field : current.columns()) {
            if (table.schema().findField(field.name()) == null) {
                if (field.isRequired()) {
                    throw new IllegalStateException(
                            "table "
                                    + table.name()
                                    + " lacks required column "
                                    + field.name()
                                    + "; required columns cannot be added to existing tables");
                }
                update = update == null ? table.updateSchema() : update;
                update.addColumn(field.name(), field.type(), field.doc());
            }
        }
        if (update != null) {
            update.commit();
            LOG.info("added columns to Iceberg table {}", table.name());
        }
    }

    /**
     * Sets on a table what {@link #TABLE_PROPERTIES} adds when missing, and every one of {@code
     * required} that differs, in one commit; none when nothing differs.
     */
    static void updateProperties(org.apache.iceberg.Table table, Map<String, String> required) {
        Map<String, String> changes = new TreeMap<>();
        for (String key : ADDED_WHEN_MISSING) {
            if (!table.properties().containsKey(key)) {
                changes.put(key, TABLE_PROPERTIES.get(key));
            }
        }
        required.forEach(
                (key, value) -> {
                    if (!value.equals(table.properties().get(key))) {
                        changes.put(key, value);
                    }
                });
        if (!changes.isEmpty()) {
            org.apache.iceberg.UpdateProperties update = table.updateProperties();
            changes.forEach(update::set);
            update.commit();
            LOG.info("Iceberg table {}: set {}", table.name(), changes);
        }
    }

    /** Creates a table with the features schema under another name (backfill output). */
    public static void ensureFeaturesTable(Catalog catalog, String namespace, String table) {
        ensureFeaturesTable(catalog, namespace, table, Map.of());
    }

    /**
     * Creates a table with the features schema under another name (backfill output), with {@code
     * writeProperties} besides {@link #TABLE_PROPERTIES}, or sets them on it when it exists.
     */
    public static void ensureFeaturesTable(
            Catalog catalog, String namespace, String table, Map<String, String> writeProperties) {
        ensureTableLike(catalog, namespace, table, FEATURES, writeProperties);
    }

    /**
     * Creates a table with the schema and partitioning of the pipeline table {@code like} under
     * another name (a backfill's output), with {@code writeProperties} besides {@link
     * #TABLE_PROPERTIES}; or, when it exists, adds the columns {@code like} gained since and sets
     * the properties.
     */
    public static void ensureTableLike(
            Catalog catalog,
            String namespace,
            String table,
            String like,
            Map<String, String> writeProperties) {
        Schema schema = SCHEMAS.get(like);
        if (schema == null) {
            throw new IllegalArgumentException("no pipeline table '" + like + "'");
        }
        Map<String, String> write = writeProperties == null ? Map.of() : writeProperties;
        TableIdentifier id = TableIdentifier.of(Namespace.of(namespace), table);
        if (!catalog.tableExists(id)) {
            catalog.createTable(id, schema, partitionSpec(like), properties(write));
            LOG.info("created Iceberg table {}", id);
        } else {
            org.apache.iceberg.Table existing = catalog.loadTable(id);
            addMissingColumns(existing, schema);
            updateProperties(existing, write);
        }
    }

    /** Creates the namespace and every pipeline table that does not exist yet. */
    public static void ensure(Catalog catalog, String namespace) {
        ensure(catalog, namespace, Map.of());
    }

    /**
     * Creates the namespace and every pipeline table that does not exist yet, and brings those that
     * exist up to date: columns added since, and {@code writeProperties} of the table (by table
     * name: how its writers buffer data files) set where they differ, so that a changed
     * configuration reaches the tables at the next start.
     */
    public static void ensure(
            Catalog catalog, String namespace, Map<String, Map<String, String>> writeProperties) {
        Namespace ns = Namespace.of(namespace);
        if (catalog instanceof SupportsNamespaces namespaces && !namespaces.namespaceExists(ns)) {
            namespaces.createNamespace(ns);
        }
        for (Map.Entry<String, Schema> table : SCHEMAS.entrySet()) {
            TableIdentifier id = TableIdentifier.of(ns, table.getKey());
            Map<String, String> write = writeProperties.getOrDefault(table.getKey(), Map.of());
            if (!catalog.tableExists(id)) {
                catalog.createTable(
                        id, table.getValue(), partitionSpec(table.getKey()), properties(write));
                LOG.info("created Iceberg table {}", id);
            } else {
                org.apache.iceberg.Table existing = catalog.loadTable(id);
                addMissingColumns(existing, table.getValue());
                updateProperties(existing, write);
            }
        }
    }

    private static Map<String, String> properties(Map<String, String> writeProperties) {
        Map<String, String> properties = new HashMap<>(TABLE_PROPERTIES);
        properties.putAll(writeProperties);
        return properties;
    }
}
