package dev.weir.jobs.demo;

import dev.weir.schemas.Decision;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Score;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.specific.SpecificData;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads the committed scores and dead letters as a downstream consumer would, counting them and
 * recording latencies: event to score (scoring time minus event time) and event to visible (when
 * this reader received the committed score).
 */
final class OutputWatcher implements Runnable, AutoCloseable {

    private static final int MAX_SAMPLES = 2_000_000;

    final AtomicLong scored = new AtomicLong();
    final AtomicLong declined = new AtomicLong();
    final AtomicLong deadLetters = new AtomicLong();
    final AtomicLong monitoringRecords = new AtomicLong();
    /** Alerts read from the monitoring topic, one line each, taken by the progress printer. */
    final java.util.concurrent.ConcurrentLinkedQueue<String> alerts = new java.util.concurrent.ConcurrentLinkedQueue<>();
    final AtomicLong alertCount = new AtomicLong();

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String scoresTopic;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final BinaryMessageDecoder<Score> decoder =
            new BinaryMessageDecoder<>(SpecificData.getForClass(Score.class), Score.getClassSchema());
    private final Thread thread = new Thread(this, "weir-demo-watcher");
    private long[] toScore = new long[1024];
    private long[] toVisible = new long[1024];
    private int samples;

    private final String monitoringTopic;
    private final BinaryMessageDecoder<MonitoringRecord> monitoringDecoder = new BinaryMessageDecoder<>(
            SpecificData.getForClass(MonitoringRecord.class), MonitoringRecord.getClassSchema());

    OutputWatcher(String bootstrap, String scoresTopic, String dlqTopic, String monitoringTopic) {
        this.consumer = dev.weir.jobs.kafka.KafkaClients.readCommittedConsumer(bootstrap, "weir-demo-watch");
        this.scoresTopic = scoresTopic;
        this.monitoringTopic = monitoringTopic;
        consumer.subscribe(List.of(scoresTopic, dlqTopic, monitoringTopic));
    }

    private void monitoring(byte[] value) {
        monitoringRecords.incrementAndGet();
        try {
            MonitoringRecord m = monitoringDecoder.decode(ByteBuffer.wrap(value));
            if (m.getAlert()) {
                alertCount.incrementAndGet();
                alerts.add(describe(m));
            } else if (m.getKind() == dev.weir.schemas.MonitoringKind.MODEL) {
                alerts.add(describe(m)); // model switches, challengers, the governor's decisions
            }
        } catch (Exception e) {
            throw new IllegalStateException("undecodable monitoring record", e);
        }
    }

    /** One line for an alert: what, where, and its statistics. */
    static String describe(MonitoringRecord m) {
        StringBuilder values = new StringBuilder();
        for (String key : List.of("psi", "ks", "js", "chi_square_p", "failed", "auc", "live_count")) {
            Double v = m.getValues().get(key);
            if (v != null && !v.isNaN()) {
                values.append(' ').append(key).append(' ')
                        .append(v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf(v.longValue())
                                : String.format(java.util.Locale.ROOT, "%.3g", v));
            }
        }
        String window = java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss").withZone(java.time.ZoneOffset.UTC)
                .format(m.getWindowStart());
        return m.getKind() + " " + m.getSubject() + (m.getModelVersion() == null ? "" : " (v" + m.getModelVersion() + ")")
                + " window " + window + values + (m.getNote() == null ? "" : " - " + m.getNote());
    }

    void start() {
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run() {
        while (!stop.get()) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                long now = System.currentTimeMillis();
                if (record.topic().equals(monitoringTopic)) {
                    monitoring(record.value());
                    continue;
                }
                if (!record.topic().equals(scoresTopic)) {
                    deadLetters.incrementAndGet();
                    continue;
                }
                try {
                    Score score = decoder.decode(ByteBuffer.wrap(record.value()));
                    long eventTime = score.getEventTime().toEpochMilli();
                    record(score.getScoringTime().toEpochMilli() - eventTime, now - eventTime);
                    if (score.getDecision() == Decision.DECLINE) {
                        declined.incrementAndGet();
                    }
                    scored.incrementAndGet();
                } catch (Exception e) {
                    throw new IllegalStateException("undecodable score at offset " + record.offset(), e);
                }
            }
        }
    }

    private synchronized void record(long scoreLatency, long visibleLatency) {
        if (samples == MAX_SAMPLES) {
            return;
        }
        if (samples == toScore.length) {
            toScore = Arrays.copyOf(toScore, samples * 2);
            toVisible = Arrays.copyOf(toVisible, samples * 2);
        }
        toScore[samples] = scoreLatency;
        toVisible[samples] = visibleLatency;
        samples++;
    }

    /** {p50, p99} of event-to-score and of event-to-visible latency in ms, or null with no sample. */
    synchronized long[] percentiles() {
        if (samples == 0) {
            return null;
        }
        long[] a = Arrays.copyOf(toScore, samples);
        long[] b = Arrays.copyOf(toVisible, samples);
        Arrays.sort(a);
        Arrays.sort(b);
        return new long[] {at(a, 0.50), at(a, 0.99), at(b, 0.50), at(b, 0.99)};
    }

    private static long at(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        thread.join(5_000);
        consumer.close();
    }
}
