package dev.weir.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.models.fairness.AttributeFairness;
import dev.weir.models.fairness.FairnessReport;
import dev.weir.models.fairness.FairnessSettings;
import dev.weir.models.fairness.GroupFairness;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metadata's fairness section: computed on the hold-out, saved, loaded, and optional. */
class ModelMetadataFairnessTest {

    @TempDir Path dir;

    /**
     * metadata.json as models were written before the fairness section (and the source) existed.
     */
    private static final String BEFORE_FAIRNESS =
            """
            {
              "name" : "fraud-mlp",
              "version" : "2",
              "featureNames" : [ "a", "b" ],
              "featureMeans" : [ 0.5, 10.0 ],
              "featureStds" : [ 1.0, 2.0 ],
              "threshold" : 0.61,
              "holdoutAuc" : 0.97,
              "holdoutPrecision" : 0.8,
              "holdoutRecall" : 0.7,
              "holdoutAucPr" : 0.75,
              "holdoutBrier" : 0.02,
              "holdoutEce" : 0.01,
              "trainingRows" : 8000,
              "holdoutRows" : 2000,
              "createdAt" : "2026-01-02T03:04:05Z",
              "trainingSource" : "synthetic generator, seed 7, 10000 events"
            }
            """;

    @Test
    void metadataWrittenBeforeFairnessStillLoads() throws Exception {
        Files.writeString(dir.resolve(ModelBundle.METADATA_FILE), BEFORE_FAIRNESS);
        ModelMetadata old = ModelBundle.readMetadata(dir);
        assertThat(old.fairness()).isNull();
        assertThat(old.threshold()).isEqualTo(0.61);
        assertThat(old.trainingSource()).startsWith("synthetic");

        String older =
                BEFORE_FAIRNESS.replace(
                        ",\n  \"trainingSource\" : \"synthetic generator, seed 7, 10000 events\"",
                        "");
        assertThat(older).doesNotContain("trainingSource");
        Files.writeString(dir.resolve(ModelBundle.METADATA_FILE), older);
        assertThat(ModelBundle.readMetadata(dir).fairness()).isNull();
    }

    @Test
    void trainingEvaluatesTheHoldOutAndTheSectionRoundTrips() throws Exception {
        Random random = new Random(3);
        int n = 3_000;
        double[][] x = new double[n][];
        boolean[] y = new boolean[n];
        long[] t = new long[n];
        String[] country = new String[n];
        String[] channel = new String[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextDouble() < 0.1;
            x[i] = new double[] {(y[i] ? 2.5 : 0) + random.nextGaussian(), random.nextGaussian()};
            t[i] = i * 1000L;
            country[i] = i % 3 == 0 ? "DE" : i % 3 == 1 ? "FR" : null;
            channel[i] = i % 100 == 0 ? "pos" : "web";
        }
        FairnessSettings settings =
                new FairnessSettings(List.of("country", "channel"), 30, 200, 0.8);
        ModelBundle bundle =
                new Trainer(new TrainerConfig(List.of(8), 4, 0.01, 128, 0.2, 5L))
                        .train(
                                "m",
                                "1",
                                List.of("a", "b"),
                                x,
                                y,
                                t,
                                Map.of("country", country, "channel", channel),
                                settings);
        FairnessReport report = bundle.metadata().fairness();
        assertThat(report.dataset()).isEqualTo(FairnessReport.HOLDOUT);
        assertThat(report.rows()).isEqualTo(600);
        assertThat(report.threshold()).isEqualTo(bundle.metadata().threshold());
        AttributeFairness byCountry = report.attributes().get(0);
        // The hold-out is the newest 600 rows (2400..2999): 200 of each value.
        assertThat(byCountry.groups())
                .extracting(GroupFairness::value, GroupFairness::rows)
                .containsExactly(
                        org.assertj.core.api.Assertions.tuple("DE", 200L),
                        org.assertj.core.api.Assertions.tuple("FR", 200L),
                        org.assertj.core.api.Assertions.tuple("null", 200L));
        // The counts are those of the hold-out's own decisions.
        Scorer scorer = new Scorer(bundle);
        long declinedDe = 0;
        long fraudDe = 0;
        for (int i = 2_400; i < n; i++) {
            if ("DE".equals(country[i])) {
                declinedDe += scorer.score(x[i]) >= bundle.metadata().threshold() ? 1 : 0;
                fraudDe += y[i] ? 1 : 0;
            }
        }
        assertThat(byCountry.groups().get(0).declines()).isEqualTo(declinedDe);
        assertThat(byCountry.groups().get(0).positives()).isEqualTo(fraudDe);
        // pos: 6 hold-out rows, under the minimum: counted, not compared.
        GroupFairness pos = report.attributes().get(1).groups().get(1);
        assertThat(pos.value()).isEqualTo("pos");
        assertThat(pos.rows()).isEqualTo(6);
        assertThat(pos.disparateImpact()).isNull();

        bundle.save(dir);
        assertThat(Files.readString(dir.resolve(ModelBundle.METADATA_FILE)))
                .contains("\"fairness\"")
                .contains("\"disparateImpact\"");
        assertThat(ModelBundle.load(dir).metadata().fairness())
                .usingRecursiveComparison()
                .isEqualTo(report);

        // Registering renumbers the version and keeps the section.
        ModelRegistry registry = new ModelRegistry(dir.resolve("registry").toString());
        ModelPointer pointer = registry.register(bundle, null);
        assertThat(ModelRegistry.load(pointer).metadata().fairness())
                .usingRecursiveComparison()
                .isEqualTo(report);
        assertThat(pointer.version()).isEqualTo("1");
    }

    @Test
    void anUnknownSegmentAttributeFailsBeforeTraining() {
        double[][] x = new double[20][];
        Arrays.fill(x, new double[] {1});
        assertThatThrownBy(
                        () ->
                                new Trainer(TrainerConfig.defaults())
                                        .train(
                                                "m",
                                                "1",
                                                List.of("a"),
                                                x,
                                                new boolean[20],
                                                new long[20],
                                                Map.of("country", new String[20]),
                                                FairnessSettings.defaults()))
                .hasMessageContaining("segment attribute channel has no values");
    }
}
