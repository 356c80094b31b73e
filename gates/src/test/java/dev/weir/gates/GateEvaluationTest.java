package dev.weir.gates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.weir.gates.LiveWindows.Agreement;
import dev.weir.gates.LiveWindows.Performance;
import dev.weir.gates.ModelEvidence.FairnessGroup;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Each gate against numbers worked out by hand. */
class GateEvaluationTest {

    /** US is the reference; BR is the worst judged value; XX has too few rows to be judged. */
    static final ModelEvidence MODEL =
            new ModelEvidence(
                    0.84,
                    0.41,
                    5000,
                    List.of(
                            new FairnessGroup("country", "US", 3000, 60, 1.0, 0.0, "US", "US"),
                            new FairnessGroup("country", "BR", 800, 20, 0.76, -0.15, "US", "US"),
                            new FairnessGroup("country", "XX", 30, 2, 0.5, -0.5, "US", "US")));

    static final Gates TO_TEST =
            Gates.parse(
                    """
                    to_test:
                      min_auc: 0.8
                      min_pr_auc: 0.45
                      fairness: {min_disparate_impact: 0.8, max_equal_opportunity_difference: 0.2, min_group_count: 50}
                      batch_scores: {min_rows: 1000, max_decline_rate: 0.2}
                    """);

    @Test
    void holdoutFairnessAndBatchGatesMeasureWhatTheyNameWithTheirCounts() {
        GateReport r =
                TO_TEST.evaluate(
                        Stage.TEST,
                        new Evidence(MODEL, new BatchEvidence("scores_backfill", 2000, 500), null));

        assertThat(r.passed()).isFalse();
        assertThat(r.checks())
                .extracting(
                        GateCheck::gate, GateCheck::passed, GateCheck::measured, GateCheck::count)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("min_auc", true, 0.84, 5000L),
                        org.assertj.core.groups.Tuple.tuple("min_pr_auc", false, 0.41, 5000L),
                        // BR's 0.76, not XX's 0.5: XX has 30 rows, under min_group_count.
                        org.assertj.core.groups.Tuple.tuple(
                                "fairness.min_disparate_impact", false, 0.76, 800L),
                        org.assertj.core.groups.Tuple.tuple(
                                "fairness.max_equal_opportunity_difference", true, 0.15, 800L),
                        org.assertj.core.groups.Tuple.tuple(
                                "batch_scores.min_rows", true, 2000.0, 2000L),
                        // 500 / 2000
                        org.assertj.core.groups.Tuple.tuple(
                                "batch_scores.max_decline_rate", false, 0.25, 2000L));
        assertThat(r.failures())
                .extracting(GateCheck::gate)
                .containsExactly(
                        "min_pr_auc",
                        "fairness.min_disparate_impact",
                        "batch_scores.max_decline_rate");
    }

    @Test
    void aRefusalNamesTheGateAndItsNumbers() {
        GateReport r =
                TO_TEST.evaluate(
                        Stage.TEST,
                        new Evidence(MODEL, new BatchEvidence("scores_backfill", 2000, 500), null));
        assertThat(r.describeFailures())
                .contains("FAIL min_pr_auc: 0.4100 < 0.4500 (hold-out AUC-PR on 5000 rows)")
                .contains(
                        "FAIL fairness.min_disparate_impact: 0.7600 < 0.8000 (country=BR: 800 rows,"
                                + " 20 frauds, against US; worst of 2 values with at least 50 rows)")
                .contains(
                        "FAIL batch_scores.max_decline_rate: 0.2500 > 0.2000 (500 declines of 2000"
                                + " rows in scores_backfill)")
                .doesNotContain("min_auc:");
        assertThat(r.checks().get(0).describe())
                .isEqualTo("PASS min_auc: 0.8400 >= 0.8000 (hold-out AUC-ROC on 5000 rows)");
    }

    @Test
    void missingEvidenceFailsEveryGateThatNeedsIt() {
        GateReport r = TO_TEST.evaluate(Stage.TEST, new Evidence(null, null, null));
        assertThat(r.checks())
                .hasSize(6)
                .allSatisfy(
                        c -> {
                            assertThat(c.passed()).isFalse();
                            assertThat(c.measured()).isNull();
                            assertThat(c.detail()).startsWith("no evidence: ");
                        });
        assertThat(r.checks().get(0).describe())
                .isEqualTo(
                        "FAIL min_auc: needs >= 0.8000; no evidence: the version's metadata could"
                                + " not be read");

        ModelEvidence noFairness = new ModelEvidence(0.9, Double.NaN, 5000, null);
        GateReport unfair =
                TO_TEST.evaluate(
                        Stage.TEST,
                        new Evidence(noFairness, new BatchEvidence("scores_backfill", 0, 0), null));
        assertThat(unfair.checks())
                .extracting(GateCheck::gate, GateCheck::passed, GateCheck::detail)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "min_auc", true, "hold-out AUC-ROC on 5000 rows"),
                        org.assertj.core.groups.Tuple.tuple(
                                "min_pr_auc",
                                false,
                                "no evidence: the metadata records no hold-out AUC-PR"),
                        org.assertj.core.groups.Tuple.tuple(
                                "fairness.min_disparate_impact",
                                false,
                                "no evidence: the metadata has no fairness section"),
                        org.assertj.core.groups.Tuple.tuple(
                                "fairness.max_equal_opportunity_difference",
                                false,
                                "no evidence: the metadata has no fairness section"),
                        org.assertj.core.groups.Tuple.tuple(
                                "batch_scores.min_rows",
                                false,
                                "rows of the version in scores_backfill"),
                        org.assertj.core.groups.Tuple.tuple(
                                "batch_scores.max_decline_rate",
                                false,
                                "no evidence: no rows of the version in scores_backfill"));
    }

    @Test
    void fairnessWithoutAJudgedValueIsNoEvidence() {
        Gates g =
                Gates.parse(
                        "to_live:\n  fairness: {min_disparate_impact: 0.8, min_group_count: 5000}");
        GateCheck c = g.evaluate(Stage.LIVE, new Evidence(MODEL, null, null)).checks().get(0);
        assertThat(c.passed()).isFalse();
        assertThat(c.detail())
                .isEqualTo("no evidence: no segment value with at least 5000 rows and a figure");
    }

    /**
     * Challenger v3 against champion v2. Windows ending 1000 and 2000 pair (both versions have at
     * least 200 labels and an AUC); 3000 does not (150 labels of v3), nor 4000 (no AUC of v3). The
     * agreement window at 3000 is against another champion and does not count.
     */
    static LiveWindows.LiveEvidence live() {
        TreeMap<Long, Performance> challenger = new TreeMap<>();
        challenger.put(1000L, new Performance(0, 0.80, 250));
        challenger.put(2000L, new Performance(1000, 0.90, 300));
        challenger.put(3000L, new Performance(2000, 0.70, 150));
        challenger.put(4000L, new Performance(3000, Double.NaN, 400));
        Map<Long, Performance> champion =
                Map.of(
                        1000L, new Performance(0, 0.78, 260),
                        2000L, new Performance(1000, 0.82, 210),
                        3000L, new Performance(2000, 0.75, 300),
                        4000L, new Performance(3000, 0.80, 400));
        Map<Long, Agreement> agreement =
                Map.of(
                        1000L, new Agreement(0, "2", 1000, 0.90, 0.02),
                        2000L, new Agreement(1000, "2", 3000, 0.98, 0.01),
                        3000L, new Agreement(2000, "1", 500, 0.10, 0.30));
        return LiveWindows.pair("2", "3", challenger, champion, agreement, 200);
    }

    @Test
    void pairingKeepsWindowsWithEnoughLabelsOfBothVersions() {
        LiveWindows.LiveEvidence e = live();
        assertThat(e.paired())
                .extracting(LiveWindows.PairedWindow::windowEnd)
                .containsExactly(1000L, 2000L);
        assertThat(e.challengerMeanAuc()).isCloseTo(0.85, within(1e-12));
        assertThat(e.championMeanAuc()).isCloseTo(0.80, within(1e-12));
        assertThat(e.challengerLabels()).isEqualTo(550);
        assertThat(e.agreementWindows()).isEqualTo(2);
        assertThat(e.agreementEvents()).isEqualTo(4000);
        // (0.90 * 1000 + 0.98 * 3000) / 4000
        assertThat(e.decisionAgreement()).isCloseTo(0.96, within(1e-12));
    }

    @Test
    void liveGatesOnPairedWindows() {
        Gates g =
                Gates.parse(
                        "to_live:\n  live: {min_labels: 200, min_windows: 3, min_events: 5000,"
                                + " min_auc: 0.75, min_auc_gain: 0.04, min_agreement: 0.95}");
        GateReport r = g.evaluate(Stage.LIVE, new Evidence(MODEL, null, live()));
        assertThat(r.checks())
                .extracting(GateCheck::gate, GateCheck::passed, GateCheck::count)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("live.min_windows", false, 550L),
                        org.assertj.core.groups.Tuple.tuple("live.min_events", false, 4000L),
                        org.assertj.core.groups.Tuple.tuple("live.min_auc", true, 550L),
                        org.assertj.core.groups.Tuple.tuple("live.min_auc_gain", true, 550L),
                        org.assertj.core.groups.Tuple.tuple("live.min_agreement", true, 4000L));
        assertThat(r.checks().get(0).describe())
                .startsWith(
                        "FAIL live.min_windows: 2 < 3 (windows in which v3 against champion v2");
        assertThat(r.checks().get(3).measured()).isCloseTo(0.05, within(1e-12));

        Gates higher = Gates.parse("to_live:\n  live: {min_windows: 2, min_auc_gain: 0.06}");
        GateReport refused = higher.evaluate(Stage.LIVE, new Evidence(MODEL, null, live()));
        assertThat(refused.failures())
                .extracting(GateCheck::gate)
                .containsExactly("live.min_auc_gain");
        assertThat(refused.describeFailures())
                .isEqualTo(
                        "FAIL live.min_auc_gain: 0.0500 < 0.0600 (challenger 0.8500 minus champion"
                                + " 0.8000 over 2 paired windows)");
    }

    @Test
    void liveGatesWithoutLiveRecordsOrPairedWindowsFail() {
        Gates g =
                Gates.parse("to_live:\n  live: {min_windows: 1, min_auc: 0.5, min_agreement: 0.5}");
        GateReport none = g.evaluate(Stage.LIVE, new Evidence(MODEL, null, null));
        assertThat(none.checks()).hasSize(3).noneMatch(GateCheck::passed);
        assertThat(none.checks()).allSatisfy(c -> assertThat(c.detail()).contains("no evidence"));

        LiveWindows.LiveEvidence empty =
                LiveWindows.pair("2", "3", new TreeMap<>(), Map.of(), Map.of(), 200);
        GateReport r = g.evaluate(Stage.LIVE, new Evidence(MODEL, null, empty));
        assertThat(r.checks())
                .extracting(GateCheck::gate, GateCheck::passed, GateCheck::measured)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("live.min_windows", false, 0.0),
                        org.assertj.core.groups.Tuple.tuple("live.min_auc", false, null),
                        org.assertj.core.groups.Tuple.tuple("live.min_agreement", false, null));
    }

    @Test
    void aPromotionRecordRoundTripsThroughJson() {
        GateReport r = TO_TEST.evaluate(Stage.TEST, new Evidence(MODEL, null, null));
        Promotion p =
                new Promotion(
                        "fraud-mlp",
                        "3",
                        Stage.CONSTRUCT,
                        Stage.TEST,
                        "alice",
                        "2026-12-02T10:00:00Z",
                        true,
                        "hot fix",
                        r.checks());
        assertThat(new String(p.toJson(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"from\" : \"construct\"")
                .contains("\"to\" : \"test\"");
        assertThat(Promotion.fromJson(p.toJson())).isEqualTo(p);
    }

    @Test
    void aRecordWrittenBeforeUngatedExistedStillLoadsAsAGatedPromotion() {
        String older =
                """
                {
                  "model" : "fraud-mlp",
                  "version" : "3",
                  "from" : "construct",
                  "to" : "test",
                  "by" : "alice",
                  "at" : "2026-12-02T10:00:00Z",
                  "forced" : false,
                  "reason" : null,
                  "gates" : [ {
                    "gate" : "min_auc",
                    "passed" : true,
                    "measured" : 0.84,
                    "comparison" : ">=",
                    "threshold" : 0.8,
                    "count" : 5000,
                    "detail" : "hold-out AUC-ROC on 5000 rows"
                  } ]
                }
                """;
        Promotion p = Promotion.fromJson(older.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(p)
                .isEqualTo(
                        new Promotion(
                                "fraud-mlp",
                                "3",
                                Stage.CONSTRUCT,
                                Stage.TEST,
                                "alice",
                                "2026-12-02T10:00:00Z",
                                false,
                                null,
                                List.of(
                                        new GateCheck(
                                                "min_auc",
                                                true,
                                                0.84,
                                                ">=",
                                                0.8,
                                                5000L,
                                                "hold-out AUC-ROC on 5000 rows"))));
        assertThat(p.ungated()).isNull();
        // A field of a later release is ignored rather than making the record unreadable.
        String later = older.replace("\"forced\"", "\"signed_by\" : \"ci\",\n  \"forced\"");
        assertThat(Promotion.fromJson(later.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isEqualTo(p);
    }

    @Test
    void anUngatedChangeRoundTripsWithWhyItWasNotGated() {
        Promotion rollback =
                new Promotion(
                        "fraud-mlp",
                        "1",
                        Stage.CONSTRUCT,
                        Stage.LIVE,
                        "bob",
                        "2026-12-02T11:00:00Z",
                        false,
                        "incident 42",
                        List.of(),
                        Promotion.ROLLBACK + ": v1 replaces champion v3");
        assertThat(new String(rollback.toJson(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"ungated\" : \"rollback: v1 replaces champion v3\"");
        assertThat(Promotion.fromJson(rollback.toJson())).isEqualTo(rollback);
    }
}
