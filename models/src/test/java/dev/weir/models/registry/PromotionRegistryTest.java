package dev.weir.models.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.gates.Evidence;
import dev.weir.gates.GateReport;
import dev.weir.gates.Gates;
import dev.weir.gates.ModelEvidence;
import dev.weir.gates.Promotion;
import dev.weir.gates.Stage;
import dev.weir.models.ModelBundle;
import dev.weir.models.Trainer;
import dev.weir.models.TrainerConfig;
import dev.weir.models.fairness.AttributeFairness;
import dev.weir.models.fairness.FairnessReport;
import dev.weir.models.fairness.GroupFairness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stages follow the aliases; promotions move versions on and are recorded beside them. */
class PromotionRegistryTest {

    private static ModelBundle trained;

    @TempDir Path root;

    @BeforeAll
    static void train() {
        Random random = new Random(8);
        int n = 500;
        double[][] x = new double[n][];
        boolean[] y = new boolean[n];
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextDouble() < 0.1;
            x[i] = new double[] {(y[i] ? 2 : 0) + random.nextGaussian()};
            t[i] = i;
        }
        trained =
                new Trainer(new TrainerConfig(List.of(4), 1, 0.01, 128, 0.2, 1L))
                        .train("m", "x", List.of("f"), x, y, t);
    }

    private static Promotion promotion(String version, Stage from, Stage to) {
        return new Promotion(
                "m", version, from, to, "alice", "2026-12-02T10:00:00Z", false, null, List.of());
    }

    @Test
    void stagesFollowTheAliasesOfFilesWrittenBeforeStagesExisted() throws Exception {
        ModelRegistry registry = new ModelRegistry(root);
        registry.register(trained, null);
        registry.register(trained, null);
        registry.register(trained, null);
        // An aliases file as earlier releases wrote it.
        Files.writeString(
                root.resolve("m").resolve(ModelRegistry.ALIASES_FILE),
                "{\"champion\": \"2\", \"challenger\": \"3\", \"history\": [\"1\"]}");
        assertThat(registry.stage("m", "1")).isEqualTo(Stage.CONSTRUCT);
        assertThat(registry.stage("m", "2")).isEqualTo(Stage.LIVE);
        assertThat(registry.stage("m", "3")).isEqualTo(Stage.TEST);
        assertThat(registry.promotions("m")).isEmpty();
    }

    @Test
    void promotionsMoveVersionsOnAndAreRecordedInOrder() {
        ModelRegistry registry = new ModelRegistry(root);
        ModelPointer v1 = registry.register(trained, null);
        registry.register(trained, null);
        registry.promote("m", "1");

        Promotion toTest = promotion("2", Stage.CONSTRUCT, Stage.TEST);
        assertThat(registry.promote(toTest))
                .isEqualTo(new ModelRegistry.Aliases("1", "2", List.of()));
        assertThat(registry.stage("m", "2")).isEqualTo(Stage.TEST);

        Promotion toLive = promotion("2", Stage.TEST, Stage.LIVE);
        assertThat(registry.promote(toLive))
                .isEqualTo(new ModelRegistry.Aliases("2", null, List.of("1")));
        assertThat(registry.stage("m", "2")).isEqualTo(Stage.LIVE);
        assertThat(registry.stage("m", "1")).isEqualTo(Stage.CONSTRUCT);

        assertThat(registry.promotions("m")).containsExactly(toTest, toLive);
        // The versions themselves are untouched: they still pass their checksum.
        assertThat(ModelRegistry.load(registry.pointer("m", "2")).metadata().version())
                .isEqualTo("2");
        assertThat(ModelRegistry.load(v1).metadata().version()).isEqualTo("1");
    }

    @Test
    void aPromotionFromAStaleStageOrBackwardsChangesNothing() {
        ModelRegistry registry = new ModelRegistry(root);
        registry.register(trained, null);
        registry.register(trained, null);
        registry.promote("m", "1");
        assertThatThrownBy(() -> registry.promote(promotion("2", Stage.TEST, Stage.LIVE)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("v2 is in construct, not test");
        assertThatThrownBy(() -> registry.promote(promotion("1", Stage.LIVE, Stage.TEST)))
                .hasMessageContaining("a promotion goes to a later stage, not to test");
        assertThat(registry.aliases("m"))
                .isEqualTo(new ModelRegistry.Aliases("1", null, List.of()));
        assertThat(registry.promotions("m")).isEmpty();
    }

    @Test
    void gatesReadHoldoutAndFairnessFromARegisteredVersionsMetadata() throws Exception {
        FairnessReport report =
                new FairnessReport(
                        FairnessReport.HOLDOUT,
                        1000,
                        0.5,
                        50,
                        10,
                        0.8,
                        List.of(
                                new AttributeFairness(
                                        "country",
                                        1000,
                                        "US",
                                        "US",
                                        List.of(
                                                new GroupFairness(
                                                        "US",
                                                        700,
                                                        30,
                                                        60,
                                                        24,
                                                        60 / 700.0,
                                                        0.8,
                                                        0.05,
                                                        1.0,
                                                        0.0,
                                                        false),
                                                new GroupFairness(
                                                        "BR", 300, 10, 90, 9, 0.3, 0.9, 0.28, 0.7,
                                                        0.1, true)))));
        ModelRegistry registry = new ModelRegistry(root);
        ModelPointer p =
                registry.register(
                        trained.withMetadata(trained.metadata().withFairness(report)), null);

        ModelEvidence e =
                ModelEvidence.fromMetadataJson(
                        Files.readAllBytes(
                                Path.of(p.location()).resolve(ModelBundle.METADATA_FILE)));
        assertThat(e.holdoutAuc()).isEqualTo(trained.metadata().holdoutAuc());
        assertThat(e.holdoutAucPr()).isEqualTo(trained.metadata().holdoutAucPr());
        assertThat(e.holdoutRows()).isEqualTo(trained.metadata().holdoutRows());
        assertThat(e.fairness())
                .containsExactly(
                        new ModelEvidence.FairnessGroup(
                                "country", "US", 700, 30, 1.0, 0.0, "US", "US"),
                        new ModelEvidence.FairnessGroup(
                                "country", "BR", 300, 10, 0.7, 0.1, "US", "US"));

        GateReport r =
                Gates.parse(
                                "to_test:\n  fairness: {min_disparate_impact: 0.8, min_group_count: 50}")
                        .evaluate(Stage.TEST, new Evidence(e, null, null));
        assertThat(r.describeFailures())
                .startsWith(
                        "FAIL fairness.min_disparate_impact: 0.7000 < 0.8000 (country=BR: 300 rows");
    }

    @Test
    void rollbackAndChallengerAreRecordedAsUngatedChangesBesideOlderRecords() throws Exception {
        ModelRegistry registry = new ModelRegistry(root);
        for (int i = 0; i < 4; i++) {
            registry.register(trained, null);
        }
        registry.promote("m", "1");
        registry.promote("m", "3");
        // A record as the previous release wrote it: no ungated field.
        Path records = Files.createDirectories(root.resolve("m").resolve("promotions"));
        Files.writeString(
                records.resolve("1.json"),
                """
                {
                  "model" : "m",
                  "version" : "3",
                  "from" : "construct",
                  "to" : "live",
                  "by" : "alice",
                  "at" : "2026-12-01T09:00:00Z",
                  "forced" : true,
                  "reason" : "hot fix",
                  "gates" : [ ]
                }
                """);

        ModelRegistry.Recorded set = registry.setChallenger("m", "2", "bob", "shadow v2");
        ModelRegistry.Recorded replaced = registry.setChallenger("m", "4", "bob", null);
        ModelRegistry.Recorded again = registry.setChallenger("m", "4", "bob", null);
        ModelRegistry.Recorded rollback = registry.rollback("m", "carol", "incident 7");
        ModelRegistry.Recorded cleared = registry.setChallenger("m", null, "carol", null);
        ModelRegistry.Recorded nothingToClear = registry.setChallenger("m", null, "carol", null);

        assertThat(again.promotion()).isNull();
        assertThat(nothingToClear.promotion()).isNull();
        assertThat(rollback.aliases()).isEqualTo(new ModelRegistry.Aliases("1", "4", List.of()));
        assertThat(cleared.aliases()).isEqualTo(new ModelRegistry.Aliases("1", null, List.of()));
        assertThat(registry.aliases("m")).isEqualTo(cleared.aliases());

        List<Promotion> all = registry.promotions("m");
        assertThat(all)
                .containsExactly(
                        all.get(0),
                        set.promotion(),
                        replaced.promotion(),
                        rollback.promotion(),
                        cleared.promotion());
        assertThat(all.get(0).ungated()).isNull();
        assertThat(all.get(0).forced()).isTrue();
        assertThat(all)
                .extracting(
                        Promotion::version,
                        Promotion::from,
                        Promotion::to,
                        Promotion::by,
                        Promotion::reason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "3", Stage.CONSTRUCT, Stage.LIVE, "alice", "hot fix"),
                        org.assertj.core.groups.Tuple.tuple(
                                "2", Stage.CONSTRUCT, Stage.TEST, "bob", "shadow v2"),
                        org.assertj.core.groups.Tuple.tuple(
                                "4", Stage.CONSTRUCT, Stage.TEST, "bob", null),
                        org.assertj.core.groups.Tuple.tuple(
                                "1", Stage.CONSTRUCT, Stage.LIVE, "carol", "incident 7"),
                        org.assertj.core.groups.Tuple.tuple(
                                "4", Stage.TEST, Stage.CONSTRUCT, "carol", null));
        assertThat(all.subList(1, 5)).allSatisfy(p -> assertThat(p.gates()).isEmpty());
        assertThat(set.promotion().ungated())
                .isEqualTo(
                        "challenger set directly: shadow scoring beside the champion, its"
                                + " decisions unused; the to_test gates were not judged");
        assertThat(replaced.promotion().ungated())
                .startsWith(Promotion.CHALLENGER_SET + ", in place of v2: ");
        assertThat(rollback.promotion().ungated())
                .isEqualTo(
                        "rollback: v1 replaces champion v3, which goes back to construct; an"
                                + " emergency brake is not gated");
        assertThat(cleared.promotion().ungated())
                .isEqualTo(
                        "challenger cleared directly: v4 is no longer scored beside the champion");
        assertThat(registry.stage("m", "3")).isEqualTo(Stage.CONSTRUCT);
    }

    @Test
    void theChampionCannotBeSetAsChallengerAndARollbackNeedsAnEarlierChampion() {
        ModelRegistry registry = new ModelRegistry(root);
        registry.register(trained, null);
        registry.promote("m", "1");
        assertThatThrownBy(() -> registry.setChallenger("m", "1", "bob", null))
                .hasMessage("model m v1 is the champion; a challenger is scored beside it");
        assertThatThrownBy(() -> registry.rollback("m", "bob", null))
                .hasMessage("model m has no earlier champion to roll back to");
        assertThat(registry.aliases("m"))
                .isEqualTo(new ModelRegistry.Aliases("1", null, List.of()));
        assertThat(registry.promotions("m")).isEmpty();
    }
}
