package dev.weir.cli.bench;

import dev.weir.cli.kafka.KafkaClients;
import dev.weir.jobs.PassThroughJob;
import dev.weir.operators.kafka.ReleasedSchemas;
import dev.weir.schemas.Score;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads a scores topic (or the decisions topic, or a pass-through job's output) as a downstream
 * {@code read_committed} consumer and keeps, for the records whose event time lies in the measured
 * window, processing time and arrival here minus event time.
 */
final class ScoreWatcher implements Runnable, AutoCloseable {

    /**
     * One record as the watcher keeps it: event time, when the job processed it, its batch size.
     */
    private interface Reader {
        void read(ConsumerRecord<byte[], byte[]> record, long[] sample) throws Exception;
    }

    private final org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer;
    private final Reader reader;
    private final Thread thread = new Thread(this, "weir-bench-watcher");
    private volatile boolean stop;
    private volatile long from;
    private volatile long to;
    private long[] toScore;
    private long[] toCommitted;
    private long[] scoringTimes;
    private int samples;
    private double passes;
    private volatile Throwable failure;

    /** Scores or decisions: event time and scoring time from the record, batch size too. */
    static ScoreWatcher scores(String bootstrap, String topic, long expected) {
        BinaryMessageDecoder<Score> decoder = ReleasedSchemas.decoder(Score.class);
        return new ScoreWatcher(
                bootstrap,
                topic,
                expected,
                (record, sample) -> {
                    Score score = decoder.decode(ByteBuffer.wrap(record.value()));
                    sample[0] = score.getEventTime().toEpochMilli();
                    sample[1] = score.getScoringTime().toEpochMilli();
                    sample[2] = score.getBatchSize();
                });
    }

    /**
     * A pass-through job's output: event time from a header, processing time as the record's
     * timestamp.
     */
    static ScoreWatcher passThrough(String bootstrap, String topic, long expected) {
        return new ScoreWatcher(
                bootstrap,
                topic,
                expected,
                (record, sample) -> {
                    sample[0] =
                            ByteBuffer.wrap(
                                            record.headers()
                                                    .lastHeader(PassThroughJob.EVENT_TIME_HEADER)
                                                    .value())
                                    .getLong();
                    sample[1] = record.timestamp();
                    sample[2] = 1;
                });
    }

    /**
     * @param expected how many records the window will hold, roughly
     */
    private ScoreWatcher(String bootstrap, String topic, long expected, Reader reader) {
        this.reader = reader;
        consumer = KafkaClients.readCommittedConsumer(bootstrap, "weir-bench-watch");
        consumer.subscribe(List.of(topic));
        toScore = new long[(int) Math.min(expected, 10_000_000)];
        toCommitted = new long[toScore.length];
        scoringTimes = new long[toScore.length];
    }

    void window(long fromMillis, long toMillis) {
        from = fromMillis;
        to = toMillis;
    }

    void start() {
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run() {
        try {
            long[] sample = new long[3];
            while (!stop) {
                for (var record : consumer.poll(Duration.ofMillis(100))) {
                    long received = System.currentTimeMillis();
                    reader.read(record, sample);
                    if (sample[0] >= from && sample[0] < to) {
                        add(sample[1], sample[0], received, (int) sample[2]);
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    private synchronized void add(long scoringTime, long eventTime, long received, int batchSize) {
        if (samples == toScore.length) {
            toScore = java.util.Arrays.copyOf(toScore, Math.max(16, samples * 2));
            toCommitted = java.util.Arrays.copyOf(toCommitted, toScore.length);
            scoringTimes = java.util.Arrays.copyOf(scoringTimes, toScore.length);
        }
        toScore[samples] = scoringTime - eventTime;
        toCommitted[samples] = received - eventTime;
        scoringTimes[samples] = scoringTime;
        samples++;
        passes += 1.0 / Math.max(1, batchSize);
    }

    /** Events per forward pass of the model, on average. */
    synchronized double eventsPerPass() {
        return passes == 0 ? 0 : samples / passes;
    }

    /** The scoring times seen, in order. */
    synchronized long[] scoringTimes() {
        long[] sorted = java.util.Arrays.copyOf(scoringTimes, samples);
        java.util.Arrays.sort(sorted);
        return sorted;
    }

    synchronized long seen() {
        if (failure != null) {
            throw new IllegalStateException("reading the scores failed", failure);
        }
        return samples;
    }

    synchronized long[] toScore() {
        return BenchSupport.percentiles(toScore, samples);
    }

    synchronized long[] toCommitted() {
        return BenchSupport.percentiles(toCommitted, samples);
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(5_000);
        consumer.close();
    }
}
