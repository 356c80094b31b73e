package dev.weir.cli.demo;

import dev.weir.cli.LatencyCounts;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.operators.wire.RecordDecoder;
import dev.weir.operators.wire.TopicFormat;
import dev.weir.schemas.Decision;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Reason;
import dev.weir.schemas.Score;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads the outputs as downstream consumers would, counting them and recording latencies: event to
 * score (scoring time minus event time), event to decision visible (when a consumer of the
 * decisions topic received the decision) and event to committed (when this reader received the
 * committed score). The decisions have a consumer of their own, so the bursts of committed output
 * that every checkpoint releases do not delay their measurement. Each topic is read in the format
 * the pipeline writes it in.
 */
final class OutputWatcher implements Runnable, AutoCloseable {

    /** How many decision keys the watcher remembers to drop repeats: minutes of demo traffic. */
    private static final int RECENT_DECISIONS = 200_000;

    final AtomicLong scored = new AtomicLong();
    final AtomicLong declined = new AtomicLong();
    final AtomicLong deadLetters = new AtomicLong();
    final AtomicLong monitoringRecords = new AtomicLong();

    /** Alerts read from the monitoring topic, one line each, taken by the progress printer. */
    final java.util.concurrent.ConcurrentLinkedQueue<String> alerts =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    final AtomicLong alertCount = new AtomicLong();

    /**
     * Decisions received, first receipts only (a repeat of a transaction id and model version is
     * dropped).
     */
    final AtomicLong decisions = new AtomicLong();

    /** Repeats of a decision already received: at-least-once delivery after a restart. */
    final AtomicLong decisionRepeats = new AtomicLong();

    /** Event time (ms) from which payments are in the latencies. */
    private volatile long measureFrom = Long.MIN_VALUE;

    /** Polls each consumer has finished, so a caller can wait for ones begun after a moment. */
    private final AtomicLong outputPolls = new AtomicLong();

    private final AtomicLong decisionPolls = new AtomicLong();

    /** The latest declined payment with its reason codes, taken by the progress printer. */
    final AtomicReference<String> latestDecline = new AtomicReference<>();

    /** The last declined payment's committed score. */
    final AtomicReference<Score> lastDeclined = new AtomicReference<>();

    /** The last few declined payments with their reason codes, for the summary. */
    private final ArrayDeque<String> lastDeclines = new ArrayDeque<>();

    private static final int DECLINES_KEPT = 3;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaConsumer<byte[], byte[]> decisionConsumer;
    private final String scoresTopic;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final RecordDecoder<Score> decoder;
    private final RecordDecoder<Score> decisionDecoder;
    private final Thread thread = new Thread(this, "weir-demo-watcher");
    private final Thread decisionThread =
            new Thread(this::watchDecisions, "weir-demo-decision-watcher");
    // Counts per millisecond value: exact percentiles in bounded memory, however long it runs.
    private final LatencyCounts toScore = new LatencyCounts();
    private final LatencyCounts toVisible = new LatencyCounts();
    private final LatencyCounts toDecision = new LatencyCounts();
    private final LatencyCounts recentToDecision = new LatencyCounts();

    private final String monitoringTopic;
    private final RecordDecoder<MonitoringRecord> monitoringDecoder;

    /** Reads the outputs of the pipeline of {@code config} from {@code bootstrap}. */
    OutputWatcher(String bootstrap, PipelineConfig config) {
        this.consumer =
                dev.weir.cli.kafka.KafkaClients.readCommittedConsumer(bootstrap, "weir-demo-watch");
        this.scoresTopic = config.scoresTopic();
        this.monitoringTopic = config.monitoringTopic();
        String decisionsTopic = config.decisionsTopic();
        this.decoder = decoder(config.scoresFormat(), Score.class);
        this.decisionDecoder = decoder(config.decisionsFormat(), Score.class);
        this.monitoringDecoder = decoder(config.monitoringFormat(), MonitoringRecord.class);
        consumer.subscribe(List.of(scoresTopic, config.dlqTopic(), monitoringTopic));
        // The decisions are written without transactions, so read_committed shows each one as soon
        // as the broker has it, as read_uncommitted would.
        this.decisionConsumer =
                dev.weir.cli.kafka.KafkaClients.readCommittedConsumer(
                        bootstrap, "weir-demo-decisions");
        decisionConsumer.subscribe(List.of(decisionsTopic));
    }

    /** One decoder per reading thread: a Confluent decoder caches per instance. */
    private static <T extends SpecificRecord> RecordDecoder<T> decoder(
            TopicFormat format, Class<T> type) {
        return format.decoder(type, System::getenv, new UnregisteredMetricsGroup());
    }

    private void monitoring(byte[] value) {
        monitoringRecords.incrementAndGet();
        try {
            MonitoringRecord m = monitoringDecoder.decode(value);
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

    /** The last declined payments with their reason codes, oldest first. */
    List<String> lastDeclines() {
        synchronized (lastDeclines) {
            return List.copyOf(lastDeclines);
        }
    }

    /**
     * One line for a score: transaction, score and its reason codes with their signed
     * contributions, e.g. {@code tx-1 score 0.9981: account.devices_24h +0.412, ...}.
     */
    static String describe(Score score) {
        StringBuilder line =
                new StringBuilder(score.getTransactionId())
                        .append(String.format(Locale.ROOT, " score %.4f", score.getScore()));
        String separator = ": ";
        for (Reason reason : score.getReasons()) {
            line.append(separator)
                    .append(reason.getFeature())
                    .append(String.format(Locale.ROOT, " %+.3f", reason.getContribution()));
            separator = ", ";
        }
        return line.toString();
    }

    /** One line for an alert: what, where, and its statistics. */
    static String describe(MonitoringRecord m) {
        StringBuilder values = new StringBuilder();
        for (String key :
                List.of("psi", "ks", "js", "chi_square_p", "failed", "auc", "live_count")) {
            Double v = m.getValues().get(key);
            if (v != null && !v.isNaN()) {
                values.append(' ')
                        .append(key)
                        .append(' ')
                        .append(
                                v == Math.rint(v) && Math.abs(v) < 1e15
                                        ? String.valueOf(v.longValue())
                                        : String.format(Locale.ROOT, "%.3g", v));
            }
        }
        String window =
                java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss")
                        .withZone(java.time.ZoneOffset.UTC)
                        .format(m.getWindowStart());
        return m.getKind()
                + " "
                + m.getSubject()
                + (m.getModelVersion() == null ? "" : " (v" + m.getModelVersion() + ")")
                + " window "
                + window
                + values
                + (m.getNote() == null ? "" : " - " + m.getNote());
    }

    /**
     * Starts the latencies again, from the payments made at or after {@code epochMillis} (event
     * time): those before waited for the pipeline to start or to catch up, not in it.
     */
    synchronized void measureFrom(long epochMillis) {
        measureFrom = epochMillis;
        toScore.clear();
        toVisible.clear();
        toDecision.clear();
        recentToDecision.clear();
    }

    void start() {
        thread.setDaemon(true);
        thread.start();
        decisionThread.setDaemon(true);
        decisionThread.start();
    }

    /**
     * Reads the decisions as a fast-path consumer does: the first receipt of each transaction id
     * and model version counts, a repeat (written again after a restart) is dropped.
     */
    private void watchDecisions() {
        RecentKeys seen = new RecentKeys(RECENT_DECISIONS);
        while (!stop.get()) {
            decisionPolls.incrementAndGet();
            for (ConsumerRecord<byte[], byte[]> record :
                    decisionConsumer.poll(Duration.ofMillis(200))) {
                long now = System.currentTimeMillis();
                Score decision;
                try {
                    decision = decisionDecoder.decode(record.value());
                } catch (Exception e) {
                    throw new IllegalStateException(
                            "undecodable decision at offset " + record.offset(), e);
                }
                if (!seen.add(decision.getTransactionId() + "/" + decision.getModelVersion())) {
                    decisionRepeats.incrementAndGet();
                    continue;
                }
                long eventTime = decision.getEventTime().toEpochMilli();
                if (eventTime >= measureFrom) {
                    recordDecision(now - eventTime);
                }
                decisions.incrementAndGet();
            }
        }
    }

    /**
     * Keys seen lately, the oldest forgotten first: repeats follow their first copy within a
     * checkpoint interval and a restart, so a consumer needs only a bounded memory of them.
     */
    private static final class RecentKeys extends java.util.LinkedHashMap<String, Boolean> {
        private static final long serialVersionUID = 1L;
        private final int capacity;

        RecentKeys(int capacity) {
            this.capacity = capacity;
        }

        /** True when the key was not among the recent ones. */
        boolean add(String key) {
            return put(key, Boolean.TRUE) == null;
        }

        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
            return size() > capacity;
        }
    }

    @Override
    public void run() {
        while (!stop.get()) {
            outputPolls.incrementAndGet();
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
                    Score score = decoder.decode(record.value());
                    long eventTime = score.getEventTime().toEpochMilli();
                    if (eventTime >= measureFrom) {
                        record(score.getScoringTime().toEpochMilli() - eventTime, now - eventTime);
                    }
                    if (score.getDecision() == Decision.DECLINE) {
                        declined.incrementAndGet();
                        String why = describe(score);
                        latestDecline.set(why);
                        lastDeclined.set(score);
                        synchronized (lastDeclines) {
                            if (lastDeclines.size() == DECLINES_KEPT) {
                                lastDeclines.removeFirst();
                            }
                            lastDeclines.addLast(why);
                        }
                    }
                    scored.incrementAndGet();
                } catch (Exception e) {
                    throw new IllegalStateException(
                            "undecodable score at offset " + record.offset(), e);
                }
            }
        }
    }

    private synchronized void recordDecision(long latency) {
        toDecision.add(latency);
        recentToDecision.add(latency);
    }

    /**
     * {p50, p99} of event-to-decision-visible latency in ms over the whole run, or null with no
     * sample.
     */
    synchronized long[] decisionPercentiles() {
        return toDecision.count() == 0 ? null : toDecision.percentiles(0.50, 0.99);
    }

    /**
     * {p50, p99} of event-to-decision-visible latency in ms over the decisions received since the
     * previous call, or null when none was.
     */
    synchronized long[] recentDecisionPercentiles() {
        if (recentToDecision.count() == 0) {
            return null;
        }
        long[] recent = recentToDecision.percentiles(0.50, 0.99);
        recentToDecision.clear();
        return recent;
    }

    private synchronized void record(long scoreLatency, long visibleLatency) {
        toScore.add(scoreLatency);
        toVisible.add(visibleLatency);
    }

    /**
     * {p50, p99} of event-to-score and of event-to-visible latency in ms, or null with no sample.
     */
    synchronized long[] percentiles() {
        if (toScore.count() == 0) {
            return null;
        }
        long[] a = toScore.percentiles(0.50, 0.99);
        long[] b = toVisible.percentiles(0.50, 0.99);
        return new long[] {a[0], a[1], b[0], b[1]};
    }

    /**
     * Waits until both consumers have finished a poll begun after this call, so what was committed
     * before it has been counted; at most {@code timeout}.
     */
    void awaitPollsAfterNow(Duration timeout) throws InterruptedException {
        // A poll in progress may have begun before now: the one after it has not.
        long outputs = outputPolls.get() + 2;
        long decided = decisionPolls.get() + 2;
        long deadline = System.nanoTime() + timeout.toNanos();
        while ((outputPolls.get() < outputs || decisionPolls.get() < decided)
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        thread.join(5_000);
        decisionThread.join(5_000);
        consumer.close();
        decisionConsumer.close();
    }
}
