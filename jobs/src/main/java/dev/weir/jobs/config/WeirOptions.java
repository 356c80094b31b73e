package dev.weir.jobs.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.weir.operators.features.FeatureOrdering;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.wire.WireFormat;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;

/**
 * Every option of the pipeline job (and of the maintenance job, which reads the same file): key,
 * type, default and meaning. Options marked "never change on a running deployment" are identities
 * that Kafka transactions, consumer offsets or Iceberg commits are bound to across restarts.
 */
public final class WeirOptions {

    public static final ConfigOption<String> KAFKA_BOOTSTRAP =
            key("kafka.bootstrap-servers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Kafka brokers, host:port[,host:port...]. Required.");

    public static final ConfigOption<String> TOPIC_TRANSACTIONS =
            key("kafka.topics.transactions")
                    .stringType()
                    .defaultValue("weir.transactions")
                    .withDescription("Input topic of Avro transactions.");

    public static final ConfigOption<String> TOPIC_SCORES =
            key("kafka.topics.scores")
                    .stringType()
                    .defaultValue("weir.scores")
                    .withDescription("Output topic of scores (exactly once).");

    public static final ConfigOption<String> TOPIC_DECISIONS =
            key("kafka.topics.decisions")
                    .stringType()
                    .defaultValue("weir.decisions")
                    .withDescription(
                            "Output topic of the decisions, the fast path: each score as soon as it is computed,"
                                    + " at least once (no transaction), keyed by transaction id; a consumer drops a"
                                    + " repeat of a transaction id and model version. Must differ from"
                                    + " kafka.topics.scores, the exactly-once record.");

    public static final ConfigOption<String> TOPIC_ENTITY_FEATURES =
            key("kafka.topics.entity-features")
                    .stringType()
                    .defaultValue("weir.entity-features")
                    .withDescription(
                            "Output topic of each entity's latest feature values (features.publish):"
                                    + " compacted, keyed by <entity>/<id>, at least once (no transaction);"
                                    + " weir serve reads it. Must differ from every other topic.");

    public static final ConfigOption<String> TOPIC_DLQ =
            key("kafka.topics.dlq")
                    .stringType()
                    .defaultValue("weir.dlq")
                    .withDescription("Output topic of dead letters (exactly once).");

    public static final ConfigOption<String> TOPIC_MODEL_CONTROL =
            key("kafka.topics.model-control")
                    .stringType()
                    .defaultValue("weir.model-control")
                    .withDescription(
                            "Model-control commands (weir models promote|rollback --bootstrap ...).");

    public static final ConfigOption<String> TOPIC_LABELS =
            key("kafka.topics.labels")
                    .stringType()
                    .defaultValue("weir.labels")
                    .withDescription(
                            "Input topic of late ground truth (Avro Label), joined with the scores.");

    public static final ConfigOption<String> TOPIC_MONITORING =
            key("kafka.topics.monitoring")
                    .stringType()
                    .defaultValue("weir.monitoring")
                    .withDescription("Output topic of monitoring records (exactly once).");

    public static final ConfigOption<String> GROUP_ID =
            key("kafka.group-id")
                    .stringType()
                    .defaultValue("weir-pipeline")
                    .withDescription(
                            "Consumer group of the transactions source. Never change on a running deployment.");

    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX =
            key("kafka.transactional-id-prefix")
                    .stringType()
                    .defaultValue("weir-pipeline")
                    .withDescription(
                            "Prefix of the Kafka transactional ids of the exactly-once sinks; unique per"
                                    + " application. Never change on a running deployment.");

    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT =
            key("kafka.transaction-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "Kafka transaction timeout of the sinks: longer than the longest checkpoint plus"
                                    + " restart, at most the broker's transaction.max.timeout.ms (15 min by default).");

    public static final ConfigOption<String> STARTING_OFFSETS =
            key("kafka.starting-offsets")
                    .stringType()
                    .defaultValue("committed-or-earliest")
                    .withDescription(
                            "Where a job without state starts reading: committed-or-earliest, earliest, latest, or"
                                    + " timestamp:ISO-INSTANT (each partition's first record with a Kafka timestamp at or"
                                    + " after it; its end when there is none). A job restored from a checkpoint or"
                                    + " savepoint resumes from its state; one started from a `weir bootstrap`"
                                    + " savepoint has no source state and starts here.");

    public static final ConfigOption<Map<String, String>> KAFKA_PROPERTIES =
            key("kafka.properties")
                    .mapType()
                    .defaultValue(Map.of())
                    .withDescription(
                            "Kafka client properties of every source and sink of the pipeline, one key each"
                                    + " (kafka.properties.security.protocol: SASL_SSL). A secret is never"
                                    + " written here: it comes from the environment through a Kafka config"
                                    + " provider (kafka.properties.config.providers: env, and the value"
                                    + " ${env:VARIABLE}). Keys the pipeline sets itself are refused.");

    public static final ConfigOption<MemorySize> PRODUCER_BUFFER_MEMORY =
            key("kafka.producer.buffer-memory")
                    .memoryType()
                    .defaultValue(MemorySize.ofMebiBytes(4))
                    .withDescription(
                            "Kafka's buffer.memory for each producer of the pipeline's sinks: records"
                                    + " waiting for the broker, at most this much per producer (an"
                                    + " exactly-once sink keeps two producers alive, one per open"
                                    + " transaction); a full buffer blocks the sink, which holds the job"
                                    + " back. At least 1 mb, the largest record Kafka sends by default.");
    private static final String FORMAT_VALUES =
            " single-object: Avro single-object encoding (the writer schema's fingerprint in each"
                    + " record); confluent: Confluent's wire format (the writer schema's id in"
                    + " schema-registry.url in each record).";

    public static final ConfigOption<WireFormat> FORMAT_TRANSACTIONS =
            key("kafka.formats.transactions")
                    .enumType(WireFormat.class)
                    .defaultValue(WireFormat.SINGLE_OBJECT)
                    .withDescription(
                            "Wire format of the transactions topic's values." + FORMAT_VALUES);

    public static final ConfigOption<WireFormat> FORMAT_LABELS =
            key("kafka.formats.labels")
                    .enumType(WireFormat.class)
                    .defaultValue(WireFormat.SINGLE_OBJECT)
                    .withDescription("Wire format of the labels topic's values." + FORMAT_VALUES);

    public static final ConfigOption<WireFormat> FORMAT_SCORES =
            key("kafka.formats.scores")
                    .enumType(WireFormat.class)
                    .defaultValue(WireFormat.SINGLE_OBJECT)
                    .withDescription(
                            "Wire format the scores are written in; confluent registers the schema"
                                    + " under <topic>-value with BACKWARD compatibility at start."
                                    + FORMAT_VALUES);

    public static final ConfigOption<WireFormat> FORMAT_DECISIONS =
            key("kafka.formats.decisions")
                    .enumType(WireFormat.class)
                    .defaultValue(WireFormat.SINGLE_OBJECT)
                    .withDescription(
                            "Wire format the decisions are written in (as for the scores)."
                                    + FORMAT_VALUES);

    public static final ConfigOption<WireFormat> FORMAT_DLQ =
            key("kafka.formats.dlq")
                    .enumType(WireFormat.class)
                    .defaultValue(WireFormat.SINGLE_OBJECT)
                    .withDescription(
                            "Wire format the dead letters are written in (as for the scores)."
                                    + FORMAT_VALUES);

    public static final ConfigOption<WireFormat> FORMAT_MONITORING =
            key("kafka.formats.monitoring")
                    .enumType(WireFormat.class)
                    .defaultValue(WireFormat.SINGLE_OBJECT)
                    .withDescription(
                            "Wire format the monitoring records are written in (as for the scores);"
                                    + " the governor reads single-object only."
                                    + FORMAT_VALUES);

    public static final ConfigOption<String> SCHEMA_REGISTRY_URL =
            key("schema-registry.url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Base URL of a schema registry with the Confluent Schema Registry REST API"
                                    + " (Confluent, Apicurio Registry's /apis/ccompat/v7, Karapace,"
                                    + " Redpanda); required when a topic's format is confluent. Credentials"
                                    + " come from the environment variables WEIR_SCHEMA_REGISTRY_USER and"
                                    + " WEIR_SCHEMA_REGISTRY_PASSWORD of every process that talks to it"
                                    + " (the one starting the job and every TaskManager), never from here.");

    public static final ConfigOption<String> CATALOG_TYPE =
            key("iceberg.catalog-type")
                    .stringType()
                    .defaultValue("hadoop")
                    .withDescription(
                            "Iceberg catalog: hadoop (metadata in the warehouse directory; needs a file system"
                                    + " that renames atomically, so not an object store), jdbc (a SQL database at"
                                    + " iceberg.uri, safe on any warehouse; user and password from the environment"
                                    + " variables WEIR_ICEBERG_JDBC_USER and WEIR_ICEBERG_JDBC_PASSWORD) or rest.");

    public static final ConfigOption<String> WAREHOUSE =
            key("iceberg.warehouse")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Iceberg warehouse location: a path, a Hadoop file system URI or s3://bucket/path"
                                    + " (read and written with Iceberg's S3FileIO, credentials from the AWS"
                                    + " environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION).");

    public static final ConfigOption<String> CATALOG_URI =
            key("iceberg.uri")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "URI of a REST catalog (iceberg.catalog-type: rest) or the JDBC URL of a jdbc catalog.");

    public static final ConfigOption<String> ICEBERG_S3_ENDPOINT =
            key("iceberg.s3.endpoint")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Endpoint of an S3-compatible store for the warehouse (e.g. http://minio:9000);"
                                    + " empty: AWS S3.");

    public static final ConfigOption<Boolean> ICEBERG_S3_PATH_STYLE =
            key("iceberg.s3.path-style-access")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Address buckets as endpoint/bucket/key instead of bucket.endpoint/key, as most"
                                    + " S3-compatible stores need.");

    public static final ConfigOption<String> NAMESPACE =
            key("iceberg.namespace")
                    .stringType()
                    .defaultValue("weir")
                    .withDescription("Iceberg namespace of the pipeline's tables.");

    /** Compaction's target (128 MB): a file the writer rolls at this size stays as it is. */
    private static final MemorySize TARGET_FILE_SIZE = MemorySize.ofMebiBytes(128);

    /**
     * The Parquet buffers of the pipeline's Iceberg writers, per table: {@code
     * iceberg.write.<table>.row-group-size}, {@code .page-size}, {@code .dict-size} and {@code
     * .target-file-size}, set on the tables as Iceberg's {@code write.parquet.*} and {@code
     * write.target-file-size-bytes} properties. The defaults and the memory they bound are in the
     * root README ("Memory").
     */
    public static final Map<String, TableWriteOptions> ICEBERG_WRITE =
            tableWrites(
                    new TableWriteDefaults(WeirTables.EVENTS, 8 << 10, 256, 256),
                    new TableWriteDefaults(WeirTables.SCORES, 8 << 10, 256, 256),
                    new TableWriteDefaults(WeirTables.FEATURES, 8 << 10, 256, 256),
                    new TableWriteDefaults(WeirTables.DLQ, 4 << 10, 256, 256),
                    new TableWriteDefaults(WeirTables.MONITORING, 2 << 10, 64, 64));

    /** The four write options of one table. */
    public record TableWriteOptions(
            ConfigOption<MemorySize> rowGroupSize,
            ConfigOption<MemorySize> pageSize,
            ConfigOption<MemorySize> dictSize,
            ConfigOption<MemorySize> targetFileSize) {

        List<ConfigOption<MemorySize>> all() {
            return List.of(rowGroupSize, pageSize, dictSize, targetFileSize);
        }
    }

    /** A table's defaults, in KiB. */
    private record TableWriteDefaults(String table, int rowGroupKb, int pageKb, int dictKb) {}

    private static Map<String, TableWriteOptions> tableWrites(TableWriteDefaults... tables) {
        Map<String, TableWriteOptions> options = new java.util.LinkedHashMap<>();
        for (TableWriteDefaults t : tables) {
            String prefix = "iceberg.write." + t.table() + ".";
            options.put(
                    t.table(),
                    new TableWriteOptions(
                            key(prefix + "row-group-size")
                                    .memoryType()
                                    .defaultValue(new MemorySize(t.rowGroupKb() * 1024L))
                                    .withDescription(
                                            "Parquet row group of the "
                                                    + t.table()
                                                    + " table (write.parquet.row-group-size-bytes):"
                                                    + " each open data file buffers this much on the"
                                                    + " heap before it writes a row group out."),
                            key(prefix + "page-size")
                                    .memoryType()
                                    .defaultValue(new MemorySize(t.pageKb() * 1024L))
                                    .withDescription(
                                            "Parquet page of the "
                                                    + t.table()
                                                    + " table (write.parquet.page-size-bytes): the"
                                                    + " values each column of an open file holds"
                                                    + " before they are encoded and compressed."),
                            key(prefix + "dict-size")
                                    .memoryType()
                                    .defaultValue(new MemorySize(t.dictKb() * 1024L))
                                    .withDescription(
                                            "Largest Parquet dictionary of a column of the "
                                                    + t.table()
                                                    + " table (write.parquet.dict-size-bytes);"
                                                    + " beyond it the column falls back to plain"
                                                    + " encoding. On the heap a dictionary takes"
                                                    + " several times this."),
                            key(prefix + "target-file-size")
                                    .memoryType()
                                    .defaultValue(TARGET_FILE_SIZE)
                                    .withDescription(
                                            "Data file size at which a writer of the "
                                                    + t.table()
                                                    + " table starts a new file"
                                                    + " (write.target-file-size-bytes); a"
                                                    + " checkpoint closes every open file anyway.")));
        }
        return java.util.Collections.unmodifiableMap(options);
    }

    public static final ConfigOption<Integer> MAINTENANCE_PARALLELISM =
            key("iceberg.maintenance.parallelism")
                    .intType()
                    .defaultValue(1)
                    .withDescription(
                            "Parallelism of the table maintenance job's parallel steps (rewriting"
                                    + " compaction groups, reading file lists, deleting files); its other"
                                    + " steps run once per table. At 1 the job needs one task slot.");

    public static final ConfigOption<Duration> MAINTENANCE_RATE_LIMIT =
            key("iceberg.maintenance.rate-limit")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "The table maintenance job looks for new commits to each table this often and"
                                    + " starts at most one run (compaction, expiry or orphan removal) per table"
                                    + " this often; whole seconds, at least 1 s.");

    public static final ConfigOption<MemorySize> MAINTENANCE_TARGET_FILE_SIZE =
            key("iceberg.maintenance.rewrite.target-file-size")
                    .memoryType()
                    .defaultValue(MemorySize.ofMebiBytes(128))
                    .withDescription(
                            "Size of the data files compaction writes; files under 75% of it are compacted.");

    public static final ConfigOption<Integer> MAINTENANCE_REWRITE_COMMIT_COUNT =
            key("iceberg.maintenance.rewrite.commit-count")
                    .intType()
                    .defaultValue(10)
                    .withDescription(
                            "Compacts a table after this many commits to it (the pipeline commits once per checkpoint).");

    public static final ConfigOption<Duration> MAINTENANCE_REWRITE_INTERVAL =
            key("iceberg.maintenance.rewrite.interval")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "Compacts a table this long after its last compaction when it had fewer commits.");

    public static final ConfigOption<Duration> MAINTENANCE_SNAPSHOT_MAX_AGE =
            key("iceberg.maintenance.expire-snapshots.max-age")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "Snapshots older than this are expired (and the files only they reference deleted),"
                                    + " except the last retain-last ones and those a tag or branch references"
                                    + " (weir train tags the snapshots a model is trained on). Time travel reaches"
                                    + " back this far.");

    public static final ConfigOption<Integer> MAINTENANCE_SNAPSHOT_RETAIN_LAST =
            key("iceberg.maintenance.expire-snapshots.retain-last")
                    .intType()
                    .defaultValue(10)
                    .withDescription(
                            "Snapshots kept however old, at least 2: the pipeline's Iceberg committer finds the"
                                    + " last checkpoint it committed by walking back from the current snapshot past"
                                    + " compactions, also when it restarts after a stop during which maintenance went"
                                    + " on.");

    public static final ConfigOption<Integer> MAINTENANCE_EXPIRE_COMMIT_COUNT =
            key("iceberg.maintenance.expire-snapshots.commit-count")
                    .intType()
                    .defaultValue(10)
                    .withDescription("Expires snapshots after this many commits to a table.");

    public static final ConfigOption<Duration> MAINTENANCE_EXPIRE_INTERVAL =
            key("iceberg.maintenance.expire-snapshots.interval")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "Expires snapshots this long after the last expiry when there were fewer commits"
                                    + " (an idle pipeline still commits an empty snapshot every ten checkpoints).");

    public static final ConfigOption<Duration> MAINTENANCE_ORPHAN_MIN_AGE =
            key("iceberg.maintenance.orphan-files.min-age")
                    .durationType()
                    .defaultValue(Duration.ofDays(3))
                    .withDescription(
                            "Files in a table's location that no snapshot references are deleted once older"
                                    + " than this, at least 1 d: a file being written or waiting for its"
                                    + " checkpoint is referenced by nothing yet.");

    public static final ConfigOption<Duration> MAINTENANCE_ORPHAN_INTERVAL =
            key("iceberg.maintenance.orphan-files.interval")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription("How often orphan files are looked for.");

    public static final ConfigOption<String> MODEL_DIR =
            key("model.dir")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Directory with model.zip and metadata.json, readable from every TaskManager: a"
                                    + " path or a URI of a Flink file system (s3://bucket/model, with the"
                                    + " cluster's S3 plugin). Either this or model.registry is required.");

    public static final ConfigOption<String> MODEL_REGISTRY =
            key("model.registry")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Model registry root, readable from every TaskManager (a path or a URI such as"
                                    + " s3://bucket/registry): the job scores with the champion of model.name,"
                                    + " checked against its checksum.");

    public static final ConfigOption<String> MODEL_NAME =
            key("model.name")
                    .stringType()
                    .defaultValue("fraud-mlp")
                    .withDescription("Name of the model in model.registry.");

    public static final ConfigOption<String> FEATURE_DEFINITIONS =
            key("features.definitions")
                    .stringType()
                    .defaultValue("")
                    .withDescription(
                            "YAML file of the feature set (entities and features, state/README.md); empty: the"
                                    + " bundled card-fraud reference set. The model must be trained on the same set.");

    public static final ConfigOption<Integer> SCORING_MAX_BATCH =
            key("scoring.max-batch-size")
                    .intType()
                    .defaultValue(64)
                    .withDescription("Events scored together in one forward pass, at most.");

    public static final ConfigOption<Duration> SCORING_MAX_WAIT =
            key("scoring.max-wait")
                    .durationType()
                    .defaultValue(Duration.ofMillis(10))
                    .withDescription(
                            "How long an event may wait for its batch to fill; 0 scores each event alone.");

    public static final ConfigOption<Integer> SCORING_REASONS_TOP =
            key("scoring.reasons.top")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "Reason codes per score: the features with the largest contributions to it, by"
                                    + " integrated gradients against the mean training vector, computed in the"
                                    + " same micro-batch as the score; 0 turns them off.");

    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            key("pipeline.checkpoint-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "Checkpoint interval. Kafka and Iceberg output becomes visible when a checkpoint completes.");

    public static final ConfigOption<Duration> BUFFER_TIMEOUT =
            key("pipeline.buffer-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMillis(10))
                    .withDescription(
                            "How long a network buffer between operators may wait to fill before it is sent"
                                    + " (Flink's default is 100 ms). Every shuffle (one per entity stage) adds up to"
                                    + " this much to a decision's latency; a longer timeout sends fuller buffers, which"
                                    + " raises the throughput a TaskManager sustains and lowers its network and CPU"
                                    + " cost; 0 sends every record at once (lowest latency, lowest throughput).");

    public static final ConfigOption<Duration> SIDE_BUFFER_TIMEOUT =
            key("pipeline.side-buffer-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMillis(100))
                    .withDescription(
                            "The buffer timeout of the operators off the decision path: the Iceberg and"
                                    + " audit writers' inputs, monitoring, the label join, model-control commands and"
                                    + " dead letters (pipeline.buffer-timeout is the decision path's, up to scoring)."
                                    + " Their outputs are committed at checkpoints or aggregated per window, and each"
                                    + " output of an operator has a thread that wakes up at every timeout: about a"
                                    + " hundred at parallelism 2.");

    public static final ConfigOption<Integer> PARALLELISM =
            key("pipeline.parallelism")
                    .intType()
                    .defaultValue(-1)
                    .withDescription("Parallelism of the job; -1 takes the cluster's default.");

    public static final ConfigOption<Duration> OUT_OF_ORDERNESS =
            key("pipeline.watermark.out-of-orderness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription(
                            "How far event time may go backwards within a Kafka partition.");

    public static final ConfigOption<Duration> IDLENESS =
            key("pipeline.watermark.idleness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription(
                            "A partition without records for this long stops holding back the watermark.");

    public static final ConfigOption<Duration> ALIGNMENT_MAX_DRIFT =
            key("pipeline.watermark.alignment.max-drift")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription(
                            "Watermark alignment across the partitions of the input topics: a partition whose"
                                    + " watermark is this far ahead of the slowest one pauses, so a catch-up reads"
                                    + " every partition at a similar event-time pace; 0 turns alignment off.");

    public static final ConfigOption<Duration> ALIGNMENT_UPDATE_INTERVAL =
            key("pipeline.watermark.alignment.update-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription(
                            "How often the sources' readers exchange their watermarks for alignment.");

    public static final ConfigOption<FeatureOrdering> FEATURE_ORDERING =
            key("features.ordering")
                    .enumType(FeatureOrdering.class)
                    .defaultValue(FeatureOrdering.ORDERED)
                    .withDescription(
                            "'ordered': each entity's events are aggregated in event-time order as the watermark"
                                    + " passes them (values independent of arrival order, equal to the backfill;"
                                    + " costs the watermark delay); 'arrival': on arrival, for the lowest latency"
                                    + " (state/README.md).");

    public static final ConfigOption<Duration> FEATURE_ORDERING_MAX_WAIT =
            key("features.ordering-max-wait")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription(
                            "In ordered mode, how long events may wait for a watermark that has stopped moving"
                                    + " (input gone quiet) before they are released anyway, in event-time order;"
                                    + " 0 waits for the watermark however long it takes.");

    public static final ConfigOption<Boolean> FEATURES_PUBLISH =
            key("features.publish")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Write each entity's feature values, after every event it aggregates, to"
                                    + " kafka.topics.entity-features (and a tombstone when its state expires),"
                                    + " so weir serve can answer what an entity's features are now.");

    public static final ConfigOption<String> QUALITY_RULES =
            key("quality.rules")
                    .stringType()
                    .defaultValue("default")
                    .withDescription(
                            "YAML file of the quality rules (operators/README.md); 'default': the bundled rules;"
                                    + " 'none': no rules.");

    public static final ConfigOption<String> GOVERNANCE_POLICY =
            key("governance.policy")
                    .stringType()
                    .defaultValue("default")
                    .withDescription(
                            "YAML file of the personal-data policy (keep, drop, mask, tokenize per field);"
                                    + " 'default': the bundled policy, which tokenizes with the key in the"
                                    + " environment variable WEIR_TOKEN_KEY; 'none': no governance.");

    public static final ConfigOption<Duration> MONITORING_WINDOW =
            key("monitoring.window")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "Tumbling event-time window of quality, drift, performance, fairness and agreement records.");

    public static final ConfigOption<Duration> MONITORING_LATENESS =
            key("monitoring.allowed-lateness")
                    .durationType()
                    .defaultValue(Duration.ZERO)
                    .withDescription(
                            "How long after the watermark passes a window's end it still takes records; later ones"
                                    + " are counted (monitoringLateRecords), not reported.");

    public static final ConfigOption<List<String>> DRIFT_CATEGORICAL_INPUTS =
            key("drift.categorical-inputs")
                    .stringType()
                    .asList()
                    .defaultValues("country", "channel")
                    .withDescription(
                            "Input fields whose category shares are compared with the training data (chi-square),"
                                    + " besides every model feature and the score.");

    public static final ConfigOption<Double> DRIFT_PSI_ALERT =
            key("drift.psi-alert")
                    .doubleType()
                    .defaultValue(0.25)
                    .withDescription(
                            "Population stability index at or above which a feature has drifted (when the shift is"
                                    + " also significant by chi-square at p < 0.001).");

    public static final ConfigOption<Double> DRIFT_KS_ALERT =
            key("drift.ks-alert")
                    .doubleType()
                    .defaultValue(0.1)
                    .withDescription(
                            "Kolmogorov-Smirnov distance at or above which a numeric feature has drifted (when also"
                                    + " significant at p < 0.001).");

    public static final ConfigOption<Double> DRIFT_JS_ALERT =
            key("drift.js-alert")
                    .doubleType()
                    .defaultValue(0.1)
                    .withDescription(
                            "Jensen-Shannon distance (base 2) at or above which a feature has drifted.");

    public static final ConfigOption<Integer> DRIFT_MIN_SAMPLES =
            key("drift.min-samples")
                    .intType()
                    .defaultValue(200)
                    .withDescription(
                            "Events a window needs before drift can be flagged (statistics are reported anyway).");

    public static final ConfigOption<Duration> LABELS_SCORE_TTL =
            key("labels.score-ttl")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "How long (event time) a score waits for its label; then it is counted as expired and"
                                    + " its state is cleared. State grows with events per TTL (about 150 bytes each).");

    public static final ConfigOption<Duration> LABELS_LABEL_WAIT =
            key("labels.label-wait")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "How long a label that arrived before its score waits for it.");

    public static final ConfigOption<Double> PERFORMANCE_MIN_AUC =
            key("performance.min-auc")
                    .doubleType()
                    .defaultValue(0.8)
                    .withDescription(
                            "A window's realised AUC estimate below it raises a performance alert.");

    public static final ConfigOption<Integer> PERFORMANCE_MIN_LABELS =
            key("performance.min-labels")
                    .intType()
                    .defaultValue(200)
                    .withDescription(
                            "Matched labels a window needs before its AUC can raise an alert.");

    public static final ConfigOption<List<String>> FAIRNESS_ATTRIBUTES =
            key("fairness.attributes")
                    .stringType()
                    .asList()
                    .defaultValues("country", "channel")
                    .withDescription(
                            "Transaction fields whose values segment the FAIRNESS records: per value, decline"
                                    + " rate, TPR, FPR, disparate-impact ratio and equal-opportunity difference"
                                    + " from labels; empty turns fairness monitoring off.");

    public static final ConfigOption<Integer> FAIRNESS_MIN_COUNT =
            key("fairness.min-count")
                    .intType()
                    .defaultValue(30)
                    .withDescription(
                            "Rows a value needs in a window to enter the disparate-impact ratio, and frauds to"
                                    + " enter the equal-opportunity difference; smaller values are reported with"
                                    + " their counts only.");

    public static final ConfigOption<Integer> FAIRNESS_MAX_VALUES =
            key("fairness.max-values")
                    .intType()
                    .defaultValue(200)
                    .withDescription(
                            "Values reported by name per attribute and window, the most frequent; the rest"
                                    + " are pooled as (other).");

    public static final ConfigOption<Double> FAIRNESS_MIN_DISPARATE_IMPACT =
            key("fairness.min-disparate-impact")
                    .doubleType()
                    .defaultValue(0.8)
                    .withDescription(
                            "A value whose disparate-impact ratio is below it raises a fairness alert (0.8:"
                                    + " the four-fifths rule).");

    /** All options, for validation of unknown keys and for the docs. */
    public static final List<ConfigOption<?>> ALL =
            all(
                    KAFKA_BOOTSTRAP,
                    TOPIC_TRANSACTIONS,
                    TOPIC_SCORES,
                    TOPIC_DECISIONS,
                    TOPIC_ENTITY_FEATURES,
                    TOPIC_DLQ,
                    TOPIC_MODEL_CONTROL,
                    TOPIC_LABELS,
                    TOPIC_MONITORING,
                    GROUP_ID,
                    TRANSACTIONAL_ID_PREFIX,
                    TRANSACTION_TIMEOUT,
                    STARTING_OFFSETS,
                    KAFKA_PROPERTIES,
                    PRODUCER_BUFFER_MEMORY,
                    FORMAT_TRANSACTIONS,
                    FORMAT_LABELS,
                    FORMAT_SCORES,
                    FORMAT_DECISIONS,
                    FORMAT_DLQ,
                    FORMAT_MONITORING,
                    SCHEMA_REGISTRY_URL,
                    CATALOG_TYPE,
                    WAREHOUSE,
                    CATALOG_URI,
                    NAMESPACE,
                    MAINTENANCE_PARALLELISM,
                    MAINTENANCE_RATE_LIMIT,
                    MAINTENANCE_TARGET_FILE_SIZE,
                    MAINTENANCE_REWRITE_COMMIT_COUNT,
                    MAINTENANCE_REWRITE_INTERVAL,
                    MAINTENANCE_SNAPSHOT_MAX_AGE,
                    MAINTENANCE_SNAPSHOT_RETAIN_LAST,
                    MAINTENANCE_EXPIRE_COMMIT_COUNT,
                    MAINTENANCE_EXPIRE_INTERVAL,
                    MAINTENANCE_ORPHAN_MIN_AGE,
                    MAINTENANCE_ORPHAN_INTERVAL,
                    ICEBERG_S3_ENDPOINT,
                    ICEBERG_S3_PATH_STYLE,
                    MODEL_DIR,
                    MODEL_REGISTRY,
                    MODEL_NAME,
                    FEATURE_DEFINITIONS,
                    SCORING_MAX_BATCH,
                    SCORING_MAX_WAIT,
                    SCORING_REASONS_TOP,
                    CHECKPOINT_INTERVAL,
                    BUFFER_TIMEOUT,
                    SIDE_BUFFER_TIMEOUT,
                    PARALLELISM,
                    OUT_OF_ORDERNESS,
                    IDLENESS,
                    ALIGNMENT_MAX_DRIFT,
                    ALIGNMENT_UPDATE_INTERVAL,
                    FEATURE_ORDERING,
                    FEATURE_ORDERING_MAX_WAIT,
                    FEATURES_PUBLISH,
                    QUALITY_RULES,
                    GOVERNANCE_POLICY,
                    MONITORING_WINDOW,
                    MONITORING_LATENESS,
                    DRIFT_CATEGORICAL_INPUTS,
                    DRIFT_PSI_ALERT,
                    DRIFT_KS_ALERT,
                    DRIFT_JS_ALERT,
                    DRIFT_MIN_SAMPLES,
                    LABELS_SCORE_TTL,
                    LABELS_LABEL_WAIT,
                    PERFORMANCE_MIN_AUC,
                    PERFORMANCE_MIN_LABELS,
                    FAIRNESS_ATTRIBUTES,
                    FAIRNESS_MIN_COUNT,
                    FAIRNESS_MAX_VALUES,
                    FAIRNESS_MIN_DISPARATE_IMPACT);

    private WeirOptions() {}

    private static List<ConfigOption<?>> all(ConfigOption<?>... options) {
        List<ConfigOption<?>> all = new java.util.ArrayList<>(List.of(options));
        ICEBERG_WRITE.values().forEach(table -> all.addAll(table.all()));
        return List.copyOf(all);
    }
}
