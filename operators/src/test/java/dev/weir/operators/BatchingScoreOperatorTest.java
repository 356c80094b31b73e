package dev.weir.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.weir.models.BatchScorer;
import dev.weir.models.ModelBundle;
import dev.weir.models.NativeThreads;
import dev.weir.models.Scorer;
import dev.weir.models.TopReasons;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.operators.features.FeatureVectors;
import dev.weir.operators.scoring.BatchingScoreOperator;
import dev.weir.operators.scoring.PreviousReleasePointers;
import dev.weir.operators.scoring.ReasonCodes;
import dev.weir.operators.scoring.ScoringOptions;
import dev.weir.operators.scoring.TinyModels;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.Reason;
import dev.weir.schemas.Score;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class BatchingScoreOperatorTest {

    private static final List<String> NAMES = List.of("x", "y");

    @TempDir static Path modelDir;
    @TempDir static Path otherModelDir;
    @TempDir Path registryDir;
    private static Scorer reference;

    @BeforeAll
    static void trainTinyModel() {
        train(2, "7").save(modelDir);
        reference = new Scorer(ModelBundle.load(modelDir));
        // Other weights, same features: what a promoted version looks like.
        train(5, "8").save(otherModelDir);
    }

    private static ModelBundle train(long seed, String version) {
        return TinyModels.train(seed, version, NAMES);
    }

    @Test
    void fullBatchesFlushAtOnceAndScoreLikeOneEventAtATime() throws Exception {
        try (var harness = harness(4, 60_000)) {
            harness.open();
            List<FeaturedTransaction> in = events(10);
            for (int i = 0; i < 8; i++) {
                harness.processElement1(new StreamRecord<>(in.get(i), i));
            }
            List<Score> out = harness.extractOutputValues();
            assertThat(out).hasSize(8);
            for (int i = 0; i < 8; i++) {
                Score s = out.get(i);
                assertThat(s.getTransactionId()).isEqualTo("t" + i);
                assertThat(s.getBatchSize()).isEqualTo(4);
                assertThat(s.getModelVersion()).isEqualTo("7");
                double[] v =
                        in.get(i).getFeatures().stream().mapToDouble(Double::doubleValue).toArray();
                assertThat(s.getScore())
                        .isCloseTo(reference.score(v), org.assertj.core.data.Offset.offset(1e-6));
            }
            // Two more wait for the batch to fill, or for the timer.
            harness.processElement1(new StreamRecord<>(in.get(8), 8));
            harness.processElement1(new StreamRecord<>(in.get(9), 9));
            assertThat(harness.extractOutputValues()).hasSize(8);
            harness.setProcessingTime(60_001);
            assertThat(harness.extractOutputValues()).hasSize(10);
            assertThat(harness.extractOutputValues().get(9).getBatchSize()).isEqualTo(2);
        }
    }

    @Test
    void aPartialBatchIsFlushedBeforeACheckpointBarrierAndBeforeAWatermark() throws Exception {
        try (var harness = harness(64, 60_000)) {
            harness.open();
            List<FeaturedTransaction> in = events(5);
            harness.processElement1(new StreamRecord<>(in.get(0), 100));
            harness.processElement1(new StreamRecord<>(in.get(1), 101));
            harness.prepareSnapshotPreBarrier(1L);
            assertThat(harness.extractOutputValues())
                    .extracting(Score::getTransactionId)
                    .containsExactly("t0", "t1");

            harness.processElement1(new StreamRecord<>(in.get(2), 102));
            harness.processWatermark1(new Watermark(150));
            harness.processWatermark2(new Watermark(Long.MAX_VALUE));
            List<Object> output = new ArrayList<>(harness.getOutput());
            // The score comes out before the watermark that would make it late.
            assertThat(output.get(output.size() - 2)).isInstanceOf(StreamRecord.class);
            assertThat(output.get(output.size() - 1)).isEqualTo(new Watermark(150));
            assertThat(((StreamRecord<?>) output.get(output.size() - 2)).getTimestamp())
                    .isEqualTo(102);
        }
    }

    private static TwoInputStreamOperatorTestHarness<FeaturedTransaction, ModelControl, Score>
            harness(int batch, long waitMillis) throws Exception {
        return new TwoInputStreamOperatorTestHarness<>(
                new BatchingScoreOperator(modelDir.toString(), NAMES, batch, waitMillis));
    }

    @Test
    void aPromotedVersionScoresEverythingAfterTheCommandAndSurvivesARestore() throws Exception {
        ModelRegistry registry = new ModelRegistry(registryDir);
        ModelPointer v1 = registry.register(ModelBundle.load(modelDir), null);
        ModelPointer v2 = registry.register(ModelBundle.load(modelDir), null);
        List<FeaturedTransaction> in = events(6);
        OperatorSubtaskState snapshot;
        try (var harness = harness(64, 60_000)) {
            harness.open();
            harness.processElement1(new StreamRecord<>(in.get(0), 1));
            harness.processElement2(new StreamRecord<>(command(v2)));
            harness.processElement1(new StreamRecord<>(in.get(1), 2));
            harness.prepareSnapshotPreBarrier(1L);
            assertThat(harness.extractOutputValues())
                    .extracting(Score::getModelVersion)
                    .containsExactly("7", "2");
            snapshot = harness.snapshot(1L, 3);
        }
        try (var restored = harness(64, 60_000)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement1(new StreamRecord<>(in.get(2), 4));
            restored.prepareSnapshotPreBarrier(2L);
            assertThat(restored.extractOutputValues())
                    .extracting(Score::getModelVersion)
                    .containsExactly("2");

            // A version whose files were altered is refused; version 2 keeps serving.
            Path model = Path.of(v1.location()).resolve(ModelBundle.MODEL_FILE);
            byte[] bytes = java.nio.file.Files.readAllBytes(model);
            bytes[bytes.length / 2] ^= 0x01;
            java.nio.file.Files.write(model, bytes);
            restored.processElement2(new StreamRecord<>(command(v1)));
            restored.processElement1(new StreamRecord<>(in.get(3), 5));
            restored.prepareSnapshotPreBarrier(3L);
            assertThat(restored.extractOutputValues())
                    .extracting(Score::getModelVersion)
                    .containsExactly("2", "2");
            // The refusal is a monitoring record (subtask 0 reports broadcast commands).
            assertThat(restored.getSideOutput(BatchingScoreOperator.MONITORING))
                    .singleElement()
                    .satisfies(
                            r -> {
                                assertThat(r.getValue().getKind())
                                        .isEqualTo(dev.weir.schemas.MonitoringKind.MODEL);
                                assertThat(r.getValue().getModelVersion()).isEqualTo("1");
                                assertThat(r.getValue().getAlert()).isTrue();
                                assertThat(r.getValue().getNote())
                                        .contains("refused")
                                        .contains("2 keeps serving");
                            });
        }
    }

    @Test
    void aSavepointOfThePreviousReleaseKeepsItsChampionAndChallenger() throws Exception {
        ModelRegistry registry = new ModelRegistry(registryDir);
        ModelPointer first = registry.register(ModelBundle.load(modelDir), null);
        ModelPointer second = registry.register(ModelBundle.load(otherModelDir), null);
        // The previous release's broadcast state: name, version, location and checksum on four
        // lines.
        OperatorSubtaskState previous =
                PreviousReleasePointers.snapshotHolding(
                        Map.of(
                                "champion",
                                        second.name()
                                                + "\n"
                                                + second.version()
                                                + "\n"
                                                + second.location()
                                                + "\n"
                                                + second.checksum(),
                                "challenger",
                                        first.name()
                                                + "\n"
                                                + first.version()
                                                + "\n"
                                                + first.location()
                                                + "\n"
                                                + first.checksum()));
        List<FeaturedTransaction> in = events(2);
        OperatorSubtaskState upgraded;
        // Submitted with the model directory (version 7): the restored pointers win over it.
        try (var restored = harness(64, 60_000)) {
            restored.initializeState(previous);
            restored.open();
            restored.processElement1(new StreamRecord<>(in.get(0), 1));
            restored.prepareSnapshotPreBarrier(1L);
            assertThat(restored.extractOutputValues())
                    .singleElement()
                    .satisfies(
                            s -> {
                                assertThat(s.getModelVersion()).isEqualTo(second.version());
                                assertThat(s.getScore())
                                        .isEqualTo(
                                                allocatedPerBatch(
                                                                ModelRegistry.load(second),
                                                                in.subList(0, 1))
                                                        .get(0));
                                assertThat(s.getChallengerVersion()).isEqualTo(first.version());
                                assertThat(s.getChallengerScore())
                                        .isEqualTo(
                                                allocatedPerBatch(
                                                                ModelRegistry.load(first),
                                                                in.subList(0, 1))
                                                        .get(0));
                            });
            upgraded = restored.snapshot(2L, 2);
        }
        // And a savepoint of this release keeps them too, now as records.
        try (var again = harness(64, 60_000)) {
            again.initializeState(upgraded);
            again.open();
            again.processElement1(new StreamRecord<>(in.get(1), 3));
            again.prepareSnapshotPreBarrier(3L);
            assertThat(again.extractOutputValues())
                    .singleElement()
                    .satisfies(
                            s -> {
                                assertThat(s.getModelVersion()).isEqualTo(second.version());
                                assertThat(s.getChallengerVersion()).isEqualTo(first.version());
                            });
        }
    }

    @Test
    void aChallengerScoresBesideTheChampionUntilCleared() throws Exception {
        ModelRegistry registry = new ModelRegistry(registryDir);
        ModelPointer v1 = registry.register(ModelBundle.load(modelDir), null);
        List<FeaturedTransaction> in = events(3);
        try (var harness = harness(64, 60_000)) {
            harness.open();
            harness.processElement2(new StreamRecord<>(command(v1, ModelCommand.SET_CHALLENGER)));
            harness.processElement1(new StreamRecord<>(in.get(0), 1));
            harness.processElement2(new StreamRecord<>(command(v1, ModelCommand.CLEAR_CHALLENGER)));
            harness.processElement1(new StreamRecord<>(in.get(1), 2));
            harness.prepareSnapshotPreBarrier(1L);
            List<Score> out = harness.extractOutputValues();
            assertThat(out.get(0).getModelVersion()).isEqualTo("7");
            assertThat(out.get(0).getChallengerVersion()).isEqualTo("1");
            // Same weights registered as v1: the challenger agrees with the champion exactly.
            assertThat(out.get(0).getChallengerScore()).isEqualTo(out.get(0).getScore());
            assertThat(out.get(0).getChallengerDecision()).isEqualTo(out.get(0).getDecision());
            assertThat(out.get(1).getChallengerVersion()).isNull();
            assertThat(out.get(1).getChallengerScore()).isNull();
        }
    }

    @Test
    void everyScoreCarriesTheChampionsReasonCodesComputedOnItsOwnBatch() throws Exception {
        ModelRegistry registry = new ModelRegistry(registryDir);
        ModelPointer other = registry.register(ModelBundle.load(otherModelDir), null);
        List<FeaturedTransaction> in = events(12);
        int[] sizes = {5, 4, 3};
        ModelPointer champion = new ModelPointer(null, null, modelDir.toString(), null);
        try (var harness =
                new TwoInputStreamOperatorTestHarness<>(
                        new BatchingScoreOperator(
                                champion, NAMES, 8, 60_000, List.of(), new ReasonCodes(1)))) {
            harness.open();
            // A challenger scores beside the champion; the reasons stay the champion's.
            harness.processElement2(
                    new StreamRecord<>(command(other, ModelCommand.SET_CHALLENGER)));
            int next = 0;
            for (int size : sizes) {
                for (int i = 0; i < size; i++) {
                    harness.processElement1(new StreamRecord<>(in.get(next), next++));
                }
                harness.prepareSnapshotPreBarrier(next);
            }
            List<Score> out = harness.extractOutputValues();
            assertThat(out).hasSize(12);
            // The same batches through a scorer of their own: the same reasons, to the bit.
            try (BatchScorer expected = new BatchScorer(ModelBundle.load(modelDir), 8, true)) {
                int row = 0;
                for (int size : sizes) {
                    for (int r = 0; r < size; r++) {
                        expected.set(
                                r,
                                in.get(row + r).getFeatures().stream()
                                        .mapToDouble(Double::doubleValue)
                                        .toArray());
                    }
                    expected.score(size);
                    double[][] attributions = expected.attributions(size);
                    for (int r = 0; r < size; r++) {
                        int top = TopReasons.of(attributions[r], 1)[0];
                        Score score = out.get(row + r);
                        assertThat(score.getChallengerVersion()).isEqualTo(other.version());
                        assertThat(score.getReasons())
                                .extracting(Reason::getFeature, Reason::getContribution)
                                .containsExactly(tuple(NAMES.get(top), attributions[r][top]));
                    }
                    row += size;
                }
            }
        }
        // Off: no reasons.
        try (var harness =
                new TwoInputStreamOperatorTestHarness<>(
                        new BatchingScoreOperator(
                                champion, NAMES, 8, 60_000, List.of(), ReasonCodes.OFF))) {
            harness.open();
            for (int i = 0; i < 3; i++) {
                harness.processElement1(new StreamRecord<>(in.get(i), i));
            }
            harness.prepareSnapshotPreBarrier(1);
            assertThat(harness.extractOutputValues())
                    .hasSize(3)
                    .allMatch(score -> score.getReasons().isEmpty());
        }
    }

    @Test
    void everyBatchSizeScoresExactlyLikeAMatrixAllocatedPerBatchAcrossModelSwaps()
            throws Exception {
        ModelRegistry registry = new ModelRegistry(registryDir);
        ModelPointer first = registry.register(ModelBundle.load(modelDir), null);
        ModelPointer second = registry.register(ModelBundle.load(otherModelDir), null);
        int max = 8;
        List<FeaturedTransaction> in = events(200);
        // Batches of every size from 1 to the maximum, in an order where each follows larger and
        // smaller ones.
        int[] sizes = {1, 8, 3, 5, 8, 2, 7, 1, 4, 6, 8, 1};
        List<Integer> expectedSizes = new ArrayList<>();
        List<String> expectedVersions = new ArrayList<>();
        List<Double> expected = new ArrayList<>();
        List<Double> expectedChallenger = new ArrayList<>();
        int next = 0;
        try (var harness =
                new TwoInputStreamOperatorTestHarness<>(
                        new BatchingScoreOperator(first, NAMES, max, 60_000))) {
            harness.open();
            ModelBundle champion = ModelRegistry.load(first);
            ModelBundle challenger = null;
            // Champion only; then a new champion; then the old one as a challenger beside it.
            for (int phase = 0; phase < 3; phase++) {
                if (phase == 1) {
                    harness.processElement2(new StreamRecord<>(command(second)));
                    champion = ModelRegistry.load(second);
                } else if (phase == 2) {
                    harness.processElement2(
                            new StreamRecord<>(command(first, ModelCommand.SET_CHALLENGER)));
                    challenger = ModelRegistry.load(first);
                }
                for (int size : sizes) {
                    List<FeaturedTransaction> batch = in.subList(next, next + size);
                    for (FeaturedTransaction event : batch) {
                        harness.processElement1(new StreamRecord<>(event, next++));
                    }
                    if (size < max) {
                        harness.prepareSnapshotPreBarrier(next);
                    }
                    for (double score : allocatedPerBatch(champion, batch)) {
                        expected.add(score);
                        expectedSizes.add(size);
                        expectedVersions.add(champion.metadata().version());
                    }
                    if (challenger != null) {
                        for (double score : allocatedPerBatch(challenger, batch)) {
                            expectedChallenger.add(score);
                        }
                    }
                }
            }
            List<Score> out = harness.extractOutputValues();
            assertThat(out)
                    .extracting(Score::getBatchSize)
                    .containsExactlyElementsOf(expectedSizes);
            assertThat(out)
                    .extracting(Score::getModelVersion)
                    .containsExactlyElementsOf(expectedVersions);
            // Exact doubles: reusing the matrix, its views and the workspaces changes no score.
            assertThat(out).extracting(Score::getScore).containsExactlyElementsOf(expected);
            assertThat(out.subList(out.size() - expectedChallenger.size(), out.size()))
                    .extracting(Score::getChallengerScore)
                    .containsExactlyElementsOf(expectedChallenger);
            // The swap is visible: the two versions score the same event differently.
            assertThat(allocatedPerBatch(ModelRegistry.load(first), in.subList(0, 1)))
                    .isNotEqualTo(allocatedPerBatch(ModelRegistry.load(second), in.subList(0, 1)));
        }
    }

    @Test
    void aReplacedModelReleasesItsWorkspaceAtOnceAndCloseReleasesTheTaskThreads() throws Exception {
        ModelRegistry registry = new ModelRegistry(registryDir);
        ModelPointer first = registry.register(ModelBundle.load(modelDir), null);
        ModelPointer second = registry.register(ModelBundle.load(otherModelDir), null);
        List<FeaturedTransaction> in = events(10);
        int[] next = {0};
        try (var harness = harness(4, 60_000)) {
            harness.open();
            Runnable scoreOne =
                    () -> {
                        try {
                            harness.processElement1(new StreamRecord<>(in.get(next[0]++)));
                            harness.prepareSnapshotPreBarrier(next[0]);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    };
            scoreOne.run();
            List<String> championOnly = scorerWorkspaces();
            assertThat(championOnly).hasSize(1);

            harness.processElement2(
                    new StreamRecord<>(command(first, ModelCommand.SET_CHALLENGER)));
            scoreOne.run();
            List<String> withChallenger = scorerWorkspaces();
            assertThat(withChallenger).hasSize(2).containsAll(championOnly);

            // A new champion: the old one's workspace is gone before the next event, not at the
            // next GC.
            harness.processElement2(new StreamRecord<>(command(second)));
            assertThat(scorerWorkspaces()).hasSize(1).doesNotContainAnyElementsOf(championOnly);
            scoreOne.run();
            assertThat(scorerWorkspaces()).hasSize(2);

            // A replaced challenger, then a cleared one.
            harness.processElement2(
                    new StreamRecord<>(command(first, ModelCommand.SET_CHALLENGER)));
            scoreOne.run();
            assertThat(scorerWorkspaces()).hasSize(2).doesNotContainAnyElementsOf(withChallenger);
            harness.processElement2(
                    new StreamRecord<>(command(first, ModelCommand.CLEAR_CHALLENGER)));
            assertThat(scorerWorkspaces()).hasSize(1);
            // A refused command releases nothing: the champion keeps its workspace.
            List<String> serving = scorerWorkspaces();
            harness.processElement2(
                    new StreamRecord<>(
                            command(
                                    new ModelPointer(
                                            "tiny",
                                            "9",
                                            registryDir.resolve("missing").toString(),
                                            "0".repeat(64)))));
            assertThat(scorerWorkspaces()).isEqualTo(serving);
            scoreOne.run();
        }
        // Closing the operator releases every workspace of the task thread, DL4J's activations
        // included.
        assertThat(Nd4j.getWorkspaceManager().getAllWorkspacesIdsForCurrentThread()).isEmpty();
    }

    @Test
    void repeatedBatchesOfEverySizeKeepTheTaskThreadsNativeMemoryAsItWas() throws Exception {
        int max = 16;
        List<FeaturedTransaction> in = events(max);
        try (var harness = harness(max, 60_000)) {
            harness.open();
            // Warm-up: one batch of every size (DL4J's activation workspaces learn their size).
            for (int round = 0; round < 3; round++) {
                batchesOfEverySize(harness, in, max);
            }
            Map<String, Long> before = workspaceSizes();
            assertThat(before.keySet()).anyMatch(id -> id.startsWith(BatchScorer.WORKSPACE_PREFIX));
            for (int round = 0; round < 20; round++) {
                batchesOfEverySize(harness, in, max);
            }
            assertThat(workspaceSizes()).isEqualTo(before);
            assertThat(harness.extractOutputValues()).hasSize(23 * max * (max + 1) / 2);
        }
    }

    @Test
    void nativeThreadsPerSubtaskComeFromTheTaskManagerConfiguration() throws Exception {
        try (var harness = harness(4, 60_000)) {
            harness.open();
            // The default: one thread, the subtask's own.
            assertThat(NativeThreads.openMpThreadsOfCallingThread()).isEqualTo(1);
            assertThat(Nd4j.getEnvironment().maxMasterThreads()).isEqualTo(1);
            assertThat(Nd4j.factory().blas().getMaxThreads()).isEqualTo(1);
        }
        try (var harness = harness(4, 60_000)) {
            harness.getEnvironment()
                    .getTaskManagerInfo()
                    .getConfiguration()
                    .set(ScoringOptions.NATIVE_THREADS, 2);
            harness.open();
            assertThat(NativeThreads.openMpThreadsOfCallingThread()).isEqualTo(2);
            assertThat(Nd4j.getEnvironment().maxMasterThreads()).isEqualTo(2);
            assertThat(Nd4j.factory().blas().getMaxThreads()).isEqualTo(2);
        } finally {
            NativeThreads.limitCallingThread(1);
        }
        try (var harness = harness(4, 60_000)) {
            harness.getEnvironment()
                    .getTaskManagerInfo()
                    .getConfiguration()
                    .set(ScoringOptions.NATIVE_THREADS, 0);
            org.assertj.core.api.Assertions.assertThatThrownBy(harness::open)
                    .hasMessageContaining("weir.scoring.native-threads must be >= 1");
        }
    }

    private static void batchesOfEverySize(
            TwoInputStreamOperatorTestHarness<FeaturedTransaction, ModelControl, Score> harness,
            List<FeaturedTransaction> in,
            int max)
            throws Exception {
        for (int size = 1; size <= max; size++) {
            for (int i = 0; i < size; i++) {
                harness.processElement1(new StreamRecord<>(in.get(i), i));
            }
            if (size < max) {
                harness.prepareSnapshotPreBarrier(size);
            }
        }
    }

    /** The scorers' output workspaces on this (the task) thread. */
    private static List<String> scorerWorkspaces() {
        return Nd4j.getWorkspaceManager().getAllWorkspacesIdsForCurrentThread().stream()
                .filter(id -> id.startsWith(BatchScorer.WORKSPACE_PREFIX))
                .sorted()
                .toList();
    }

    /** Every ND4J workspace of this thread with the bytes it holds. */
    private static Map<String, Long> workspaceSizes() {
        Map<String, Long> sizes = new TreeMap<>();
        for (MemoryWorkspace workspace :
                Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            sizes.put(workspace.getId(), workspace.getCurrentSize());
        }
        return sizes;
    }

    /**
     * The scores of one batch as before buffers were reused: a new matrix per batch, output
     * detached.
     */
    private static List<Double> allocatedPerBatch(
            ModelBundle model, List<FeaturedTransaction> batch) {
        double[] means = model.metadata().featureMeans();
        double[] stds = model.metadata().featureStds();
        INDArray input = Nd4j.create(DataType.FLOAT, batch.size(), means.length);
        for (int r = 0; r < batch.size(); r++) {
            List<Double> features = batch.get(r).getFeatures();
            for (int i = 0; i < means.length; i++) {
                input.putScalar(r, i, (features.get(i) - means[i]) / stds[i]);
            }
        }
        INDArray out = model.network().output(input, false);
        List<Double> scores = new ArrayList<>();
        for (int r = 0; r < batch.size(); r++) {
            scores.add(out.getDouble(r, 1));
        }
        return scores;
    }

    private static ModelControl command(ModelPointer p) {
        return command(p, ModelCommand.USE_CHAMPION);
    }

    private static ModelControl command(ModelPointer p, ModelCommand type) {
        return ModelControl.newBuilder()
                .setCommand(type)
                .setModelName(p.name())
                .setVersion(p.version())
                .setLocation(p.location())
                .setChecksum(p.checksum())
                .setIssuedAt(java.time.Instant.now())
                .setReason("test")
                .build();
    }

    private static List<FeaturedTransaction> events(int n) {
        Random random = new Random(4);
        List<FeaturedTransaction> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            FeaturedTransaction f =
                    FeatureVectors.start(TestRecords.txn("t" + i, "a", i, 100), "v");
            out.add(
                    FeatureVectors.append(
                            f,
                            new double[] {random.nextGaussian() * 2, random.nextGaussian()},
                            List.of()));
        }
        return out;
    }
}
