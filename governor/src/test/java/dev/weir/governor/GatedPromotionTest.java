package dev.weir.governor;

import static dev.weir.governor.Fixtures.MODEL;
import static dev.weir.governor.Fixtures.agreement;
import static dev.weir.governor.Fixtures.performance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.gates.Gates;
import dev.weir.gates.ModelEvidence;
import dev.weir.governor.HealthPolicyEngine.Action;
import dev.weir.governor.HealthPolicyEngine.Decision;
import dev.weir.governor.HealthPolicyEngine.Refusal;
import dev.weir.models.ModelBundle;
import dev.weir.models.Trainer;
import dev.weir.models.TrainerConfig;
import dev.weir.models.fairness.AttributeFairness;
import dev.weir.models.fairness.FairnessReport;
import dev.weir.models.fairness.GroupFairness;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The governor's automatic promotion passes the same to_live gates as a promotion by hand. */
class GatedPromotionTest {

    /** BR is approved at 0.7 times the rate of US: below the four-fifths rule of the defaults. */
    static final ModelEvidence UNFAIR =
            new ModelEvidence(
                    0.9,
                    0.5,
                    5000,
                    List.of(
                            new ModelEvidence.FairnessGroup(
                                    "country", "US", 3000, 60, 1.0, 0.0, "US", "US"),
                            new ModelEvidence.FairnessGroup(
                                    "country", "BR", 800, 20, 0.70, -0.05, "US", "US")));

    /**
     * v3 beats the champion v2 by 0.06 AUC in every window, with plenty of labels and events; the
     * refusals reported go to {@code refusals}.
     */
    private static List<Decision> promotionWindows(
            HealthPolicyEngine engine,
            HealthState state,
            int from,
            int to,
            List<Refusal> refusals) {
        List<Decision> out = new ArrayList<>();
        for (int w = from; w < to; w++) {
            for (var r :
                    List.of(
                            agreement(w, "2", "3", 700),
                            performance(w, "2", 0.80, 300),
                            performance(w, "3", 0.86, 300))) {
                HealthPolicyEngine.Outcome outcome = engine.observe(state, r);
                outcome.decision().ifPresent(out::add);
                outcome.refusal().ifPresent(refusals::add);
            }
        }
        return out;
    }

    @Test
    void aChallengerFailingAFairnessGateIsNotPromotedAndTheReasonIsKept() {
        Fixtures.MemoryRegistry registry = new Fixtures.MemoryRegistry("2", null, List.of("1"));
        registry.evidence.put("3", UNFAIR);
        HealthPolicyEngine engine = new HealthPolicyEngine(Policy.DEFAULT, Gates.DEFAULT, registry);
        HealthState state = new HealthState();

        // Without the gates the third window would promote (HealthPolicyEngineTest).
        List<Refusal> refusals = new ArrayList<>();
        assertThat(promotionWindows(engine, state, 0, 6, refusals)).isEmpty();
        assertThat(refusals).hasSize(1);
        assertThat(state.lastRefusal)
                .isEqualTo(
                        "v3 over champion v2: FAIL fairness.min_disparate_impact: 0.7000 < 0.8000"
                                + " (country=BR: 800 rows, 20 frauds, against US; worst of 2 values"
                                + " with at least 50 rows)");

        // The same evidence with a fair model promotes at the next window.
        registry.evidence.put("3", Fixtures.FAIR);
        List<Decision> d = promotionWindows(engine, state, 6, 7, refusals);
        assertThat(refusals).hasSize(1);
        assertThat(d)
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.action()).isEqualTo(Action.PROMOTE);
                            assertThat(p.target().version()).isEqualTo("3");
                            assertThat(p.values())
                                    .containsEntry("gate.fairness.min_disparate_impact", 0.92);
                            // Decided on the champion's record of window 6, before the
                            // challenger's.
                            assertThat(p.values()).containsEntry("gate.live.min_windows", 6.0);
                            assertThat(p.evidence())
                                    .contains("to_live gates: PASS min_auc: 0.9000 >= 0.8000")
                                    .contains(
                                            "PASS fairness.min_disparate_impact: 0.9200 >= 0.8000");
                        });
        assertThat(state.lastRefusal).isNull();
    }

    @Test
    void aRefusalIsReportedAsAnAlertingModelRecordOnceUntilItsReasonChanges() {
        Fixtures.MemoryRegistry registry = new Fixtures.MemoryRegistry("2", null, List.of("1"));
        registry.evidence.put("3", UNFAIR);
        HealthPolicyEngine engine = new HealthPolicyEngine(Policy.DEFAULT, Gates.DEFAULT, registry);
        HealthState state = new HealthState();
        List<Refusal> refusals = new ArrayList<>();

        // Windows 2..5 each call for the promotion and are refused for the same reason.
        assertThat(promotionWindows(engine, state, 0, 6, refusals)).isEmpty();
        String unfair =
                "v3 over champion v2: FAIL fairness.min_disparate_impact: 0.7000 < 0.8000"
                        + " (country=BR: 800 rows, 20 frauds, against US; worst of 2 values with at"
                        + " least 50 rows)";
        assertThat(refusals)
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.model()).isEqualTo(MODEL);
                            assertThat(r.challenger()).isEqualTo("3");
                            assertThat(r.champion()).isEqualTo("2");
                            // The challenger's record of window 2 completes the third pair.
                            assertThat(r.windowEnd()).isEqualTo(Fixtures.end(2));
                            assertThat(r.reason()).isEqualTo(unfair);
                            assertThat(r.values().get("challenger_mean_auc"))
                                    .isCloseTo(0.86, Offset.offset(1e-9));
                            assertThat(r.values().get("champion_mean_auc"))
                                    .isCloseTo(0.80, Offset.offset(1e-9));
                            assertThat(r.values().get("auc_gain"))
                                    .isCloseTo(0.06, Offset.offset(1e-9));
                            assertThat(r.values())
                                    .containsEntry("paired_windows", 3.0)
                                    .containsEntry("agreement_events", 2100.0)
                                    .containsEntry("gate.fairness.min_disparate_impact", 0.70);
                        });
        // A refusal is no action: no cool-down follows it.
        assertThat(state.lastAction).isNull();

        MonitoringRecord record = Commands.refusal(refusals.get(0), Policy.DEFAULT.thresholds());
        assertThat(record.getKind()).isEqualTo(MonitoringKind.MODEL);
        assertThat(record.getSubject()).isEqualTo(MODEL);
        assertThat(record.getModelName()).isEqualTo(MODEL);
        assertThat(record.getModelVersion()).isEqualTo("3");
        assertThat(record.getAlert()).isTrue();
        assertThat(record.getWindowStart())
                .isEqualTo(Instant.ofEpochMilli(Fixtures.T0 + 2 * Fixtures.MINUTE));
        assertThat(record.getWindowEnd()).isEqualTo(Instant.ofEpochMilli(Fixtures.end(2)));
        assertThat(record.getNote()).isEqualTo("governor refused promotion: " + unfair);
        assertThat(record.getValues()).isEqualTo(refusals.get(0).values());
        assertThat(record.getThresholds()).isEqualTo(Policy.DEFAULT.thresholds());

        // Different numbers for the same gate: a new reason, one new record.
        registry.evidence.put(
                "3",
                new ModelEvidence(
                        0.9,
                        0.5,
                        5000,
                        List.of(
                                UNFAIR.fairness().get(0),
                                new ModelEvidence.FairnessGroup(
                                        "country", "BR", 800, 20, 0.75, -0.05, "US", "US"))));
        assertThat(promotionWindows(engine, state, 6, 8, refusals)).isEmpty();
        assertThat(refusals).hasSize(2);
        assertThat(Commands.refusal(refusals.get(1), Policy.DEFAULT.thresholds()).getNote())
                .startsWith(
                        "governor refused promotion: v3 over champion v2: FAIL"
                                + " fairness.min_disparate_impact: 0.7500 < 0.8000");

        // Another failing gate (fair, but a weak hold-out AUC): one new record naming it.
        registry.evidence.put("3", new ModelEvidence(0.70, 0.5, 5000, Fixtures.FAIR.fairness()));
        assertThat(promotionWindows(engine, state, 8, 10, refusals)).isEmpty();
        assertThat(refusals).hasSize(3);
        assertThat(Commands.refusal(refusals.get(2), Policy.DEFAULT.thresholds()).getNote())
                .startsWith("governor refused promotion: v3 over champion v2: FAIL min_auc: 0.7000")
                .doesNotContain("fairness");

        // Back to the first reason: it differs from the last one reported, so it is sent again.
        registry.evidence.put("3", UNFAIR);
        assertThat(promotionWindows(engine, state, 10, 12, refusals)).isEmpty();
        assertThat(refusals).hasSize(4);
        assertThat(refusals.get(3).reason()).isEqualTo(unfair);

        // Passing gates: the promotion, and no refusal.
        registry.evidence.put("3", Fixtures.FAIR);
        assertThat(promotionWindows(engine, state, 12, 13, refusals))
                .singleElement()
                .satisfies(p -> assertThat(p.action()).isEqualTo(Action.PROMOTE));
        assertThat(refusals).hasSize(4);
        assertThat(state.lastRefusal).isNull();
    }

    @Test
    void theGatesReadTheChallengersMetadataInTheRegistry(@TempDir Path root) {
        ModelBundle trained = train();
        ModelRegistry models = new ModelRegistry(root);
        models.register(trained, null);
        models.register(trained, null);
        // v3: the policy's live evidence is good, but its hold-out fairness is not.
        models.register(
                trained.withMetadata(
                        trained.metadata()
                                .withFairness(
                                        report(
                                                new GroupFairness(
                                                        "US", 700, 30, 60, 24, 0.09, 0.8, 0.05, 1.0,
                                                        0.0, false),
                                                new GroupFairness(
                                                        "BR", 300, 10, 90, 9, 0.3, 0.9, 0.28, 0.75,
                                                        0.1, true)))),
                null);
        models.promote(MODEL, "2");
        Gates fairnessOnly =
                Gates.parse(
                        "to_live:\n  fairness: {min_disparate_impact: 0.8, min_group_count: 50}");
        HealthPolicyEngine engine =
                new HealthPolicyEngine(Policy.DEFAULT, fairnessOnly, new FileRegistry(root));
        HealthState state = new HealthState();

        assertThat(promotionWindows(engine, state, 0, 5, new ArrayList<>())).isEmpty();
        assertThat(state.lastRefusal)
                .startsWith(
                        "v3 over champion v2: FAIL fairness.min_disparate_impact: 0.7500 < 0.8000"
                                + " (country=BR: 300 rows, 10 frauds, against US");

        // A version without a fairness section has no evidence for the gate: refused as well.
        HealthPolicyEngine noSection =
                new HealthPolicyEngine(Policy.DEFAULT, fairnessOnly, new FileRegistry(root));
        HealthState other = new HealthState();
        List<Decision> none = new ArrayList<>();
        for (int w = 0; w < 5; w++) {
            for (var r :
                    List.of(
                            agreement(w, "2", "1", 700),
                            performance(w, "2", 0.80, 300),
                            performance(w, "1", 0.86, 300))) {
                Optional<Decision> d = noSection.observe(other, r).decision();
                d.ifPresent(none::add);
            }
        }
        assertThat(none).isEmpty();
        assertThat(other.lastRefusal)
                .isEqualTo(
                        "v1 over champion v2: FAIL fairness.min_disparate_impact: needs >= 0.8000;"
                                + " no evidence: the metadata has no fairness section");
    }

    @Test
    void aBatchScoresGateUnderToLiveStopsTheGovernorAtStartNamingTheGateAndTheFix(@TempDir Path dir)
            throws Exception {
        String message =
                "to_live.batch_scores (table scores_q4) cannot be judged by the governor: it reads"
                        + " no batch scores, so the gate would refuse every promotion; remove"
                        + " to_live.batch_scores from the gates file and start the governor again"
                        + " (weir models promote --to live --gates FILE judges batch scores by"
                        + " hand)";
        String yaml =
                "to_test:\n  batch_scores: {min_rows: 100}\n"
                        + "to_live:\n  min_auc: 0.8\n  batch_scores: {table: scores_q4, min_rows: 100}\n";
        FileRegistry registry = new FileRegistry(dir.resolve("registry"));
        assertThatThrownBy(
                        () -> new HealthPolicyEngine(Policy.DEFAULT, Gates.parse(yaml), registry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
        // Batch scores into test are judged by weir models promote --to test, not here.
        assertThat(
                        new HealthPolicyEngine(
                                        Policy.DEFAULT,
                                        Gates.parse("to_test:\n  batch_scores: {min_rows: 100}\n"),
                                        registry)
                                .gates()
                                .toTest()
                                .batchScores())
                .isNotNull();

        // The function server's process: refuses its gates argument before serving anything.
        Path gates = Files.writeString(dir.resolve("gates.yaml"), yaml);
        Path policy = Files.writeString(dir.resolve("policy.yaml"), "{}\n");
        Process server =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp",
                                System.getProperty("java.class.path"),
                                GovernorServer.class.getName(),
                                "0",
                                policy.toString(),
                                dir.resolve("registry").toString(),
                                gates.toString())
                        .redirectErrorStream(true)
                        .start();
        String output = new String(server.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(server.waitFor(2, TimeUnit.MINUTES)).as("the server ended").isTrue();
        assertThat(server.exitValue()).as(output).isEqualTo(2);
        assertThat(output)
                .contains("GovernorServer: " + gates + ": " + message)
                .doesNotContain("listening");
        assertThatThrownBy(() -> GovernorServer.gates(gates)).hasMessage(gates + ": " + message);
        assertThat(GovernorServer.gates(null)).isSameAs(Gates.DEFAULT);
    }

    private static FairnessReport report(GroupFairness... groups) {
        return new FairnessReport(
                FairnessReport.HOLDOUT,
                1000,
                0.5,
                50,
                10,
                0.8,
                List.of(new AttributeFairness("country", 1000, "US", "US", List.of(groups))));
    }

    private static ModelBundle train() {
        Random random = new Random(3);
        int n = 400;
        double[][] x = new double[n][];
        boolean[] y = new boolean[n];
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextDouble() < 0.1;
            x[i] = new double[] {(y[i] ? 2 : 0) + random.nextGaussian()};
            t[i] = i;
        }
        return new Trainer(new TrainerConfig(List.of(4), 1, 0.01, 128, 0.2, 1L))
                .train(MODEL, "x", List.of("f"), x, y, t);
    }
}
