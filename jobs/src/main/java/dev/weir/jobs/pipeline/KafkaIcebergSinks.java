package dev.weir.jobs.pipeline;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.operators.iceberg.RowConverters;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.kafka.AvroRecordSerializer;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.EntityFeatures;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.IcebergSink;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Production outputs: scores, dead letters and monitoring records to Kafka with exactly-once
 * transactions; the decisions to Kafka at once, at least once; events, features, scores, dead
 * letters and monitoring records to Iceberg, committed when a checkpoint completes.
 */
public class KafkaIcebergSinks implements PipelineSinks {

    private final PipelineConfig config;
    private final CatalogLoader catalog;

    public KafkaIcebergSinks(PipelineConfig config, CatalogLoader catalog) {
        this.config = config;
        this.catalog = catalog;
    }

    @Override
    public void writeEvents(DataStream<Transaction> events) {
        iceberg(
                events,
                new RowConverters.EventRow(),
                WeirTables.EVENTS,
                WeirTables.EVENTS_SCHEMA,
                Uids.TO_ROW_EVENTS,
                Uids.SINK_EVENTS_ICEBERG);
    }

    @Override
    public void writeScores(DataStream<Score> scores) {
        // Both audit copies in a task of their own, fed by one exchange. At every checkpoint the
        // exactly-once writer opens its next transaction (a round trip to the transaction
        // coordinator), the committer commits the last one and the Iceberg writer closes its
        // files, each on its task's thread: chained to scoring, they held up the decisions.
        DataStream<Score> audit =
                scores.map(score -> score, WeirTypes.SCORE)
                        .uid(Uids.AUDIT_SCORES)
                        .name("Scores to the audit sinks")
                        .startNewChain();
        audit.sinkTo(
                        kafka(
                                new AvroRecordSerializer<>(
                                                config.scoresTopic(),
                                                Score.class,
                                                Score::getTransactionId)
                                        .withFormat(config.scoresFormat()),
                                "scores"))
                .uid(Uids.SINK_SCORES_KAFKA)
                .name("Kafka " + config.scoresTopic());
        append(
                audit.map(
                                new RowConverters.ScoreRow(),
                                RowConverters.rowType(WeirTables.SCORES_SCHEMA))
                        .uid(Uids.TO_ROW_SCORES)
                        .name("To Iceberg row: " + WeirTables.SCORES),
                catalog,
                config.namespace(),
                WeirTables.SCORES,
                Uids.SINK_SCORES_ICEBERG);
    }

    @Override
    public void writeDecisions(DataStream<Score> decisions) {
        // No transaction: a record is readable as soon as the broker has it, with or without
        // read_committed. The writer flushes on every checkpoint, so nothing before a completed
        // checkpoint is lost; what follows it is written again after a failure (same key, model
        // version and decision).
        KafkaSink<Score> sink =
                kafkaSink(
                                new AvroRecordSerializer<>(
                                                config.decisionsTopic(),
                                                Score.class,
                                                Score::getTransactionId)
                                        .withFormat(config.decisionsFormat()))
                        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                        .setProperty(ProducerConfig.LINGER_MS_CONFIG, "0")
                        .setProperty(ProducerConfig.ACKS_CONFIG, "all")
                        .setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true")
                        .build();
        decisions
                .sinkTo(sink)
                .uid(Uids.SINK_DECISIONS_KAFKA)
                .name("Kafka " + config.decisionsTopic() + " (decisions, at least once)");
    }

    @Override
    public void writeFeatures(
            DataStream<FeaturedTransaction> features, java.util.List<String> names) {
        iceberg(
                features,
                new RowConverters.FeatureRow(names),
                WeirTables.FEATURES,
                WeirTables.FEATURES_SCHEMA,
                Uids.TO_ROW_FEATURES,
                Uids.SINK_FEATURES_ICEBERG);
    }

    @Override
    public void writeEntityFeatures(DataStream<EntityFeatures> entityFeatures) {
        // A compacted latest-value topic: a repeat after a failure writes the same state again, so
        // at least once is enough, and each update is readable at once. One entity's records go to
        // one partition (keyed), in the order its stage wrote them.
        EntityFeaturesTopic.ensure(config);
        KafkaSink<EntityFeatures> sink =
                kafkaSink(
                                new AvroRecordSerializer<>(
                                                config.entityFeaturesTopic(),
                                                EntityFeatures.class,
                                                KafkaIcebergSinks::entityKey)
                                        .withTombstones(f -> f.getNames().isEmpty())
                                        // A tombstone's event time is its entity's expiry,
                                        // which brokers may refuse as too far ahead; the
                                        // record holds its event time anyway.
                                        .withWriteTimestamps())
                        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                        .setProperty(ProducerConfig.ACKS_CONFIG, "all")
                        .setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true")
                        // Small records (a few hundred bytes): thousands fit in 1 MB, Kafka's
                        // largest request, and the TaskManager heap budget counts it so.
                        .setProperty(
                                ProducerConfig.BUFFER_MEMORY_CONFIG,
                                String.valueOf(ENTITY_FEATURES_BUFFER.getBytes()))
                        .build();
        entityFeatures
                .sinkTo(sink)
                .uid(Uids.SINK_ENTITY_FEATURES_KAFKA)
                .name("Kafka " + config.entityFeaturesTopic() + " (latest entity features)");
    }

    /** {@code buffer.memory} of the entity-features producer. */
    public static final org.apache.flink.configuration.MemorySize ENTITY_FEATURES_BUFFER =
            org.apache.flink.configuration.MemorySize.ofMebiBytes(1);

    /** The record key of an entity's values: {@code <entity>/<id>}, e.g. {@code account/a-17}. */
    public static String entityKey(EntityFeatures f) {
        return f.getEntity() + "/" + f.getEntityId();
    }

    @Override
    public void writeDeadLetters(DataStream<DeadLetter> deadLetters) {
        deadLetters
                .sinkTo(
                        kafka(
                                new AvroRecordSerializer<>(
                                                config.dlqTopic(),
                                                DeadLetter.class,
                                                KafkaIcebergSinks::deadLetterKey)
                                        .withFormat(config.dlqFormat()),
                                "dlq"))
                .uid(Uids.SINK_DLQ_KAFKA)
                .name("Kafka " + config.dlqTopic());
        iceberg(
                deadLetters,
                new RowConverters.DeadLetterRow(),
                WeirTables.DLQ,
                WeirTables.DLQ_SCHEMA,
                Uids.TO_ROW_DLQ,
                Uids.SINK_DLQ_ICEBERG);
    }

    @Override
    public void writeMonitoring(DataStream<MonitoringRecord> monitoring) {
        monitoring
                .sinkTo(
                        kafka(
                                new AvroRecordSerializer<>(
                                                config.monitoringTopic(),
                                                MonitoringRecord.class,
                                                m -> m.getKind() + "/" + m.getSubject())
                                        .withWriteTimestamps()
                                        .withFormat(config.monitoringFormat()),
                                "monitoring"))
                .uid(Uids.SINK_MONITORING_KAFKA)
                .name("Kafka " + config.monitoringTopic());
        iceberg(
                monitoring,
                new RowConverters.MonitoringRow(),
                WeirTables.MONITORING,
                WeirTables.MONITORING_SCHEMA,
                Uids.TO_ROW_MONITORING,
                Uids.SINK_MONITORING_ICEBERG);
    }

    /**
     * Where the record came from; dead letters found past a shuffle have no offset, their content
     * keys them.
     */
    private static String deadLetterKey(DeadLetter d) {
        if (d.getSourceOffset() >= 0) {
            return d.getSourceTopic() + "-" + d.getSourcePartition() + "-" + d.getSourceOffset();
        }
        return d.getSourceTopic() + "-" + Integer.toHexString(d.getRaw().hashCode());
    }

    /**
     * An exactly-once sink: its records are visible to read_committed readers when a checkpoint
     * completes.
     */
    private <T extends SpecificRecord> KafkaSink<T> kafka(
            AvroRecordSerializer<T> serializer, String idSuffix) {
        return kafkaSink(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(config.transactionalIdPrefix() + "-" + idSuffix)
                .setProperty(
                        "transaction.timeout.ms",
                        String.valueOf(config.transactionTimeout().toMillis()))
                .build();
    }

    /**
     * What every Kafka sink of the pipeline shares: the client properties of {@code
     * kafka.properties.*}, the brokers, the record serializer, and the producer's buffer: Kafka's
     * default of 32 MB per producer, for each of the producers a TaskManager's sinks keep alive,
     * would be more heap than the writers of all five tables take.
     */
    private <T extends SpecificRecord> KafkaSinkBuilder<T> kafkaSink(
            AvroRecordSerializer<T> serializer) {
        return KafkaSink.<T>builder()
                .setKafkaProducerConfig(config.kafka().clientProperties())
                .setBootstrapServers(config.bootstrapServers())
                .setRecordSerializer(serializer)
                .setProperty(
                        ProducerConfig.BUFFER_MEMORY_CONFIG,
                        String.valueOf(config.kafka().producerBufferMemory().getBytes()));
    }

    private <T> void iceberg(
            DataStream<T> stream,
            MapFunction<T, RowData> converter,
            String table,
            Schema schema,
            String converterUid,
            String sinkUid) {
        appendToIceberg(
                stream,
                converter,
                schema,
                catalog,
                config.namespace(),
                table,
                converterUid,
                sinkUid);
    }

    /** Appends a stream to an Iceberg table, committed when checkpoints (or the batch) complete. */
    public static <T> void appendToIceberg(
            DataStream<T> stream,
            MapFunction<T, RowData> converter,
            Schema schema,
            CatalogLoader catalog,
            String namespace,
            String table,
            String converterUid,
            String sinkUid) {
        // A task of its own: at every checkpoint the writer closes its Parquet files on its task
        // thread, which would otherwise hold up the operators it is chained to (scoring and the
        // decisions it sends at once).
        DataStream<RowData> rows =
                stream.map(converter, RowConverters.rowType(schema))
                        .uid(converterUid)
                        .name("To Iceberg row: " + table)
                        .startNewChain();
        append(rows, catalog, namespace, table, sinkUid);
    }

    private static void append(
            DataStream<RowData> rows,
            CatalogLoader catalog,
            String namespace,
            String table,
            String sinkUid) {
        TableLoader loader = TableLoader.fromCatalog(catalog, TableIdentifier.of(namespace, table));
        IcebergSink.forRowData(rows)
                .tableLoader(loader)
                .uidSuffix(sinkUid)
                .append()
                .name("Iceberg " + namespace + "." + table);
    }
}
