package dev.weir.operators.scoring;

import dev.weir.models.BatchScorer;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelMetadata;
import dev.weir.models.NativeThreads;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.schemas.Decision;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.MemoryWorkspaceManager;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores featured transactions in micro-batches: events wait until the batch holds
 * {@code maxBatchSize} of them or the oldest has waited {@code maxWaitMillis}, then one forward
 * pass scores them all. The batch is flushed before every checkpoint barrier and every
 * watermark, so no event waits on a checkpoint, none sits in a snapshot, and none is overtaken
 * by a watermark; the buffer therefore needs no state and nothing is lost on failure.
 *
 * <p>The model is loaded in {@link #open()}; its feature names must equal the feature set's. The
 * second input carries model-control commands, broadcast to every subtask: each swaps models
 * between two batches, and the pointer in force is kept in broadcast state.
 *
 * <p>Native memory stays bounded: a pass allocates no ND4J buffer of its own (see
 * {@link BatchScorer}); a model replaced by a command has its workspace released at once, and
 * {@link #close()} releases the ND4J workspaces of the task thread. ND4J may use
 * {@link ScoringOptions#NATIVE_THREADS} native threads per subtask (default 1), set in
 * {@link #open()} on the task thread.
 */
public class BatchingScoreOperator extends AbstractStreamOperator<Score>
        implements TwoInputStreamOperator<FeaturedTransaction, ModelControl, Score> {

    /**
     * Broadcast state: the champion pointer in force, so that a restarted job scores with the
     * model the last command chose, not the one it was submitted with. A pointer only.
     */
    public static final MapStateDescriptor<String, String> POINTER_STATE =
            new MapStateDescriptor<>("model-pointer", Types.STRING, Types.STRING);

    private static final String CHAMPION = "champion";
    private static final String CHALLENGER = "challenger";

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BatchingScoreOperator.class);

    /** Model events: a command refused, a champion switched, a challenger set. */
    public static final org.apache.flink.util.OutputTag<MonitoringRecord> MONITORING =
            new org.apache.flink.util.OutputTag<>("model-events", dev.weir.operators.types.WeirTypes.MONITORING_RECORD);

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

    private transient BatchScorer scorer;
    private transient BatchScorer challenger;
    private transient FeaturedTransaction[] pending;
    private transient long[] timestamps;
    private transient boolean[] hasTimestamp;
    private transient long[] arrivalNanos;
    private transient int size;
    private transient boolean timerSet;
    private transient Counter scored;
    private transient Counter declined;
    private transient Counter batches;
    private transient volatile int lastBatchSize;
    private transient volatile String modelVersion;
    private transient BroadcastState<String, String> pointerState;
    private transient ModelPointer current;
    private transient Counter swaps;
    private transient Counter refused;

    /** Scores with the model directory {@code modelDir} (not from a registry: no checksum). */
    public BatchingScoreOperator(String modelDir, List<String> featureNames, int maxBatchSize, long maxWaitMillis) {
        this(new ModelPointer(null, null, modelDir, null), featureNames, maxBatchSize, maxWaitMillis, List.of());
    }

    /** Scores with a registered version, refused at open() if it fails its checksum. */
    public BatchingScoreOperator(ModelPointer model, List<String> featureNames, int maxBatchSize, long maxWaitMillis) {
        this(model, featureNames, maxBatchSize, maxWaitMillis, List.of());
    }

    /**
     * @param monitoredInputs transaction fields copied into each score's monitored_inputs, for
     *     drift monitoring of categorical inputs
     */
    public BatchingScoreOperator(ModelPointer model, List<String> featureNames, int maxBatchSize, long maxWaitMillis,
            List<String> monitoredInputs) {
        if (maxBatchSize < 1 || maxWaitMillis < 0) {
            throw new IllegalArgumentException("batch size must be >= 1 and wait >= 0");
        }
        this.model = model;
        this.featureNames = List.copyOf(featureNames);
        this.maxBatchSize = maxBatchSize;
        this.maxWaitMillis = maxWaitMillis;
        this.monitoredInputs = List.copyOf(monitoredInputs);
        for (String field : monitoredInputs) {
            if (Transaction.getClassSchema().getField(field) == null) {
                throw new IllegalArgumentException("Transaction has no field '" + field + "' to monitor");
            }
        }
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        pointerState = context.getOperatorStateStore().getBroadcastState(POINTER_STATE);
        String restored = pointerState.get(CHAMPION);
        current = restored == null ? model : decode(restored);
        restoredChallenger = pointerState.get(CHALLENGER);
    }

    private transient String restoredChallenger;

    @Override
    public void open() throws Exception {
        super.open();
        pending = new FeaturedTransaction[maxBatchSize];
        timestamps = new long[maxBatchSize];
        hasTimestamp = new boolean[maxBatchSize];
        arrivalNanos = new long[maxBatchSize];
        int threads = ScoringOptions.nativeThreads(
                getContainingTask().getEnvironment().getTaskManagerInfo().getConfiguration());
        // Before the model loads: ND4J starts on this thread with a team as large as the machine.
        int nativeThreads = NativeThreads.limitCallingThread(threads) ? threads : 0;
        scorer = load(current);
        if (restoredChallenger != null) {
            try {
                challenger = loadChallenger(decode(restoredChallenger));
            } catch (RuntimeException e) {
                LOG.warn("cannot load the challenger restored from state, scoring without it: {}", e.getMessage());
            }
        }
        String backend = Nd4j.getBackend().getClass().getSimpleName();
        LOG.info("subtask {} scores with model {} version {} on ND4J backend {} (native threads: {}), batches of up"
                        + " to {} within {} ms",
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), scorer.metadata().name(),
                scorer.metadata().version(), backend, nativeThreads == 0 ? "no limit on this backend" : nativeThreads,
                maxBatchSize, maxWaitMillis);
        MetricGroup group = getMetricGroup().addGroup(METRIC_GROUP);
        scored = group.counter(EVENTS_SCORED);
        declined = group.counter(DECLINED);
        batches = group.counter(BATCHES);
        swaps = group.counter(SWAPS);
        refused = group.counter(REFUSED);
        group.gauge(LAST_BATCH_SIZE, (Gauge<Integer>) () -> lastBatchSize);
        group.gauge(MODEL_VERSION, (Gauge<String>) () -> modelVersion);
        group.gauge(BACKEND, (Gauge<String>) () -> backend);
        group.gauge(NATIVE_THREADS, (Gauge<Integer>) () -> nativeThreads);
    }

    /** Loads and checks a challenger without touching the champion's version gauge. */
    private BatchScorer loadChallenger(ModelPointer pointer) {
        String version = modelVersion;
        try {
            return load(pointer);
        } finally {
            modelVersion = version;
        }
    }

    /** Loads and checks a model; the scorer it returns is ready for the next batch. */
    private BatchScorer load(ModelPointer pointer) {
        ModelBundle bundle = pointer.checksum() == null
                ? ModelBundle.load(Path.of(pointer.location()))
                : ModelRegistry.load(pointer);
        ModelMetadata metadata = bundle.metadata();
        if (!metadata.featureNames().equals(featureNames)) {
            throw new IllegalStateException("model " + metadata.name() + " v" + metadata.version()
                    + " expects features " + metadata.featureNames()
                    + " but the pipeline's feature set computes " + featureNames);
        }
        BatchScorer loaded = new BatchScorer(bundle, maxBatchSize);
        modelVersion = metadata.name() + ":" + metadata.version();
        return loaded;
    }

    /**
     * A command from the model-control topic. Events that arrived before it are scored by the old
     * model (the batch is flushed first), events after it by the new one. A model that fails to
     * load or its checksum is refused: the old one keeps serving.
     */
    @Override
    public void processElement2(StreamRecord<ModelControl> element) throws Exception {
        ModelControl command = element.getValue();
        if (command.getCommand() == ModelCommand.CLEAR_CHALLENGER) {
            flush();
            release(challenger);
            challenger = null;
            pointerState.remove(CHALLENGER);
            LOG.info("challenger cleared ({})", command.getReason());
            return;
        }
        if (command.getCommand() == ModelCommand.REQUEST_RETRAIN) {
            return; // for whoever trains models, not for scoring
        }
        if (command.getCommand() != ModelCommand.USE_CHAMPION && command.getCommand() != ModelCommand.SET_CHALLENGER) {
            LOG.warn("ignoring unknown model-control command for {}", command.getModelName());
            return;
        }
        flush();
        if (command.getLocation() == null || command.getChecksum() == null) {
            refused.inc();
            LOG.warn("refused model-control command for {} v{}: it names no location and checksum",
                    command.getModelName(), command.getVersion());
            report(command, true, "refused: the command names no location and checksum");
            return;
        }
        ModelPointer next = new ModelPointer(command.getModelName(), command.getVersion(), command.getLocation(),
                command.getChecksum());
        try {
            if (command.getCommand() == ModelCommand.SET_CHALLENGER) {
                BatchScorer replaced = challenger;
                challenger = loadChallenger(next);
                release(replaced);
                pointerState.put(CHALLENGER, encode(next));
                LOG.info("challenger {} v{} scores beside champion {} ({})", next.name(), next.version(), modelVersion,
                        command.getReason());
                report(command, false, "challenger set beside champion " + modelVersion);
                return;
            }
            String previous = modelVersion;
            BatchScorer replaced = scorer;
            scorer = load(next);
            release(replaced);
            current = next;
            pointerState.put(CHAMPION, encode(next));
            swaps.inc();
            LOG.info("switched from model {} to {} ({})", previous, modelVersion, command.getReason());
            report(command, false, "champion switched from " + previous);
        } catch (RuntimeException e) {
            refused.inc();
            LOG.warn("refused model {} v{} at {}: {}; model {} keeps serving", command.getModelName(),
                    command.getVersion(), command.getLocation(), e.getMessage(), modelVersion);
            report(command, true, "refused: " + e.getMessage() + "; " + modelVersion + " keeps serving");
        }
    }

    /** A MODEL monitoring record; every subtask sees the broadcast command, the first one reports it. */
    private void report(ModelControl command, boolean refusal, String note) {
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() != 0) {
            return;
        }
        java.time.Instant at = command.getIssuedAt();
        output.collect(MONITORING, new StreamRecord<>(MonitoringRecord.newBuilder()
                .setKind(MonitoringKind.MODEL)
                .setSubject(command.getModelName())
                .setWindowStart(at)
                .setWindowEnd(at)
                .setModelName(command.getModelName())
                .setModelVersion(command.getVersion())
                .setAlert(refusal)
                .setValues(java.util.Map.of())
                .setThresholds(java.util.Map.of())
                .setNote(command.getCommand() + " " + note + (command.getReason() == null ? "" : " (" + command.getReason() + ")"))
                .build(), at.toEpochMilli()));
    }

    private static String encode(ModelPointer p) {
        return String.join("\n", orEmpty(p.name()), orEmpty(p.version()), orEmpty(p.location()), orEmpty(p.checksum()));
    }

    private static ModelPointer decode(String s) {
        String[] f = s.split("\n", -1);
        return new ModelPointer(orNull(f[0]), orNull(f[1]), orNull(f[2]), orNull(f[3]));
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String orNull(String s) {
        return s.isEmpty() ? null : s;
    }

    @Override
    public void processElement1(StreamRecord<FeaturedTransaction> element) throws Exception {
        int row = size;
        FeaturedTransaction value = element.getValue();
        List<Double> features = value.getFeatures();
        for (int i = 0; i < features.size(); i++) {
            scorer.set(row, i, features.get(i));
            if (challenger != null) {
                challenger.set(row, i, features.get(i));
            }
        }
        pending[row] = value;
        hasTimestamp[row] = element.hasTimestamp();
        timestamps[row] = element.getTimestamp();
        arrivalNanos[row] = System.nanoTime();
        size++;
        if (size == maxBatchSize || maxWaitMillis == 0) {
            flush();
        } else if (!timerSet) {
            timerSet = true;
            long due = getProcessingTimeService().getCurrentProcessingTime() + maxWaitMillis;
            getProcessingTimeService().registerTimer(due, time -> {
                timerSet = false;
                flush();
            });
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
            release(scorer);
            release(challenger);
            scorer = null;
            challenger = null;
            MemoryWorkspaceManager workspaces = Nd4j.getWorkspaceManager();
            for (MemoryWorkspace workspace : workspaces.getAllWorkspacesForCurrentThread()) {
                if (!workspace.isScopeActive()) {
                    workspaces.destroyWorkspace(workspace);
                }
            }
        }
    }

    /** Releases a model that no longer scores: it is never used again. */
    private static void release(BatchScorer replaced) {
        if (replaced != null) {
            replaced.close();
        }
    }

    private java.util.Map<String, String> inputs(Transaction txn) {
        if (monitoredInputs.isEmpty()) {
            return java.util.Map.of();
        }
        java.util.Map<String, String> values = new java.util.HashMap<>();
        for (String field : monitoredInputs) {
            Object value = txn.get(field);
            values.put(field, value == null ? "null" : value.toString());
        }
        return values;
    }

    private void flush() {
        if (size == 0) {
            return;
        }
        int n = size;
        double[] scores = scorer.score(n);
        double[] challengerScores = challenger == null ? null : challenger.score(n);
        long done = System.nanoTime();
        ModelMetadata metadata = scorer.metadata();
        Instant now = Instant.now();
        for (int r = 0; r < n; r++) {
            Transaction txn = pending[r].getTransaction();
            boolean decline = scorer.declines(scores[r]);
            Score score = Score.newBuilder()
                    .setTransactionId(txn.getTransactionId())
                    .setAccountId(txn.getAccountId())
                    .setMerchantId(txn.getMerchantId())
                    .setDeviceId(txn.getDeviceId())
                    .setScore(scores[r])
                    .setDecision(decline ? Decision.DECLINE : Decision.APPROVE)
                    .setModelName(metadata.name())
                    .setModelVersion(metadata.version())
                    .setFeatures(pending[r].getFeatures())
                    .setEventTime(txn.getEventTime())
                    .setScoringTime(now)
                    .setBatchSize(n)
                    .setScoringLatencyMicros((done - arrivalNanos[r]) / 1_000)
                    .setChallengerVersion(challengerScores == null ? null : challenger.metadata().version())
                    .setChallengerScore(challengerScores == null ? null : challengerScores[r])
                    .setMonitoredInputs(inputs(txn))
                    .setChallengerDecision(challengerScores == null ? null
                            : challenger.declines(challengerScores[r]) ? Decision.DECLINE : Decision.APPROVE)
                    .build();
            output.collect(hasTimestamp[r] ? new StreamRecord<>(score, timestamps[r]) : new StreamRecord<>(score));
            if (decline) {
                declined.inc();
            }
            pending[r] = null;
        }
        scored.inc(n);
        batches.inc();
        lastBatchSize = n;
        size = 0;
    }
}
