package dev.weir.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.abstracts.Nd4jWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class BatchScorerTest {

    private static final int CAPACITY = 16;
    private static final List<String> NAMES = SmallModel.NAMES;

    @TempDir static Path modelDir;
    private static double[][] vectors;

    @BeforeAll
    static void trainModel() {
        SmallModel model = SmallModel.train("batch", 3, 3_000);
        model.bundle().save(modelDir);
        vectors = Arrays.copyOf(model.vectors(), 200);
    }

    /**
     * Batch sizes from 1 to the capacity and back, so every size follows larger and smaller ones.
     */
    private static List<Integer> sizes() {
        List<Integer> sizes = new ArrayList<>();
        for (int rows = 1; rows <= CAPACITY; rows++) {
            sizes.add(rows);
        }
        for (int rows = CAPACITY; rows >= 1; rows--) {
            sizes.add(rows);
        }
        return sizes;
    }

    @Test
    void everyBatchSizeScoresExactlyLikeAMatrixAllocatedForTheBatch() {
        ModelBundle reference = ModelBundle.load(modelDir);
        int next = 0;
        try (BatchScorer scorer = new BatchScorer(ModelBundle.load(modelDir), CAPACITY)) {
            for (int rows : sizes()) {
                double[][] batch = new double[rows][];
                for (int r = 0; r < rows; r++) {
                    batch[r] = vectors[next++ % vectors.length];
                    scorer.set(r, batch[r]);
                }
                double[] scores = Arrays.copyOf(scorer.score(rows), rows);
                assertThat(scores)
                        .as("batch of %d", rows)
                        .containsExactly(allocatedPerBatch(reference, batch));
            }
        }
    }

    @Test
    void aNetworkSavedWithoutInferenceWorkspacesScoresTheSame() {
        ModelBundle reference = ModelBundle.load(modelDir);
        ModelBundle model = ModelBundle.load(modelDir);
        model.network().getLayerWiseConfigurations().setInferenceWorkspaceMode(WorkspaceMode.NONE);
        try (BatchScorer scorer = new BatchScorer(model, CAPACITY)) {
            double[][] batch = Arrays.copyOf(vectors, 5);
            for (int r = 0; r < batch.length; r++) {
                scorer.set(r, batch[r]);
            }
            assertThat(Arrays.copyOf(scorer.score(5), 5))
                    .containsExactly(allocatedPerBatch(reference, batch));
        }
    }

    @Test
    void repeatedPassesOfEverySizeKeepTheThreadsWorkspacesAsTheyWere() throws Exception {
        // A thread of its own, as a subtask's task thread: it has no workspace yet.
        onNewThread(
                () -> {
                    assertThat(workspaces()).isEmpty();
                    try (BatchScorer scorer =
                            new BatchScorer(ModelBundle.load(modelDir), CAPACITY)) {
                        for (int r = 0; r < CAPACITY; r++) {
                            scorer.set(r, vectors[r]);
                        }
                        // Warm-up: DL4J's activation workspaces learn their size over the first
                        // passes.
                        for (int round = 0; round < 3; round++) {
                            sizes().forEach(scorer::score);
                        }
                        Map<String, String> before = workspaces();
                        assertThat(before).containsKey(scorer.workspaceId());

                        for (int round = 0; round < 20; round++) {
                            for (int rows : sizes()) {
                                scorer.score(rows);
                                // The pass's output went into the scorer's workspace, not into a
                                // new buffer.
                                Nd4jWorkspace output =
                                        (Nd4jWorkspace)
                                                Nd4j.getWorkspaceManager()
                                                        .getWorkspaceForCurrentThread(
                                                                scorer.workspaceId());
                                assertThat(output.getLastCycleAllocations())
                                        .isGreaterThanOrEqualTo(rows * 2L * Float.BYTES);
                            }
                        }
                        // Same workspaces, same sizes, nothing spilled outside them: native memory
                        // did not grow.
                        assertThat(workspaces()).isEqualTo(before);
                        assertThat(before.values())
                                .allMatch(
                                        stats -> stats.endsWith(" spilled 0 pinned 0 external 0"));
                    }
                });
    }

    @Test
    void aPassCreatesNoBufferBeyondWhatDl4jsForwardPassNeeds() {
        ModelBundle model = ModelBundle.load(modelDir);
        try (BatchScorer scorer = new BatchScorer(model, CAPACITY)) {
            for (int r = 0; r < CAPACITY; r++) {
                scorer.set(r, vectors[r]);
            }
            sizes().forEach(scorer::score);
            INDArray matrix = Nd4j.rand(DataType.FLOAT, CAPACITY, NAMES.size());
            for (int rows : List.of(1, 2, 7, CAPACITY)) {
                // Shaped as the scorer's input: the first rows of a matrix of the capacity.
                INDArray prepared =
                        rows == CAPACITY
                                ? matrix
                                : matrix.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
                Runnable forwardPass =
                        () -> {
                            try (MemoryWorkspace ws =
                                    Nd4j.getWorkspaceManager()
                                            .getAndActivateWorkspace("test-output")) {
                                model.network().output(prepared, false, ws);
                            }
                        };
                forwardPass.run();
                long dl4j = buffersCreated(forwardPass);
                // Every pass of a size creates the same number of ND4J objects (shape descriptors
                // and
                // operation contexts of DL4J's layers), and the scorer adds none: no input matrix,
                // view or output buffer per batch.
                for (int repeat = 0; repeat < 3; repeat++) {
                    assertThat(buffersCreated(() -> scorer.score(rows)))
                            .as("batch of %d", rows)
                            .isEqualTo(dl4j);
                }
            }
        }
    }

    @Test
    void closingReleasesTheWorkspaceAndAClosedScorerRefusesToScore() {
        BatchScorer scorer = new BatchScorer(ModelBundle.load(modelDir), 4);
        scorer.set(0, vectors[0]);
        scorer.score(1);
        assertThat(Nd4j.getWorkspaceManager().checkIfWorkspaceExists(scorer.workspaceId()))
                .isTrue();
        scorer.close();
        assertThat(Nd4j.getWorkspaceManager().checkIfWorkspaceExists(scorer.workspaceId()))
                .isFalse();
        assertThatThrownBy(() -> scorer.score(1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        scorer.close();
        assertThat(new BatchScorer(ModelBundle.load(modelDir), 4).workspaceId())
                .isNotEqualTo(scorer.workspaceId());
    }

    /**
     * What the scorer did before it reused its buffers: a new matrix for every batch, output
     * detached.
     */
    static double[] allocatedPerBatch(ModelBundle model, double[][] batch) {
        double[] means = model.metadata().featureMeans();
        double[] stds = model.metadata().featureStds();
        INDArray input = Nd4j.create(DataType.FLOAT, batch.length, means.length);
        for (int r = 0; r < batch.length; r++) {
            for (int i = 0; i < means.length; i++) {
                input.putScalar(r, i, (batch[r][i] - means[i]) / stds[i]);
            }
        }
        INDArray out = model.network().output(input, false);
        double[] scores = new double[batch.length];
        for (int r = 0; r < batch.length; r++) {
            scores[r] = out.getDouble(r, 1);
        }
        return scores;
    }

    /** Runs {@code body} on a new thread and rethrows what it threw. */
    private static void onNewThread(Runnable body) throws Exception {
        Throwable[] failure = new Throwable[1];
        Thread thread =
                new Thread(
                        () -> {
                            try {
                                body.run();
                            } catch (Throwable t) {
                                failure[0] = t;
                            }
                        },
                        "scoring-test");
        thread.start();
        thread.join();
        if (failure[0] instanceof Error error) {
            throw error;
        }
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
    }

    /** The workspaces of this thread: size and what went outside them. */
    private static Map<String, String> workspaces() {
        Map<String, String> stats = new TreeMap<>();
        for (MemoryWorkspace workspace :
                Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            Nd4jWorkspace w = (Nd4jWorkspace) workspace;
            stats.put(
                    w.getId(),
                    w.getCurrentSize()
                            + " bytes spilled "
                            + w.getSpilledSize()
                            + " pinned "
                            + w.getPinnedSize()
                            + " external "
                            + w.getNumberOfExternalAllocations());
        }
        return stats;
    }

    /**
     * ND4J objects with native memory (data buffers, operation contexts) created by {@code action}:
     * ND4J numbers each from one counter ({@code nextValue()} itself takes one number).
     */
    private static long buffersCreated(Runnable action) {
        long start = Nd4j.getDeallocatorService().nextValue();
        action.run();
        return Nd4j.getDeallocatorService().nextValue() - start - 1;
    }
}
