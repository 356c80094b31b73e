package dev.weir.cli;

import static dev.weir.cli.WeirRun.weir;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.cli.train.TrainCommand;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.models.CodeVersion;
import dev.weir.models.ModelMetadata;
import dev.weir.models.fairness.AttributeFairness;
import dev.weir.models.fairness.GroupFairness;
import dev.weir.models.registry.ModelRegistry;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir models lineage} on two versions trained by {@code weir train} into one registry: the
 * second's parent is the first, the champion when it was registered.
 */
class ModelLineageCommandTest {

    private static final String NAME = TrainCommand.DEFAULT_NAME;

    @TempDir static Path home;

    private static String registry;

    @BeforeAll
    static void trainTwoVersions() {
        registry = home.resolve("registry").toString();
        for (String seed : List.of("7", "8")) {
            WeirRun trained =
                    weir(
                            "train",
                            "--registry",
                            registry,
                            "--events",
                            "1000",
                            "--accounts",
                            "100",
                            "--epochs",
                            "1",
                            "--hidden",
                            "4",
                            "--seed",
                            seed);
            assertThat(trained.code()).as(trained.out() + trained.err()).isZero();
        }
        WeirRun challenger =
                weir(
                        "models",
                        "challenger",
                        "--registry",
                        registry,
                        "--name",
                        NAME,
                        "--version",
                        "2",
                        "--by",
                        "carol");
        assertThat(challenger.code()).as(challenger.err()).isZero();
    }

    @Test
    void jsonShowsEveryPartOfTheLineage() throws Exception {
        WeirRun lineage = weir("models", "lineage", NAME, "2", "--registry", registry, "--json");
        assertThat(lineage.code()).as(lineage.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(lineage.out());
        ModelMetadata m = metadata("2");

        assertThat(json.get("name").asText()).isEqualTo(NAME);
        assertThat(json.get("version").asText()).isEqualTo("2");
        assertThat(json.get("parent").asText()).isEqualTo("1");
        assertThat(json.get("codeVersion").asText())
                .isNotBlank()
                .isEqualTo(CodeVersion.current())
                .isEqualTo(m.lineage().codeVersion());
        assertThat(json.at("/featureSet/version").asText())
                .isEqualTo(FeatureSets.reference().version());
        assertThat(json.at("/featureSet/definitions").asText())
                .isEqualTo("bundled " + FeatureSets.REFERENCE);
        assertThat(json.at("/featureSet/features").size()).isEqualTo(m.featureCount());
        assertThat(json.at("/trainingData/source").asText())
                .isEqualTo("synthetic generator, seed 8, 1000 events");
        assertThat(json.at("/trainingData/rows").asLong()).isEqualTo(m.trainingRows());
        assertThat(json.at("/evaluationData/dataset").asText()).isEqualTo("hold-out");
        assertThat(json.at("/evaluationData/rows").asLong())
                .isEqualTo(m.holdoutRows())
                .isEqualTo(1000 - m.trainingRows());
        assertThat(json.at("/evaluation/auc").asDouble()).isEqualTo(m.holdoutAuc());
        assertThat(json.at("/evaluation/aucPr").asDouble()).isEqualTo(m.holdoutAucPr());
        assertThat(json.at("/evaluation/precision").asDouble()).isEqualTo(m.holdoutPrecision());
        assertThat(json.at("/evaluation/recall").asDouble()).isEqualTo(m.holdoutRecall());
        assertThat(json.at("/evaluation/threshold").asDouble()).isEqualTo(m.threshold());
        assertThat(json.get("gates").isEmpty()).isTrue();
        assertThat(json.get("aliases").toString()).isEqualTo("[\"challenger\"]");

        // One summary per segment attribute, the extremes those of the metadata's groups.
        List<AttributeFairness> attributes = m.fairness().attributes();
        assertThat(json.get("fairness").size()).isEqualTo(attributes.size()).isPositive();
        for (int i = 0; i < attributes.size(); i++) {
            JsonNode summary = json.get("fairness").get(i);
            AttributeFairness attribute = attributes.get(i);
            assertThat(summary.get("attribute").asText()).isEqualTo(attribute.attribute());
            assertThat(summary.get("rows").asLong()).isEqualTo(attribute.rows());
            // The reference value, at 1 against itself, is left out.
            Double lowest =
                    attribute.groups().stream()
                            .filter(g -> !Objects.equals(g.value(), attribute.approvalReference()))
                            .map(GroupFairness::disparateImpact)
                            .filter(d -> d != null)
                            .min(Double::compare)
                            .orElse(null);
            if (lowest == null) {
                assertThat(summary.get("minDisparateImpact").isNull()).isTrue();
            } else {
                JsonNode di = summary.get("minDisparateImpact");
                assertThat(di.get("figure").asDouble()).isEqualTo(lowest);
                GroupFairness group = group(attribute, di.get("value").asText());
                assertThat(group.disparateImpact()).isEqualTo(lowest);
                assertThat(di.get("rows").asLong()).isEqualTo(group.rows());
                assertThat(di.get("frauds").asLong()).isEqualTo(group.positives());
            }
            Double widest =
                    attribute.groups().stream()
                            .filter(g -> !Objects.equals(g.value(), attribute.tprReference()))
                            .map(GroupFairness::equalOpportunityDifference)
                            .filter(d -> d != null)
                            .max(Comparator.comparingDouble(Math::abs))
                            .orElse(null);
            if (widest == null) {
                assertThat(summary.get("maxEqualOpportunityDifference").isNull()).isTrue();
            } else {
                JsonNode eo = summary.get("maxEqualOpportunityDifference");
                assertThat(eo.get("figure").asDouble()).isEqualTo(widest);
                assertThat(eo.get("reference").asText()).isEqualTo(attribute.tprReference());
            }
            assertThat(summary.get("flagged").size()).isEqualTo(attribute.flaggedGroups().size());
        }
    }

    @Test
    void textShowsTheLineageAndWhereEachVersionRuns() {
        WeirRun second = weir("models", "lineage", NAME, "2", "--registry", registry);
        assertThat(second.code()).as(second.err()).isZero();
        ModelMetadata m = metadata("2");
        assertThat(second.out())
                .startsWith(NAME + " v2 at ")
                .contains("  code version     " + CodeVersion.current() + "\n")
                .contains(
                        "  training data    synthetic generator, seed 8, 1000 events: "
                                + m.trainingRows()
                                + " rows\n")
                .contains("  parent           v1\n")
                .contains(
                        String.format(
                                Locale.ROOT,
                                "  evaluation       AUC %.4f, AUC-PR %.4f,",
                                m.holdoutAuc(),
                                m.holdoutAucPr()))
                .contains("  fairness         on the hold-out, per attribute:\n")
                // Set directly: recorded as an ungated change, with why.
                .contains(
                        "  gates\n    construct -> test at "
                                + new ModelRegistry(registry).promotions(NAME).get(0).at()
                                + " by carol: ungated (challenger set directly: shadow scoring"
                                + " beside the champion, its decisions unused; the to_test gates"
                                + " were not judged)\n")
                .endsWith("  runs as          challenger\n");

        WeirRun first = weir("models", "lineage", NAME, "1", "--registry", registry);
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out())
                .contains("  training data    synthetic generator, seed 7, 1000 events: ")
                .contains("  parent           none (no champion when it was registered")
                .contains("  gates            none recorded\n")
                .endsWith("  runs as          champion\n");
    }

    @Test
    void anUnknownVersionOrNameIsAWrongArgument() {
        WeirRun version = weir("models", "lineage", NAME, "9", "--registry", registry);
        assertThat(version.code()).isEqualTo(2);
        assertThat(version.err()).contains("no version 9 of model " + NAME).contains("[1, 2]");

        WeirRun name = weir("models", "lineage", "no-such-model", "1", "--registry", registry);
        assertThat(name.code()).isEqualTo(2);
        assertThat(name.err()).contains("no model no-such-model").contains(NAME);

        WeirRun missing = weir("models", "lineage", NAME, "--registry", registry);
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("VERSION");
    }

    private static ModelMetadata metadata(String version) {
        return ModelRegistry.load(new ModelRegistry(registry).pointer(NAME, version)).metadata();
    }

    private static GroupFairness group(AttributeFairness attribute, String value) {
        return attribute.groups().stream()
                .filter(g -> g.value().equals(value))
                .findFirst()
                .orElseThrow();
    }
}
