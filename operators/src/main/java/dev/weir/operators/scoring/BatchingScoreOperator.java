package dev.weir.operators.scoring;

import dev.weir.models.BatchScorer;
import dev.weir.models.ModelMetadata;
import dev.weir.models.NativeBackend;
import dev.weir.models.NativeThreads;
import dev.weir.models.TopReasons;
import dev.weir.models.registry.ModelPointer;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.Decision;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Reason;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.MemoryWorkspaceManager;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores featured transactions in micro-batches: events wait until the batch holds {@code
 * maxBatchSize} of them or the oldest has waited {@code maxWaitMillis}, then one forward pass
 * scores them all. The batch is flushed before every checkpoint barrier and every watermark, so no
 * event waits on a checkpoint, none sits in a snapshot, and none is overtaken by a watermark; the
 * buffer therefore needs no state and nothing is lost on failure.
 *
 * <p>The model is loaded in {@link #open()}; its feature names must equal the feature set's. The
 * second input carries model-control commands, broadcast to every subtask: each swaps models
 * between two batches, and the pointer in force is kept in broadcast state.
 *
 * <p>This class wires the pieces that do the work: {@link MicroBatch} decides when a batch goes,
 * {@link ServingModels} holds the champion and challenger and applies commands (loading through
 * {@link ModelLoader}), {@link ModelPointerState} keeps the pointers in broadcast state, and {@link
 * ModelEvents} builds the model events of the {@link #MONITORING} side output.
 *
 * <p>Each score carries the champion's reason codes ({@link ReasonCodes}): integrated gradients of
 * each row of the batch, computed right after its forward pass from the same input rows ({@link
 * dev.weir.models.IntegratedGradients}, on the Java heap). A challenger scores without them.
 *
 * <p>Native memory stays bounded: a pass allocates no ND4J buffer of its own (see {@link
 * BatchScorer}); a model replaced by a command has its workspace released at once, and {@link
 * #close()} releases the ND4J workspaces of the task thread. ND4J may use {@link
 * ScoringOptions#NATIVE_THREADS} native threads per subtask (default 1), set in {@link #open()} on
 * the task thread.
 */
public class BatchingScoreOperator extends AbstractStreamOperator<Score>
        implements TwoInputStreamOperator<FeaturedTransaction, ModelControl, Score> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BatchingScoreOperator.class);

    /** Model events: a command refused, a champion switched, a challenger set. */
    public static final OutputTag<MonitoringRecord> MONITORING =
            new OutputTag<>("model-events", WeirTypes.MONITORING_RECORD);

    public static final String METRIC_GROUP = "weir";
    public static final String EVENTS_SCORED = "eventsScored";
    public static final String DECLINED = "eventsDeclined";
    public static final String BATCHES = "scoringBatches";
    public static final String LAST_BATCH_SIZE = "lastBatchSize";
    public static final String MODEL_VERSION = "modelVersion";
    public static final String BACKEND = "nd4jBackend";
    public static final String NATIVE_THREADS = "nd4jThreads";
    public static final String SWAPS = "modelSwaps";
    public static final String REFUSED = "modelSwapsRefused";

    private final ModelPointer model;
    private final List<String> featureNames;
    private final int maxBatchSize;
    private final long maxWaitMillis;
    private final List<String> monitoredInputs;
    private final ReasonCodes reasons;

    private transient ModelPointerState pointers;
    private transient ServingModels models;
    private transient MicroBatch<FeaturedTransaction> batch;
    private transient Counter scored;
    private transient Counter declined;
    private transient Counter batches;
    private transient volatile int lastBatchSize;
    private transient Counter swaps;
    private transient Counter refused;

    /** Scores with the model directory {@code modelDir} (not from a registry: no checksum). */
    public BatchingScoreOperator(
            String modelDir, List<String> featureNames, int maxBatchSize, long maxWaitMillis) {
        this(
                new ModelPointer(null, null, modelDir, null),
                featureNames,
                maxBatchSize,
                maxWaitMillis,
                List.of());
    }

    /** Scores with a registered version, refused at open() if it fails its checksum. */
    public BatchingScoreOperator(
            ModelPointer model, List<String> featureNames, int maxBatchSize, long maxWaitMillis) {
        this(model, featureNames, maxBatchSize, maxWaitMillis, List.of());
    }

    /**
     * @param monitoredInputs transaction fields copied into each score's monitored_inputs, for
     *     drift monitoring of categorical inputs
     */
    public BatchingScoreOperator(
            ModelPointer model,
            List<String> featureNames,
            int maxBatchSize,
            long maxWaitMillis,
            List<String> monitoredInputs) {
        this(
                model,
                featureNames,
                maxBatchSize,
                maxWaitMillis,
                monitoredInputs,
                ReasonCodes.DEFAULT);
    }

    /**
     * @param monitoredInputs transaction fields copied into each score's monitored_inputs, for
     *     drift monitoring of categorical inputs
     * @param reasons the reason codes each score carries ({@link ReasonCodes#OFF} for none)
     */
    public BatchingScoreOperator(
            ModelPointer model,
            List<String> featureNames,
            int maxBatchSize,
            long maxWaitMillis,
            List<String> monitoredInputs,
            ReasonCodes reasons) {
        if (maxBatchSize < 1 || maxWaitMillis < 0) {
            throw new IllegalArgumentException("batch size must be >= 1 and wait >= 0");
        }
        this.model = model;
        this.featureNames = List.copyOf(featureNames);
        this.maxBatchSize = maxBatchSize;
        this.maxWaitMillis = maxWaitMillis;
        this.monitoredInputs = List.copyOf(monitoredInputs);
        this.reasons = reasons;
        for (String field : monitoredInputs) {
            if (Transaction.getClassSchema().getField(field) == null) {
                throw new IllegalArgumentException(
                        "Transaction has no field '" + field + "' to monitor");
            }
        }
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        pointers = ModelPointerState.restore(context.getOperatorStateStore());
    }

    @Override
    public void open() throws Exception {
        super.open();
        batch = new MicroBatch<>(maxBatchSize, maxWaitMillis);
        int threads =
                ScoringOptions.nativeThreads(
                        getContainingTask()
                                .getEnvironment()
                                .getTaskManagerInfo()
                                .getConfiguration());
        // Before the model loads: ND4J starts here, on this thread, with its executioner set.
        NativeBackend.start();
        int nativeThreads = NativeThreads.limitCallingThread(threads) ? threads : 0;
        // A restarted job serves what the last commands chose, not the model it was submitted with.
        ModelPointer champion = pointers.champion();
        models = new ServingModels(new ModelLoader(featureNames, maxBatchSize, reasons.enabled()));
        models.start(champion == null ? model : champion, pointers.challenger());
        String backend =
                Nd4j.getBackend().getClass().getSimpleName()
                        + ", executioner "
                        + Nd4j.getExecutioner().getClass().getSimpleName();
        ModelMetadata serving = models.champion().metadata();
        LOG.info(
                "subtask {} scores with model {} version {} on ND4J backend {} (native threads: {}), batches of up"
                        + " to {} within {} ms, {} reason codes per score",
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                serving.name(),
                serving.version(),
                backend,
                nativeThreads == 0 ? "no limit on this backend" : nativeThreads,
                maxBatchSize,
                maxWaitMillis,
                reasons.top());
        MetricGroup group = getMetricGroup().addGroup(METRIC_GROUP);
        scored = group.counter(EVENTS_SCORED);
        declined = group.counter(DECLINED);
        batches = group.counter(BATCHES);
        swaps = group.counter(SWAPS);
        refused = group.counter(REFUSED);
        group.gauge(LAST_BATCH_SIZE, (Gauge<Integer>) () -> lastBatchSize);
        group.gauge(MODEL_VERSION, (Gauge<String>) () -> models.championVersion());
        group.gauge(BACKEND, (Gauge<String>) () -> backend);
        group.gauge(NATIVE_THREADS, (Gauge<Integer>) () -> nativeThreads);
    }

    /**
     * A command from the model-control topic. Events that arrived before it are scored by the old
     * model (the batch is flushed first), events after it by the new one. A model that fails to
     * load or its checksum is refused: the old one keeps serving.
     */
    @Override
    public void processElement2(StreamRecord<ModelControl> element) throws Exception {
        ModelControl command = element.getValue();
        if (ServingModels.mayChangeModels(command)) {
            flush();
        }
        ServingModels.Outcome outcome = models.apply(command);
        switch (outcome.effect()) {
            case CHAMPION_SWITCHED -> {
                pointers.putChampion(outcome.pointer());
                swaps.inc();
            }
            case CHALLENGER_SET -> pointers.putChallenger(outcome.pointer());
            case CHALLENGER_CLEARED -> pointers.removeChallenger();
            case REFUSED -> refused.inc();
            case IGNORED -> {
                // REQUEST_RETRAIN is for whoever trains models; unknown commands are logged.
            }
        }
        if (outcome.reported()
                && ModelEvents.reportedBy(
                        getRuntimeContext().getTaskInfo().getIndexOfThisSubtask())) {
            output.collect(
                    MONITORING,
                    new StreamRecord<>(
                            ModelEvents.of(command, outcome.refused(), outcome.note()),
                            command.getIssuedAt().toEpochMilli()));
        }
    }

    @Override
    public void processElement1(StreamRecord<FeaturedTransaction> element) throws Exception {
        int row = batch.nextRow();
        FeaturedTransaction value = element.getValue();
        List<Double> features = value.getFeatures();
        BatchScorer champion = models.champion();
        BatchScorer challenger = models.challenger();
        for (int i = 0; i < features.size(); i++) {
            champion.set(row, i, features.get(i));
            if (challenger != null) {
                challenger.set(row, i, features.get(i));
            }
        }
        switch (batch.add(
                value, element.hasTimestamp(), element.getTimestamp(), System.nanoTime())) {
            case FLUSH -> flush();
            case START_TIMER -> {
                long due =
                        getProcessingTimeService().getCurrentProcessingTime()
                                + batch.maxWaitMillis();
                getProcessingTimeService()
                        .registerTimer(
                                due,
                                time -> {
                                    batch.timerFired();
                                    flush();
                                });
            }
            case WAIT -> {
                // The pending timer flushes this event at the latest.
            }
        }
    }

    @Override
    public void processWatermark1(Watermark mark) throws Exception {
        flush();
        super.processWatermark1(mark);
    }

    @Override
    public void processWatermark2(Watermark mark) throws Exception {
        flush();
        super.processWatermark2(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    /**
     * Releases the models' workspaces and DL4J's activation workspaces of this task thread (the
     * only thread of the task that uses ND4J), without waiting for the garbage collector.
     */
    @Override
    public void close() throws Exception {
        try {
            super.close();
        } finally {
            if (models != null) {
                models.close();
            }
            MemoryWorkspaceManager workspaces = Nd4j.getWorkspaceManager();
            for (MemoryWorkspace workspace : workspaces.getAllWorkspacesForCurrentThread()) {
                if (!workspace.isScopeActive()) {
                    workspaces.destroyWorkspace(workspace);
                }
            }
        }
    }

    private Map<String, String> inputs(Transaction txn) {
        if (monitoredInputs.isEmpty()) {
            return Map.of();
        }
        Map<String, String> values = new HashMap<>();
        for (String field : monitoredInputs) {
            Object value = txn.get(field);
            values.put(field, value == null ? "null" : value.toString());
        }
        return values;
    }

    /** The reason codes of one score: its largest contributions, by feature name. */
    private List<Reason> reasons(double[] attributions) {
        int[] top = TopReasons.of(attributions, reasons.top());
        Reason[] codes = new Reason[top.length];
        for (int i = 0; i < top.length; i++) {
            codes[i] = new Reason(featureNames.get(top[i]), attributions[top[i]]);
        }
        return Arrays.asList(codes);
    }

    /**
     * Scores the waiting events in one forward pass per model, attributes the champion's scores to
     * the features when reason codes are on, and emits them in arrival order.
     */
    private void flush() {
        if (batch.isEmpty()) {
            return;
        }
        int n = batch.size();
        BatchScorer champion = models.champion();
        BatchScorer challenger = models.challenger();
        double[] scores = champion.score(n);
        // The reasons come from the same rows as the scores, before the next batch overwrites them.
        double[][] attributions = reasons.enabled() ? champion.attributions(n) : null;
        double[] challengerScores = challenger == null ? null : challenger.score(n);
        long done = System.nanoTime();
        ModelMetadata metadata = champion.metadata();
        Instant now = Instant.now();
        for (int r = 0; r < n; r++) {
            FeaturedTransaction event = batch.value(r);
            Transaction txn = event.getTransaction();
            boolean decline = champion.declines(scores[r]);
            Score score =
                    Score.newBuilder()
                            .setTransactionId(txn.getTransactionId())
                            .setAccountId(txn.getAccountId())
                            .setMerchantId(txn.getMerchantId())
                            .setDeviceId(txn.getDeviceId())
                            .setScore(scores[r])
                            .setDecision(decline ? Decision.DECLINE : Decision.APPROVE)
                            .setModelName(metadata.name())
                            .setModelVersion(metadata.version())
                            .setFeatures(event.getFeatures())
                            .setEventTime(txn.getEventTime())
                            .setScoringTime(now)
                            .setBatchSize(n)
                            .setScoringLatencyMicros((done - batch.arrivalNanos(r)) / 1_000)
                            .setChallengerVersion(
                                    challengerScores == null
                                            ? null
                                            : challenger.metadata().version())
                            .setChallengerScore(
                                    challengerScores == null ? null : challengerScores[r])
                            .setMonitoredInputs(inputs(txn))
                            .setReasons(attributions == null ? List.of() : reasons(attributions[r]))
                            .setChallengerDecision(
                                    challengerScores == null
                                            ? null
                                            : challenger.declines(challengerScores[r])
                                                    ? Decision.DECLINE
                                                    : Decision.APPROVE)
                            .build();
            output.collect(
                    batch.hasTimestamp(r)
                            ? new StreamRecord<>(score, batch.timestamp(r))
                            : new StreamRecord<>(score));
            if (decline) {
                declined.inc();
            }
        }
        scored.inc(n);
        batches.inc();
        lastBatchSize = n;
        batch.clear();
    }
}
