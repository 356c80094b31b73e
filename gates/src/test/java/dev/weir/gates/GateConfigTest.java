package dev.weir.gates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GateConfigTest {

    @Test
    void parsesEveryGate() {
        Gates g =
                Gates.parse(
                        """
                        to_test:
                          min_auc: 0.8
                          min_pr_auc: 0.3
                          fairness: {min_disparate_impact: 0.8, max_equal_opportunity_difference: 0.1, min_group_count: 50}
                          batch_scores: {table: scores_backfill, min_rows: 1000, max_decline_rate: 0.2}
                        to_live:
                          min_auc: 0.85
                          live: {min_windows: 4, min_labels: 100, min_events: 500, min_auc: 0.75, min_auc_gain: 0.0, min_agreement: 0.9}
                        """);
        assertThat(g.toTest())
                .isEqualTo(
                        new Gates.StageGates(
                                0.8,
                                0.3,
                                new Gates.Fairness(0.8, 0.1, 50),
                                new Gates.BatchScores("scores_backfill", 1000L, 0.2),
                                null));
        assertThat(g.toLive())
                .isEqualTo(
                        new Gates.StageGates(
                                0.85,
                                null,
                                null,
                                null,
                                new Gates.Live(100, 4, 500L, 0.75, 0.0, 0.9)));
    }

    @Test
    void anEmptyDocumentHasNoGates() {
        assertThat(Gates.parse("")).isEqualTo(Gates.NONE);
        assertThat(Gates.parse("to_live: {}").toLive()).isEqualTo(Gates.StageGates.NONE);
    }

    @Test
    void unknownKeysAreErrorsAtEveryLevel() {
        assertThatThrownBy(() -> Gates.parse("to_prod: {min_auc: 0.8}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown key to_prod (known: [to_live, to_test])");
        assertThatThrownBy(
                        () ->
                                Gates.parse(
                                        "to_test:\n  min_acu: 0.8\n  fairness: {min_disparate_impakt: 0.8}"))
                .hasMessageContaining("unknown key to_test.min_acu")
                .hasMessageContaining("unknown key to_test.fairness.min_disparate_impakt");
        assertThatThrownBy(() -> Gates.parse("to_live:\n  live: {min_agreemnt: 0.9}"))
                .hasMessageContaining("unknown key to_live.live.min_agreemnt");
    }

    @Test
    void wrongTypesAndRangesAreErrorsAllReportedAtOnce() {
        assertThatThrownBy(
                        () ->
                                Gates.parse(
                                        """
                                        to_test:
                                          min_auc: high
                                          min_pr_auc: 1.5
                                          batch_scores: {min_rows: 10.5}
                                        to_live:
                                          live: {min_windows: 0}
                                        """))
                .hasMessageContaining("to_test.min_auc must be a number, got 'high'")
                .hasMessageContaining("to_test.min_pr_auc must be in [0, 1], got 1.5")
                .hasMessageContaining("to_test.batch_scores.min_rows must be a whole number")
                .hasMessageContaining("to_live.live.min_windows must be at least 1, got 0");
    }

    @Test
    void liveGatesBelongOnlyToTheStepIntoLive() {
        assertThatThrownBy(() -> Gates.parse("to_test:\n  live: {min_windows: 3}"))
                .hasMessageContaining("to_test.live is not allowed");
    }

    @Test
    void theDefaultFileParsesAndGatesBothSteps() {
        assertThat(Gates.DEFAULT.toTest().minAuc()).isEqualTo(0.8);
        assertThat(Gates.DEFAULT.toTest().fairness().minDisparateImpact()).isEqualTo(0.8);
        assertThat(Gates.DEFAULT.toLive().live())
                .isEqualTo(new Gates.Live(200, 3, null, 0.75, 0.0, null));
    }

    @Test
    void loadNamesTheFileInItsErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gates.yaml");
        Files.writeString(file, "to_live: {min_aus: 0.9}\n");
        assertThatThrownBy(() -> Gates.load(file))
                .hasMessageStartingWith(file + ": invalid gates: unknown key to_live.min_aus");
    }

    @Test
    void aBatchScoresGateIsRefusedForAReaderWithoutBatchScoresNamingTheGateAndTheFix() {
        Gates gates =
                Gates.parse(
                        """
                        to_test:
                          batch_scores: {table: scores_q4, min_rows: 10}
                        to_live:
                          min_auc: 0.8
                        """);
        // The step into live has none: accepted, and the same gates come back.
        assertThat(gates.requireNoBatchScores(Stage.LIVE, "the governor", "restart it"))
                .isSameAs(gates);
        assertThatThrownBy(
                        () ->
                                gates.requireNoBatchScores(
                                        Stage.TEST, "the retrain listener", "restart it"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "to_test.batch_scores (table scores_q4) cannot be judged by the retrain"
                                + " listener: it reads no batch scores, so the gate would refuse"
                                + " every promotion; remove to_test.batch_scores from the gates"
                                + " file and restart it");
        assertThat(Gates.DEFAULT.requireNoBatchScores(Stage.LIVE, "the governor", "-"))
                .isSameAs(Gates.DEFAULT);
    }
}
