package dev.weir.models;

import java.util.concurrent.atomic.AtomicLong;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.MemoryWorkspaceManager;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Scores up to {@code capacity} feature vectors in one forward pass, without allocating ND4J
 * buffers per pass: the normalised input matrix is allocated once and rows are written in place; a
 * partial batch runs on a view of its first rows, made once per row count; the network's
 * activations stay in DL4J's workspaces, and its output is written into a workspace of this scorer,
 * sized once for {@code capacity} rows, from which the scores are copied into a Java array before
 * the workspace is closed.
 *
 * <p>Built with attributions, it also explains the scores of a batch: {@link #attributions(int)}
 * runs {@link IntegratedGradients} on the rows as written, so the reasons of a score come from the
 * very vector it scored (in float32, as the network saw it).
 *
 * <p>ND4J workspaces belong to a thread: a scorer must be used and {@linkplain #close() closed} on
 * one thread (a subtask's task thread). Not thread-safe: one per subtask.
 *
 * <p>{@code scorer.set(row, vector); ... double[] scores = scorer.score(rows); double[][] reasons =
 * scorer.attributions(rows); ... scorer.close();}
 */
public final class BatchScorer implements AutoCloseable {

    /** Prefix of the ids of the scorers' output workspaces; each scorer has its own. */
    public static final String WORKSPACE_PREFIX = "weir-scores-";

    /** Room beyond the output rows for ND4J's alignment of an allocation. */
    private static final long WORKSPACE_SLACK_BYTES = 1024;

    private static final AtomicLong WORKSPACE_IDS = new AtomicLong();

    private final ModelMetadata metadata;
    private final MultiLayerNetwork network;
    private final INDArray input;

    /** views[n - 1]: the first n rows of the input; made on first use, then reused. */
    private final INDArray[] views;

    private final double[] means;
    private final double[] stds;
    private final int capacity;
    private final double[] scores;
    private final String workspaceId;
    private final WorkspaceConfiguration workspace;
    private final IntegratedGradients attribution;

    /** The rows as written, normalised and rounded to float32: what attributions read. */
    private final double[][] rows;

    private final double[][] attributions;
    private boolean closed;

    /** A scorer without attributions. */
    public BatchScorer(ModelBundle bundle, int capacity) {
        this(bundle, capacity, false);
    }

    /**
     * @param explain whether {@link #attributions(int)} explains the scores
     * @throws IllegalArgumentException when attributions are asked for a network whose integrated
     *     gradients {@link IntegratedGradients} does not compute
     */
    public BatchScorer(ModelBundle bundle, int capacity, boolean explain) {
        if (capacity < 1) {
            throw new IllegalArgumentException("batch capacity must be >= 1");
        }
        NativeBackend.start();
        this.metadata = bundle.metadata();
        this.network = bundle.network();
        this.means = metadata.featureMeans();
        this.stds = metadata.featureStds();
        this.capacity = capacity;
        this.scores = new double[capacity];
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations();
        if (conf.getInferenceWorkspaceMode() == WorkspaceMode.NONE) {
            // Without workspaces DL4J allocates every activation per pass and cannot write the
            // output into a workspace of ours.
            conf.setInferenceWorkspaceMode(WorkspaceMode.ENABLED);
        }
        try (MemoryWorkspace detached = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            this.input = Nd4j.create(DataType.FLOAT, capacity, metadata.featureCount());
        }
        this.views = new INDArray[capacity];
        views[capacity - 1] = input;
        long outputs = network.layerSize(network.getnLayers() - 1);
        long outputBytes = capacity * outputs * conf.getDataType().width();
        this.workspace =
                WorkspaceConfiguration.builder()
                        .initialSize(outputBytes + WORKSPACE_SLACK_BYTES)
                        .policyAllocation(AllocationPolicy.STRICT)
                        .policyLearning(LearningPolicy.NONE)
                        // Should a network ever put more there, it grows once instead of failing a
                        // pass.
                        .policySpill(SpillPolicy.REALLOCATE)
                        .policyReset(ResetPolicy.BLOCK_LEFT)
                        .build();
        this.workspaceId = WORKSPACE_PREFIX + WORKSPACE_IDS.incrementAndGet();
        this.attribution = explain ? new IntegratedGradients(network) : null;
        this.rows = explain ? new double[capacity][metadata.featureCount()] : null;
        this.attributions = explain ? new double[capacity][metadata.featureCount()] : null;
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    public int capacity() {
        return capacity;
    }

    /** The ND4J workspace (of the scoring thread) that holds the network's output during a pass. */
    public String workspaceId() {
        return workspaceId;
    }

    /** Writes one event's vector, normalised, into row {@code row} of the batch. */
    public void set(int row, double[] features) {
        if (features.length != means.length) {
            throw new IllegalArgumentException(
                    "expected " + means.length + " features, got " + features.length);
        }
        for (int i = 0; i < features.length; i++) {
            set(row, i, features[i]);
        }
    }

    /** Writes feature {@code column} of row {@code row}, normalised. */
    public void set(int row, int column, double value) {
        float normalised = (float) ((value - means[column]) / stds[column]);
        input.putScalar(row, column, normalised);
        if (rows != null) {
            rows[row][column] = normalised;
        }
    }

    /**
     * Fraud probabilities of the first {@code rows} rows, in one forward pass. The returned array
     * is reused by the next call.
     */
    public double[] score(int rows) {
        if (closed) {
            throw new IllegalStateException(
                    "scorer of model "
                            + metadata.name()
                            + " v"
                            + metadata.version()
                            + " is closed");
        }
        if (rows < 1 || rows > capacity) {
            throw new IllegalArgumentException(
                    "rows must be in [1, " + capacity + "], got " + rows);
        }
        INDArray batch = firstRows(rows);
        try (MemoryWorkspace output =
                Nd4j.getWorkspaceManager().getAndActivateWorkspace(workspace, workspaceId)) {
            INDArray out = network.output(batch, false, output);
            for (int r = 0; r < rows; r++) {
                scores[r] = out.getDouble(r, 1);
            }
        }
        return scores;
    }

    private INDArray firstRows(int rows) {
        INDArray view = views[rows - 1];
        if (view == null) {
            try (MemoryWorkspace detached = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                view = input.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
            }
            views[rows - 1] = view;
        }
        return view;
    }

    /** Whether {@link #attributions(int)} may be called. */
    public boolean attributes() {
        return attribution != null;
    }

    /**
     * Integrated gradients of the first {@code rows} rows, as last written: {@code result[r][j]} is
     * feature {@code j}'s signed contribution to row {@code r}'s fraud probability, relative to the
     * {@linkplain #baselineScore() baseline's}. The returned array is reused by the next call.
     *
     * @throws IllegalStateException when the scorer was built without attributions
     */
    public double[][] attributions(int rows) {
        if (attribution == null) {
            throw new IllegalStateException("this scorer was built without attributions");
        }
        if (closed) {
            throw new IllegalStateException(
                    "scorer of model "
                            + metadata.name()
                            + " v"
                            + metadata.version()
                            + " is closed");
        }
        if (rows < 1 || rows > capacity) {
            throw new IllegalArgumentException(
                    "rows must be in [1, " + capacity + "], got " + rows);
        }
        for (int r = 0; r < rows; r++) {
            attribution.attribute(this.rows[r], attributions[r]);
        }
        return attributions;
    }

    /**
     * The fraud probability of the attributions' baseline, the mean training vector; NaN without
     * attributions.
     */
    public double baselineScore() {
        return attribution == null ? Double.NaN : attribution.baselineScore();
    }

    public boolean declines(double score) {
        return score >= metadata.threshold();
    }

    /**
     * Releases this scorer's output workspace; call it on the thread that scored. The scorer cannot
     * score afterwards. The network, which may be shared, is left as it is.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        MemoryWorkspaceManager workspaces = Nd4j.getWorkspaceManager();
        if (workspaces.checkIfWorkspaceExists(workspaceId)) {
            workspaces.destroyWorkspace(workspaces.getWorkspaceForCurrentThread(workspaceId));
        }
    }
}
