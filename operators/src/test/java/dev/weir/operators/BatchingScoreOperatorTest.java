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
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchingScoreOperatorTest {

    private static final List<String> NAMES = List.of("x", "y");

    @TempDir static Path modelDir;
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
                harness.processElement(new StreamRecord<>(in.get(i), i));
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
            harness.processElement(new StreamRecord<>(in.get(8), 8));
            harness.processElement(new StreamRecord<>(in.get(9), 9));
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
            harness.processElement(new StreamRecord<>(in.get(0), 100));
            harness.processElement(new StreamRecord<>(in.get(1), 101));
            harness.prepareSnapshotPreBarrier(1L);
            assertThat(harness.extractOutputValues()).extracting(Score::getTransactionId).containsExactly("t0", "t1");

            harness.processElement(new StreamRecord<>(in.get(2), 102));
            harness.processWatermark(new Watermark(150));
            List<Object> output = new ArrayList<>(harness.getOutput());
            // The score comes out before the watermark that would make it late.
            assertThat(output.get(output.size() - 2)).isInstanceOf(StreamRecord.class);
            assertThat(output.get(output.size() - 1)).isEqualTo(new Watermark(150));
            assertThat(((StreamRecord<?>) output.get(output.size() - 2)).getTimestamp()).isEqualTo(102);
        }
    }

    private static OneInputStreamOperatorTestHarness<FeaturedTransaction, Score> harness(int batch, long waitMillis)
            throws Exception {
        return new OneInputStreamOperatorTestHarness<>(
                new BatchingScoreOperator(modelDir.toString(), NAMES, batch, waitMillis));
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
