package dev.weir.cli.synthetic;

import dev.weir.operators.wire.RecordEncoder;
import dev.weir.operators.wire.TopicFormat;
import dev.weir.schemas.Transaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes synthetic transactions to Kafka at a steady rate, in Avro single-object encoding or, with
 * {@link #withFormat}, in Confluent's wire format (the schemas registered under the topics'
 * subjects, as a producer with its own registry client does), with the Kafka timestamp set to the
 * event time, optionally mixing in malformed records.
 */
public final class SyntheticProducer implements AutoCloseable {

    /** How many records of each kind were sent. */
    public static final class Counts {
        public final AtomicLong good = new AtomicLong();
        public final AtomicLong fraud = new AtomicLong();
        public final AtomicLong bad = new AtomicLong();
        public final AtomicLong labels = new AtomicLong();

        /** Event time the distributions shifted at, or 0. */
        public final AtomicLong shiftedAt = new AtomicLong();

        public long total() {
            return good.get() + bad.get();
        }
    }

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final TransactionGenerator generator;
    private final SplittableRandom badRandom;
    private final double badShare;
    private TopicFormat format = TopicFormat.SINGLE_OBJECT;
    private RecordEncoder<Transaction> encoder;
    private final Counts counts = new Counts();
    private String labelsTopic;
    private long labelDelayMillis;
    private final java.util.ArrayDeque<dev.weir.schemas.Label> pendingLabels =
            new java.util.ArrayDeque<>();
    private RecordEncoder<dev.weir.schemas.Label> labelEncoder;

    public SyntheticProducer(
            String bootstrap,
            String topic,
            long seed,
            int accounts,
            double fraudShare,
            double badShare) {
        this(bootstrap, topic, seed, seed, accounts, fraudShare, badShare);
    }

    /**
     * @param populationSeed the accounts' seed: the one the model was trained with ({@code weir
     *     train --seed}), so the live customers are the training customers, paying at other times
     * @param seed seed of the payments and of the malformed records
     */
    public SyntheticProducer(
            String bootstrap,
            String topic,
            long populationSeed,
            long seed,
            int accounts,
            double fraudShare,
            double badShare) {
        this(
                dev.weir.cli.kafka.KafkaConnection.plain(bootstrap),
                topic,
                populationSeed,
                seed,
                accounts,
                fraudShare,
                badShare);
    }

    /** As above, connecting with the client properties of {@code kafka} (SASL, TLS). */
    public SyntheticProducer(
            dev.weir.cli.kafka.KafkaConnection kafka,
            String topic,
            long populationSeed,
            long seed,
            int accounts,
            double fraudShare,
            double badShare) {
        this.producer = dev.weir.cli.kafka.KafkaClients.byteProducer(kafka);
        this.topic = topic;
        this.generator = new TransactionGenerator(populationSeed, seed, accounts, fraudShare);
        this.badRandom = new SplittableRandom(seed ^ 0x5DEECE66DL);
        this.badShare = badShare;
    }

    public Counts counts() {
        return counts;
    }

    /**
     * Writes payments and labels in {@code format}; for the confluent format their schemas are
     * registered (or found) under the topics' subjects before the first record.
     */
    public SyntheticProducer withFormat(TopicFormat format) {
        this.format = format;
        this.encoder = null;
        this.labelEncoder = null;
        return this;
    }

    /**
     * Also writes ground truth: a label for every good transaction to {@code topic}, sent {@code
     * delayMillis} after the transaction (labels arrive late, as they do in production).
     */
    public SyntheticProducer withLabels(String topic, long delayMillis) {
        this.labelsTopic = topic;
        this.labelDelayMillis = delayMillis;
        return this;
    }

    /** Sends the labels that are due by {@code now}. */
    private void sendDueLabels(long now) {
        while (!pendingLabels.isEmpty()
                && pendingLabels.peek().getLabelTime().toEpochMilli() <= now) {
            dev.weir.schemas.Label label = pendingLabels.poll();
            try {
                if (labelEncoder == null) {
                    labelEncoder =
                            format.encoder(
                                    dev.weir.schemas.Label.class, labelsTopic, System::getenv);
                }
                byte[] bytes = labelEncoder.encode(label);
                producer.send(
                        new ProducerRecord<>(
                                labelsTopic,
                                null,
                                label.getLabelTime().toEpochMilli(),
                                label.getTransactionId().getBytes(StandardCharsets.UTF_8),
                                bytes));
                counts.labels.incrementAndGet();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Sends {@code count} records (unbounded when negative) at {@code ratePerSecond}, until done or
     * {@code stop} is set; returns the number sent.
     */
    public long run(long count, double ratePerSecond, AtomicBoolean stop) {
        long start = System.nanoTime();
        long sent = 0;
        while ((count < 0 || sent < count) && !stop.get()) {
            long due = start + (long) (sent * 1e9 / ratePerSecond);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            sendOne(System.currentTimeMillis());
            sent++;
        }
        if (labelsTopic != null) {
            sendDueLabels(Long.MAX_VALUE);
        }
        producer.flush();
        return sent;
    }

    /**
     * Shifts the generated distributions once {@code atMillis} (event time) is reached; may be
     * called while another thread produces.
     */
    public SyntheticProducer withShift(long atMillis, double amountScale, double foreignShare) {
        this.shiftScale = amountScale;
        this.shiftForeign = foreignShare;
        this.shiftAt = atMillis; // volatile, written last: the producing thread sees all three
        return this;
    }

    private volatile long shiftAt = Long.MAX_VALUE;
    private double shiftScale;
    private double shiftForeign;

    /**
     * Sends one record with event time {@code now}; returns the transaction, or null for a bad
     * record.
     */
    public TransactionGenerator.Generated sendOne(long now) {
        if (now >= shiftAt) {
            generator.shift(shiftScale, shiftForeign);
            shiftAt = Long.MAX_VALUE;
            counts.shiftedAt.set(now);
        }
        TransactionGenerator.Generated generated = generator.next(now);
        Transaction txn = generated.transaction();
        byte[] key = txn.getAccountId().getBytes(StandardCharsets.UTF_8);
        if (badShare > 0 && badRandom.nextDouble() < badShare) {
            producer.send(
                    new ProducerRecord<>(
                            topic,
                            null,
                            now,
                            key,
                            BadRecords.make(badRandom, encode(txn), format.format())));
            counts.bad.incrementAndGet();
            return null;
        }
        producer.send(new ProducerRecord<>(topic, null, now, key, encode(txn)));
        counts.good.incrementAndGet();
        if (labelsTopic != null) {
            pendingLabels.add(
                    new dev.weir.schemas.Label(
                            txn.getTransactionId(),
                            generated.fraud(),
                            java.time.Instant.ofEpochMilli(now + labelDelayMillis)));
            sendDueLabels(now);
        }
        if (generated.fraud()) {
            counts.fraud.incrementAndGet();
        }
        return generated;
    }

    public void flush() {
        producer.flush();
    }

    private byte[] encode(Transaction txn) {
        try {
            if (encoder == null) {
                encoder = format.encoder(Transaction.class, topic, System::getenv);
            }
            return encoder.encode(txn);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
