package dev.weir.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

    @TempDir Path dir;

    @Test
    void learnsASeparableSignalAndRoundTripsThroughTheModelDirectory() throws Exception {
        Random random = new Random(1);
        int n = 4_000;
        double[][] x = new double[n][];
        boolean[] y = new boolean[n];
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextDouble() < 0.05;
            double signal = y[i] ? 2.5 : 0.0;
            x[i] =
                    new double[] {
                        signal + random.nextGaussian(),
                        random.nextGaussian() * 10,
                        100 + random.nextGaussian()
                    };
            t[i] = i * 1000L;
        }
        TrainerConfig config = new TrainerConfig(List.of(8), 5, 0.01, 128, 0.25, 5L);
        ModelBundle bundle = new Trainer(config).train("m", "3", List.of("a", "b", "c"), x, y, t);
        ModelMetadata meta = bundle.metadata();
        assertThat(meta.holdoutAuc()).isGreaterThan(0.9);
        assertThat(meta.holdoutAucPr()).isBetween(0.0, 1.0);
        assertThat(meta.holdoutBrier()).isBetween(0.0, 0.25);
        assertThat(meta.holdoutEce()).isBetween(0.0, 1.0);
        assertThat(meta.trainingRows()).isEqualTo(3_000);
        assertThat(meta.holdoutRows()).isEqualTo(1_000);
        assertThat(meta.featureMeans()[2]).isBetween(99.0, 101.0);

        // The reference profile describes the training rows: deciles as bin edges, shares summing
        // to 1.
        ReferenceProfile profile = bundle.profile();
        assertThat(profile.rows()).isEqualTo(3_000);
        assertThat(profile.features())
                .extracting(ReferenceProfile.Distribution::name)
                .containsExactly("a", "b", "c");
        ReferenceProfile.Distribution c = profile.features().get(2);
        assertThat(c.mean()).isBetween(99.0, 101.0);
        assertThat(c.edges()).hasSize(9).isSorted();
        assertThat(java.util.Arrays.stream(c.shares()).sum())
                .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(c.shares()[0]).isCloseTo(0.1, org.assertj.core.data.Offset.offset(0.01));
        assertThat(profile.score().quantiles()[4]).isBetween(0.0, 1.0);
        // Sketches of every feature and the score; continuous features are not categorical.
        assertThat(c.kllSketch().getN()).isEqualTo(3_000);
        assertThat(profile.score().kllSketch().getN()).isEqualTo(3_000);
        assertThat(profile.features()).noneMatch(ReferenceProfile.Distribution::categorical);
        assertThat(profile.inputs()).isEmpty();

        bundle.save(dir);
        assertThat(ModelBundle.exists(dir)).isTrue();
        assertThat(ModelBundle.load(dir).profile()).usingRecursiveComparison().isEqualTo(profile);
        assertThat(ModelBundle.loadProfile(dir)).usingRecursiveComparison().isEqualTo(profile);
        ModelBundle loaded = ModelBundle.load(dir);
        assertThat(loaded.metadata().featureNames()).containsExactly("a", "b", "c");
        assertThat(loaded.metadata().version()).isEqualTo("3");
        Scorer before = new Scorer(bundle);
        Scorer after = new Scorer(loaded);
        for (int i = 0; i < 50; i++) {
            assertThat(after.score(x[i])).isEqualTo(before.score(x[i]));
            assertThat(after.score(x[i])).isBetween(0.0, 1.0);
        }
    }

    @Test
    void missingOrInconsistentModelsFailWithAClearMessage() throws Exception {
        assertThatThrownBy(() -> ModelBundle.load(dir)).hasMessageContaining("no model in");
        Files.writeString(dir.resolve(ModelBundle.METADATA_FILE), "{}");
        assertThat(ModelBundle.exists(dir)).isFalse();
        assertThatThrownBy(
                        () ->
                                new ModelMetadata(
                                        "m",
                                        "1",
                                        List.of("a"),
                                        new double[] {0},
                                        new double[] {0},
                                        0.5,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0,
                                        "x",
                                        null))
                .hasMessageContaining("standard deviations");
        assertThatThrownBy(() -> new TrainerConfig(List.of(), 1, 0.1, 1, 0.2, 1))
                .hasMessageContaining("hidden");
    }
}
