package dev.weir.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.models.ReferenceProfile.Categorical;
import dev.weir.models.ReferenceProfile.Distribution;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceProfileTest {

    @TempDir Path dir;

    private static ReferenceProfile profile(int rows) {
        Random random = new Random(7);
        double[][] x = new double[rows][];
        double[] scores = new double[rows];
        for (int i = 0; i < rows; i++) {
            x[i] =
                    new double[] {
                        random.nextGaussian(), // continuous
                        random.nextDouble() < 0.3 ? 1 : 0, // 0/1 flag
                        random.nextInt(12), // small count, 12 distinct values
                        random.nextInt(13) // 13 distinct values: too many to be categorical
                    };
            scores[i] = random.nextDouble();
        }
        return ReferenceProfile.compute(List.of("amount", "flag", "count12", "count13"), x, scores);
    }

    @Test
    void sketchesSurviveTheJsonRoundTripAndDescribeTheTrainingValues() throws Exception {
        ReferenceProfile profile = profile(5_000);
        new ObjectMapper().writeValue(dir.resolve(ModelBundle.PROFILE_FILE).toFile(), profile);

        ReferenceProfile loaded = ModelBundle.loadProfile(dir);

        assertThat(loaded).usingRecursiveComparison().isEqualTo(profile);
        Distribution amount = loaded.feature("amount").orElseThrow();
        assertThat(amount.sketch()).isEqualTo(profile.features().get(0).sketch());
        KllDoublesSketch sketch = amount.kllSketch();
        assertThat(sketch.getN()).isEqualTo(5_000);
        assertThat(sketch.getK()).isEqualTo(ReferenceProfile.SKETCH_K);
        // The sketch's median agrees with the exact one within KLL's rank error.
        assertThat(sketch.getRank(amount.quantiles()[4], QuantileSearchCriteria.INCLUSIVE))
                .isCloseTo(0.5, within(0.02));
        assertThat(loaded.score().kllSketch().getN()).isEqualTo(5_000);
    }

    @Test
    void onlyFeaturesWithAtMostTwelveDistinctValuesAreCategorical() {
        ReferenceProfile profile = profile(5_000);

        assertThat(profile.feature("amount").orElseThrow().categories()).isNull();
        assertThat(profile.feature("count13").orElseThrow().categorical()).isFalse();
        assertThat(profile.score().categorical()).isFalse();
        Distribution count12 = profile.feature("count12").orElseThrow();
        assertThat(count12.categories()).hasSize(12).containsKeys("0.0", "11.0");
        Distribution flag = profile.feature("flag").orElseThrow();
        assertThat(flag.categories()).containsOnlyKeys("0.0", "1.0");
        assertThat(flag.categories().get("1.0")).isCloseTo(0.3, within(0.02));
        assertThat(flag.categories().values().stream().mapToDouble(Double::doubleValue).sum())
                .isCloseTo(1.0, within(1e-12));
    }

    @Test
    void categoryKeysAreCanonicalSoLiveValuesFindThem() {
        Distribution d =
                Distribution.of("x", new double[] {-0.0, 0.0, 0.25, 0.25, 1e-7, Double.NaN});

        // -0.0 and 0.0 are one value; NaN is neither a category nor in the sketch.
        assertThat(d.categories())
                .containsExactly(
                        Map.entry("0.0", 0.4), Map.entry("1.0E-7", 0.2), Map.entry("0.25", 0.4));
        assertThat(Distribution.categoryKey(-0.0)).isEqualTo("0.0");
        assertThat(Distribution.categoryKey(1)).isEqualTo("1.0");
        assertThat(Distribution.categoryKey(0.1 + 0.2))
                .isEqualTo("0.30000000000000004")
                .isNotEqualTo(Distribution.categoryKey(0.3));
        assertThat(d.kllSketch().getN()).isEqualTo(5);
    }

    @Test
    void aProfileWrittenBeforeSketchesCategoriesAndInputsStillLoads() throws Exception {
        String old =
"""
{"features":[{"name":"a","edges":[0.0],"shares":[0.5,0.5],"quantiles":[-1,0,1],"mean":0.0,"std":1.0}],
 "score":{"name":"score","edges":[],"shares":[1.0],"quantiles":[0.5],"mean":0.5,"std":0.0},
 "rows":10}
""";
        Files.writeString(dir.resolve(ModelBundle.PROFILE_FILE), old);

        ReferenceProfile loaded = ModelBundle.loadProfile(dir);

        assertThat(loaded.rows()).isEqualTo(10);
        Distribution a = loaded.features().get(0);
        assertThat(a.shares()).containsExactly(0.5, 0.5);
        assertThat(a.sketch()).isNull();
        assertThat(a.kllSketch()).isNull();
        assertThat(a.categories()).isNull();
        assertThat(a.categorical()).isFalse();
        assertThat(loaded.inputs()).isEmpty();
        assertThat(loaded.categorical("country")).isEmpty();
    }

    @Test
    void theJsonHoldsTheRecordComponentsOnly() throws Exception {
        String json =
                new ObjectMapper()
                        .writeValueAsString(
                                profile(100).withInputs(Map.of("country", new String[100])));

        assertThat(json)
                .contains("\"sketch\"", "\"categories\"", "\"inputs\"", "\"shares\"")
                .doesNotContain("\"categorical\"", "kllSketch");
    }

    @Test
    void inputsHoldTheSharesOfEachValueWithNullsAsTheirOwnKey() {
        ReferenceProfile base = profile(4);
        Map<String, String[]> values = new LinkedHashMap<>();
        values.put("country", new String[] {"DE", "FR", "DE", null});
        values.put("channel", new String[] {"web", "web", "web", "app"});

        ReferenceProfile profile = base.withInputs(values);

        assertThat(profile.inputs())
                .extracting(Categorical::name)
                .containsExactly("channel", "country");
        Categorical country = profile.categorical("country").orElseThrow();
        assertThat(country.shares())
                .containsExactly(
                        Map.entry("DE", 0.5), Map.entry("FR", 0.25), Map.entry("null", 0.25));
        assertThat(country.share("IT")).isZero();
        assertThat(profile.categorical("channel").orElseThrow().share("app")).isEqualTo(0.25);
        assertThat(profile.features()).isSameAs(base.features());
    }

    @Test
    void inputsPoolValuesBeyondTheMostFrequentIntoOther() {
        int rows = 1_000;
        String[] ids = new String[rows];
        for (int i = 0; i < rows; i++) {
            ids[i] = i < 500 ? "common" : "id-" + i; // one frequent value and 500 singletons
        }

        Categorical pooled = Categorical.of("merchant", ids);

        assertThat(pooled.shares())
                .hasSize(Categorical.MAX_CATEGORIES + 1)
                .containsEntry("common", 0.5);
        assertThat(pooled.share(Categorical.OTHER))
                .isCloseTo((500.0 - (Categorical.MAX_CATEGORIES - 1)) / rows, within(1e-12));
        assertThat(pooled.shares().values().stream().mapToDouble(Double::doubleValue).sum())
                .isCloseTo(1.0, within(1e-9));
    }

    @Test
    void inputsNeedOneValuePerTrainingRow() {
        assertThatThrownBy(() -> profile(4).withInputs(Map.of("country", new String[] {"DE"})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "country has 1 values but the profile covers 4 training rows");
    }

    @Test
    void loadProfileIsNullWithoutAProfileAndNamesTheFileWhenItIsBroken() throws Exception {
        assertThat(ModelBundle.loadProfile(dir)).isNull();

        Files.writeString(dir.resolve(ModelBundle.PROFILE_FILE), "{not json");

        assertThatThrownBy(() -> ModelBundle.loadProfile(dir))
                .hasMessageContaining("cannot read the reference profile")
                .hasMessageContaining("profile.json");
    }
}
