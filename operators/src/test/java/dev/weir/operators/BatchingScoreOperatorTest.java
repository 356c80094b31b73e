package dev.weir.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.models.ModelBundle;
import dev.weir.models.Scorer;
import dev.weir.models.Trainer;
import dev.weir.models.TrainerConfig;
import dev.weir.operators.features.FeatureVectors;
import dev.weir.operators.scoring.BatchingScoreOperator;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Score;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchingScoreOperatorTest {

    private static final List<String> NAMES = List.of("x", "y");

    @TempDir static Path modelDir;
    @TempDir Path registryDir;
    private static Scorer reference;

    @BeforeAll
    static void trainTinyModel() {
        Random random = new Random(2);
        int n = 2_000;
        double[][] x = new double[n][];
        boolean[] y = new boolean[n];
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextDouble() < 0.1;
            x[i] = new double[] {(y[i] ? 2 : 0) + random.nextGaussian(), random.nextGaussian()};
            t[i] = i;
        }
        ModelBundle bundle = new Trainer(new TrainerConfig(List.of(4), 1, 0.01, 128, 0.2, 1L))
                .train("tiny", "7", NAMES, x, y, t);
        bundle.save(modelDir);
        reference = new Scorer(ModelBundle.load(modelDir));
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
                double[] v = in.get(i).getFeatures().stream().mapToDouble(Double::doubleValue).toArray();
                assertThat(s.getScore()).isCloseTo(reference.score(v), org.assertj.core.data.Offset.offset(1e-6));
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
            assertThat(harness.extractOutputValues()).extracting(Score::getTransactionId).containsExactly("t0", "t1");

            harness.processElement1(new StreamRecord<>(in.get(2), 102));
            harness.processWatermark1(new Watermark(150));
            harness.processWatermark2(new Watermark(Long.MAX_VALUE));
            List<Object> output = new ArrayList<>(harness.getOutput());
            // The score comes out before the watermark that would make it late.
            assertThat(output.get(output.size() - 2)).isInstanceOf(StreamRecord.class);
            assertThat(output.get(output.size() - 1)).isEqualTo(new Watermark(150));
            assertThat(((StreamRecord<?>) output.get(output.size() - 2)).getTimestamp()).isEqualTo(102);
        }
    }

    private static TwoInputStreamOperatorTestHarness<FeaturedTransaction, ModelControl, Score> harness(int batch,
            long waitMillis) throws Exception {
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
            assertThat(harness.extractOutputValues()).extracting(Score::getModelVersion).containsExactly("7", "2");
            snapshot = harness.snapshot(1L, 3);
        }
        try (var restored = harness(64, 60_000)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement1(new StreamRecord<>(in.get(2), 4));
            restored.prepareSnapshotPreBarrier(2L);
            assertThat(restored.extractOutputValues()).extracting(Score::getModelVersion).containsExactly("2");

            // A version whose files were altered is refused; version 2 keeps serving.
            Path model = Path.of(v1.location()).resolve(ModelBundle.MODEL_FILE);
            byte[] bytes = java.nio.file.Files.readAllBytes(model);
            bytes[bytes.length / 2] ^= 0x01;
            java.nio.file.Files.write(model, bytes);
            restored.processElement2(new StreamRecord<>(command(v1)));
            restored.processElement1(new StreamRecord<>(in.get(3), 5));
            restored.prepareSnapshotPreBarrier(3L);
            assertThat(restored.extractOutputValues()).extracting(Score::getModelVersion).containsExactly("2", "2");
            // The refusal is a monitoring record (subtask 0 reports broadcast commands).
            assertThat(restored.getSideOutput(BatchingScoreOperator.MONITORING)).singleElement().satisfies(r -> {
                assertThat(r.getValue().getKind()).isEqualTo(dev.weir.schemas.MonitoringKind.MODEL);
                assertThat(r.getValue().getModelVersion()).isEqualTo("1");
                assertThat(r.getValue().getAlert()).isTrue();
                assertThat(r.getValue().getNote()).contains("refused").contains("2 keeps serving");
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
            FeaturedTransaction f = FeatureVectors.start(TestRecords.txn("t" + i, "a", i, 100), "v");
            out.add(FeatureVectors.append(f, new double[] {random.nextGaussian() * 2, random.nextGaussian()}, List.of()));
        }
        return out;
    }
}
