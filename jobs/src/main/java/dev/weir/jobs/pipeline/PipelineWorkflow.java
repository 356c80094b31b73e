package dev.weir.jobs.pipeline;

import dev.weir.jobs.config.MonitoringConfig;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.models.registry.ModelPointer;
import dev.weir.operators.decode.DeadLetters;
import dev.weir.operators.decode.DecodeLabels;
import dev.weir.operators.decode.DecodeModelControl;
import dev.weir.operators.decode.DecodeTransactions;
import dev.weir.operators.decode.DeduplicateTransactions;
import dev.weir.operators.features.FeatureStages;
import dev.weir.operators.features.LateToDeadLetter;
import dev.weir.operators.kafka.RawRecord;
import dev.weir.operators.labels.LabelJoin;
import dev.weir.operators.monitoring.AgreementMonitor;
import dev.weir.operators.monitoring.DriftMonitor;
import dev.weir.operators.monitoring.FairnessMonitor;
import dev.weir.operators.monitoring.Monitors;
import dev.weir.operators.monitoring.PerformanceMonitor;
import dev.weir.operators.monitoring.ProfileLoader;
import dev.weir.operators.monitoring.QualityMonitor;
import dev.weir.operators.quality.QualityRules;
import dev.weir.operators.quality.Rule;
import dev.weir.operators.scoring.BatchingScoreOperator;
import dev.weir.operators.scoring.ReasonCodes;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Label;
import dev.weir.schemas.LabelOutcome;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The pipeline's topology: decode, check quality and govern, one feature stage per entity, score,
 * then the sinks; beside it, monitoring (quality, drift, label join and realised performance,
 * agreement) as side outputs. Sources and sinks are passed in, so tests run the very same workflow
 * on bounded input.
 */
public final class PipelineWorkflow {

    /** The watermark-alignment group of the transaction partitions. */
    static final String ALIGNMENT_GROUP = "weir-transactions";

    private PipelineWorkflow() {}

    /** The topology's outputs, for callers that attach more to them. */
    public record Outputs(
            DataStream<Transaction> events,
            DataStream<Score> scores,
            DataStream<DeadLetter> deadLetters,
            DataStream<MonitoringRecord> monitoring) {}

    public static Outputs define(
            StreamExecutionEnvironment env,
            PipelineConfig config,
            PipelineSources sources,
            PipelineSinks sinks) {
        configure(env, config);
        // The config resolved the champion once, so the scorer and the drift monitor start with the
        // same one even if a promotion lands in the registry while the job is being built.
        ModelPointer champion = config.modelPointer();
        MonitoringConfig monitoring = config.monitoring();
        QualityRules rules = monitoring.rules();

        WatermarkStrategy<RawRecord> watermarks =
                kafkaEventTime(config.outOfOrderness(), config.idleness());
        if (!config.alignmentMaxDrift().isZero()
                && sources.transactions().getBoundedness() == Boundedness.CONTINUOUS_UNBOUNDED) {
            // A catch-up then reads every partition at a similar event-time pace, which bounds the
            // events the ordered feature stages hold while the slowest partition catches up. Not
            // on bounded runs: the Kafka connector (5.0.0) may pause a partition that has just
            // finished and fail with "No current assignment for partition" (FLINK-39728).
            watermarks =
                    watermarks.withWatermarkAlignment(
                            ALIGNMENT_GROUP,
                            config.alignmentMaxDrift(),
                            config.alignmentUpdateInterval());
        }

        DataStream<RawRecord> raw =
                env.fromSource(
                                sources.transactions(),
                                watermarks,
                                "Kafka " + config.transactionsTopic())
                        .uid(Uids.SOURCE_TRANSACTIONS);

        // Decode, check the quality rules, then govern: nothing past this sees raw personal data.
        SingleOutputStreamOperator<Transaction> decoded =
                raw.process(
                                new DecodeTransactions(
                                        rules, monitoring.policy(), config.transactionsFormat()),
                                WeirTypes.TRANSACTION)
                        .uid(Uids.DECODE)
                        .name("Decode, check quality, govern");
        DataStream<DeadLetter> deadLetters = decoded.getSideOutput(DeadLetters.TAG);
        DataStream<Transaction> checked = decoded.getSideOutput(DecodeTransactions.REJECTED);
        DataStream<Transaction> transactions = decoded;
        if (rules.duplicateRule().isPresent()) {
            Rule duplicate = rules.duplicateRule().get();
            SingleOutputStreamOperator<Transaction> unique =
                    decoded.keyBy(Transaction::getTransactionId, WeirTypes.TRANSACTION_ID)
                            .process(
                                    new DeduplicateTransactions(
                                            duplicate, config.transactionsTopic()),
                                    WeirTypes.TRANSACTION)
                            .uid(Uids.DEDUPLICATE)
                            .name(
                                    "Duplicate transaction ids ("
                                            + human(DeduplicateTransactions.window(duplicate))
                                            + ")");
            deadLetters = deadLetters.union(unique.getSideOutput(DeadLetters.TAG));
            checked = checked.union(unique.getSideOutput(DecodeTransactions.REJECTED));
            transactions = unique;
        }
        checked = checked.union(transactions);

        FeatureSet featureSet = config.featureSet();
        FeatureStages.Result features =
                FeatureStages.apply(
                        transactions,
                        featureSet,
                        Uids.FEATURES,
                        config.featureOrdering(),
                        config.featureOrderingMaxWait(),
                        config.featuresPublish());
        DataStream<FeaturedTransaction> featured = features.featured();

        // Commands are published one at a time, in order: no out-of-orderness (zero is what
        // forMonotonousTimestamps means).
        SingleOutputStreamOperator<ModelControl> control =
                env.fromSource(
                                sources.control(),
                                kafkaEventTime(Duration.ZERO, config.idleness()),
                                "Kafka " + config.controlTopic())
                        .uid(Uids.SOURCE_MODEL_CONTROL)
                        .process(new DecodeModelControl(), WeirTypes.MODEL_CONTROL)
                        .uid(Uids.DECODE_MODEL_CONTROL)
                        .name("Decode model-control commands");
        deadLetters = deadLetters.union(control.getSideOutput(DeadLetters.TAG));

        SingleOutputStreamOperator<Score> scores =
                featured.connect(control.broadcast())
                        .transform(
                                "Score (DL4J, batches of " + config.scoringMaxBatchSize() + ")",
                                WeirTypes.SCORE,
                                new BatchingScoreOperator(
                                        champion,
                                        featureSet.vectorNames(),
                                        config.scoringMaxBatchSize(),
                                        config.scoringMaxWait().toMillis(),
                                        monitoring.monitoredInputs(),
                                        new ReasonCodes(config.scoringReasonsTop())))
                        .uid(Uids.SCORE);

        DataStream<DeadLetter> late =
                features.late()
                        .map(
                                new LateToDeadLetter(config.transactionsTopic()),
                                WeirTypes.DEAD_LETTER)
                        .uid(Uids.LATE_TO_DEAD_LETTER)
                        .name("Late events to dead letters");
        DataStream<DeadLetter> vectorChanged =
                features.vectorChanged()
                        .map(
                                new LateToDeadLetter(
                                        config.transactionsTopic(),
                                        LateToDeadLetter.Cause.VECTOR_CHANGED),
                                WeirTypes.DEAD_LETTER)
                        .uid(Uids.VECTOR_CHANGED_TO_DEAD_LETTER)
                        .name("Events across a feature-set change to dead letters");
        deadLetters = deadLetters.union(late).union(vectorChanged);

        SingleOutputStreamOperator<Label> labels =
                env.fromSource(
                                sources.labels(),
                                kafkaEventTime(config.outOfOrderness(), config.idleness()),
                                "Kafka " + config.labelsTopic())
                        .uid(Uids.SOURCE_LABELS)
                        .process(new DecodeLabels(config.labelsFormat()), WeirTypes.LABEL)
                        .uid(Uids.DECODE_LABELS)
                        .name("Decode labels");
        deadLetters = deadLetters.union(labels.getSideOutput(DeadLetters.TAG));

        DataStream<MonitoringRecord> monitoringRecords =
                monitor(config, champion, rules, checked, scores, labels)
                        .union(scores.getSideOutput(BatchingScoreOperator.MONITORING));

        sinks.writeEvents(transactions);
        sinks.writeScores(scores);
        sinks.writeDecisions(scores);
        sinks.writeFeatures(featured, featureSet.vectorNames());
        if (config.featuresPublish()) {
            sinks.writeEntityFeatures(features.entityFeatures());
        }
        sinks.writeDeadLetters(deadLetters);
        sinks.writeMonitoring(monitoringRecords);
        flushLessOftenOffTheDecisionPath(env, featured, config.sideBufferTimeout());
        return new Outputs(transactions, scores, deadLetters, monitoringRecords);
    }

    /**
     * Quality counts, drift, realised performance from labels, and champion/challenger agreement.
     */
    private static DataStream<MonitoringRecord> monitor(
            PipelineConfig config,
            ModelPointer champion,
            QualityRules rules,
            DataStream<Transaction> checked,
            DataStream<Score> scores,
            DataStream<Label> labels) {
        MonitoringConfig m = config.monitoring();
        java.util.LinkedHashMap<String, String> severities = new java.util.LinkedHashMap<>();
        for (Rule rule : rules.rules()) {
            severities.put(rule.name(), rule.severity().name().toLowerCase(java.util.Locale.ROOT));
        }
        DataStream<MonitoringRecord> quality =
                Monitors.aggregate(
                        checked,
                        new QualityMonitor(severities),
                        m.window(),
                        m.allowedLateness(),
                        Uids.MONITOR_QUALITY,
                        "Quality per window");

        DriftMonitor drift =
                new DriftMonitor(
                        ProfileLoader.of(champion, config.modelRegistry()),
                        m.categoricalInputs(),
                        m.thresholds());
        DataStream<MonitoringRecord> drifts =
                Monitors.aggregate(
                        scores,
                        drift,
                        m.window(),
                        m.allowedLateness(),
                        Uids.MONITOR_DRIFT,
                        "Drift per window");

        DataStream<LabelOutcome> outcomes =
                scores.keyBy(Score::getTransactionId, WeirTypes.TRANSACTION_ID)
                        .connect(labels.keyBy(Label::getTransactionId, WeirTypes.TRANSACTION_ID))
                        .process(
                                new LabelJoin(
                                        m.scoreTtl().toMillis(),
                                        m.labelWait().toMillis(),
                                        m.fairnessAttributes()),
                                WeirTypes.LABEL_OUTCOME)
                        .uid(Uids.LABEL_JOIN)
                        .name("Join labels with scores (TTL " + human(m.scoreTtl()) + ")");
        DataStream<MonitoringRecord> performance =
                Monitors.aggregate(
                        outcomes,
                        new PerformanceMonitor(m.minAuc(), m.minLabels()),
                        m.window(),
                        m.allowedLateness(),
                        Uids.MONITOR_PERFORMANCE,
                        "Realised performance per window");

        if (!m.fairnessAttributes().isEmpty()) {
            performance =
                    performance.union(
                            Monitors.aggregate(
                                    outcomes,
                                    new FairnessMonitor(m.fairness()),
                                    m.window(),
                                    m.allowedLateness(),
                                    Uids.MONITOR_FAIRNESS,
                                    "Fairness per segment and window"));
        }

        DataStream<MonitoringRecord> agreement =
                Monitors.aggregate(
                        scores,
                        new AgreementMonitor(),
                        m.window(),
                        m.allowedLateness(),
                        Uids.MONITOR_AGREEMENT,
                        "Champion/challenger agreement per window");
        return quality.union(drifts, performance, agreement);
    }

    /**
     * Watermarks of a Kafka input from its records' timestamps (their event time), per partition,
     * {@code outOfOrderness} behind the latest; a partition idle for {@code idleness} stops holding
     * them back.
     */
    private static WatermarkStrategy<RawRecord> kafkaEventTime(
            Duration outOfOrderness, Duration idleness) {
        return WatermarkStrategy.<RawRecord>forBoundedOutOfOrderness(outOfOrderness)
                .withTimestampAssigner((record, kafkaTimestamp) -> record.timestamp)
                .withIdleness(idleness);
    }

    /** A duration as operator names show it: "1h", "168h", "30s". */
    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Every operator a payment passes on its way to scoring keeps the pipeline's buffer timeout;
     * all others (the writers and committers, monitoring, the label join, model-control commands,
     * dead letters, and scoring itself, whose decisions writer is chained to it) get {@code
     * timeout}, as the environment's default, which also reaches the operators Flink expands a sink
     * into. Each network output of an operator has a thread that wakes up at every timeout, about a
     * hundred of them at parallelism 2, and their wake-ups cost the TaskManager as much CPU whether
     * records flow or not; what these outputs feed is committed at checkpoints or aggregated per
     * window.
     */
    private static void flushLessOftenOffTheDecisionPath(
            StreamExecutionEnvironment env, DataStream<?> scoringInput, Duration timeout) {
        long decisionPath = env.getBufferTimeout();
        for (Transformation<?> t : upstream(List.of(scoringInput.getTransformation()))) {
            t.setBufferTimeout(decisionPath);
        }
        env.setBufferTimeout(timeout.toMillis());
    }

    /** The transformations given and all their inputs, transitively; by identity. */
    private static Set<Transformation<?>> upstream(List<Transformation<?>> from) {
        Set<Transformation<?>> found = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Transformation<?>> pending = new ArrayDeque<>(from);
        while (!pending.isEmpty()) {
            Transformation<?> t = pending.pop();
            if (found.add(t)) {
                pending.addAll(t.getInputs());
            }
        }
        return found;
    }

    /** Settings the pipeline relies on whatever the cluster's defaults are. */
    public static void configure(StreamExecutionEnvironment env, PipelineConfig config) {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        // Chained operators get the record itself instead of a deep copy per consumer (the scores
        // fan out to five). Safe because every operator here builds new records and none changes
        // its input after receiving or emitting it; records from the network are never reused.
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        env.configure(conf);
        env.enableCheckpointing(
                config.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        // A record waits in an output buffer until it fills or this timeout passes, at every
        // shuffle: Flink's 100 ms default would hold each decision that long per entity stage.
        // define() gives the operators off the decision path a timeout of their own.
        env.setBufferTimeout(config.bufferTimeout().toMillis());
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
    }
}
