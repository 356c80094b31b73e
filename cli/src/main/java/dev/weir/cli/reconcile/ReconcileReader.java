package dev.weir.cli.reconcile;

import dev.weir.cli.kafka.KafkaClients;
import dev.weir.cli.kafka.KafkaConnection;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.wire.RecordDecoder;
import dev.weir.operators.wire.TopicFormat;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads what {@link Reconciliation} compares: the input records of a range, and the scores and dead
 * letters of the Kafka topics (read committed) and of the Iceberg tables.
 */
public final class ReconcileReader {

    /**
     * Which input records to account for: offsets per partition (from inclusive, to exclusive;
     * absent: the beginning, the end as of now) and, when set, only payments whose event time is in
     * [{@code from}, {@code to}). With an event-time range, undecodable records (no event time) are
     * left out.
     */
    public record Range(
            Map<Integer, Long> fromOffsets,
            Map<Integer, Long> toOffsets,
            Instant from,
            Instant to) {

        public static Range all() {
            return new Range(Map.of(), Map.of(), null, null);
        }

        boolean timed() {
            return from != null || to != null;
        }

        boolean contains(Instant eventTime) {
            return (from == null || !eventTime.isBefore(from))
                    && (to == null || eventTime.isBefore(to));
        }
    }

    /** Everything read, per store. */
    public record Reading(
            List<Reconciliation.Input> inputs,
            int undecodableLeftOut,
            List<String> kafkaScores,
            List<String> kafkaDecisions,
            List<Reconciliation.DeadLetter> kafkaDeadLetters,
            List<String> icebergScores,
            List<String> icebergFeatures,
            List<Reconciliation.DeadLetter> icebergDeadLetters) {}

    private static final Duration READ_TIMEOUT = Duration.ofMinutes(5);

    private final PipelineConfig config;

    /** Each topic in its format (configuration {@code kafka.formats.*}). */
    private final RecordDecoder<Transaction> transactions;

    /** Payments in dead letters: re-encoded by the pipeline, always single-object. */
    private final RecordDecoder<Transaction> deadLetterPayments;

    public ReconcileReader(PipelineConfig config) {
        this.config = config;
        this.transactions = decoder(config.transactionsFormat(), Transaction.class);
        this.deadLetterPayments = decoder(TopicFormat.SINGLE_OBJECT, Transaction.class);
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> RecordDecoder<T> decoder(
            TopicFormat format, Class<T> type) {
        return format.decoder(type, System::getenv, new UnregisteredMetricsGroup());
    }

    public Reading read(Range range) {
        List<Reconciliation.Input> inputs = new ArrayList<>();
        int[] leftOut = {0};
        readInput(
                range,
                record -> {
                    Transaction txn = decodeOrNull(transactions, record.value());
                    if (range.timed()) {
                        if (txn == null) {
                            leftOut[0]++;
                            return;
                        }
                        if (!range.contains(txn.getEventTime())) {
                            return;
                        }
                    }
                    inputs.add(
                            new Reconciliation.Input(
                                    record.partition(),
                                    record.offset(),
                                    txn == null ? null : txn.getTransactionId().toString()));
                });
        List<String> kafkaScores = scoreIds(config.scoresTopic(), config.scoresFormat());
        List<String> kafkaDecisions = scoreIds(config.decisionsTopic(), config.decisionsFormat());
        RecordDecoder<dev.weir.schemas.DeadLetter> deadLetters =
                decoder(config.dlqFormat(), dev.weir.schemas.DeadLetter.class);
        List<Reconciliation.DeadLetter> kafkaDead = new ArrayList<>();
        KafkaClients.readToEnd(
                KafkaConnection.of(config),
                config.dlqTopic(),
                READ_TIMEOUT,
                record -> {
                    dev.weir.schemas.DeadLetter d = decodeOrNull(deadLetters, record.value());
                    if (d != null) {
                        kafkaDead.add(
                                deadLetter(
                                        d.getSourcePartition(),
                                        d.getSourceOffset(),
                                        d.getRaw(),
                                        d.getRawSealed(),
                                        d.getReason()));
                    }
                });

        Catalog catalog = Catalogs.loader(config).loadCatalog();
        List<String> icebergScores = new ArrayList<>();
        rows(
                catalog,
                WeirTables.SCORES,
                List.of("transaction_id"),
                r -> icebergScores.add((String) r.getField("transaction_id")));
        List<String> icebergFeatures = new ArrayList<>();
        rows(
                catalog,
                WeirTables.FEATURES,
                List.of("transaction_id"),
                r -> icebergFeatures.add((String) r.getField("transaction_id")));
        List<Reconciliation.DeadLetter> icebergDead = new ArrayList<>();
        rows(
                catalog,
                WeirTables.DLQ,
                List.of("source_partition", "source_offset", "raw", "raw_sealed", "reason"),
                r ->
                        icebergDead.add(
                                deadLetter(
                                        (Integer) r.getField("source_partition"),
                                        (Long) r.getField("source_offset"),
                                        (ByteBuffer) r.getField("raw"),
                                        Boolean.TRUE.equals(r.getField("raw_sealed")),
                                        (String) r.getField("reason"))));
        return new Reading(
                inputs,
                leftOut[0],
                kafkaScores,
                kafkaDecisions,
                kafkaDead,
                icebergScores,
                icebergFeatures,
                icebergDead);
    }

    private void readInput(Range range, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        String topic = config.transactionsTopic();
        try (KafkaConsumer<byte[], byte[]> consumer =
                KafkaClients.readCommittedConsumer(KafkaConnection.of(config), "weir-reconcile")) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> stop = new java.util.HashMap<>();
            for (TopicPartition tp : partitions) {
                Long from = range.fromOffsets().get(tp.partition());
                if (from == null) {
                    consumer.seekToBeginning(List.of(tp));
                } else {
                    consumer.seek(tp, from);
                }
                Long to = range.toOffsets().get(tp.partition());
                stop.put(tp, to == null ? end.get(tp) : Math.min(to, end.get(tp)));
            }
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < stop.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "could not read " + topic + " to " + stop + " within " + READ_TIMEOUT);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < stop.get(new TopicPartition(topic, r.partition()))) {
                        each.accept(r);
                    }
                }
            }
        }
    }

    private List<String> scoreIds(String topic, TopicFormat format) {
        RecordDecoder<Score> scores = decoder(format, Score.class);
        List<String> ids = new ArrayList<>();
        KafkaClients.readToEnd(
                KafkaConnection.of(config),
                topic,
                READ_TIMEOUT,
                record -> {
                    Score s = decodeOrNull(scores, record.value());
                    if (s != null) {
                        ids.add(s.getTransactionId().toString());
                    }
                });
        return ids;
    }

    /** Dead letters of the keyed stages (partition -1) hold the decoded payment, not sealed. */
    private Reconciliation.DeadLetter deadLetter(
            int partition, long offset, ByteBuffer raw, boolean sealed, String reason) {
        String id = null;
        if (partition < 0 && !sealed) {
            byte[] bytes = new byte[raw.remaining()];
            raw.duplicate().get(bytes);
            Transaction txn = decodeOrNull(deadLetterPayments, bytes);
            id = txn == null ? null : txn.getTransactionId().toString();
        }
        return new Reconciliation.DeadLetter(partition, offset, id, reason);
    }

    private void rows(Catalog catalog, String table, List<String> columns, Consumer<Record> each) {
        Table t = catalog.loadTable(TableIdentifier.of(config.namespace(), table));
        t.refresh();
        try (CloseableIterable<Record> rows = IcebergGenerics.read(t).select(columns).build()) {
            rows.forEach(each);
        } catch (IOException e) {
            throw new UncheckedIOException("reading Iceberg table " + table, e);
        }
    }

    private static <T> T decodeOrNull(RecordDecoder<T> decoder, byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return null;
        }
        try {
            return decoder.decode(bytes);
        } catch (Exception | StackOverflowError e) {
            // Undecodable bytes are an input the dead letters must account for by position.
            return null;
        }
    }
}
