package dev.weir.operators.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.schemas.Decision;
import dev.weir.schemas.LabelOutcome;
import dev.weir.schemas.LabelOutcomeType;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Score;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Agreement and realised performance: their statistics, and merging partials equals one aggregate.
 */
class ScoreMonitorsTest {

    private static final WindowKey WINDOW = new WindowKey(0, 60_000, "fraud", "3");

    @Test
    void agreementComparesChampionAndChallengerOnTheEventsBothScored() {
        AgreementMonitor monitor = new AgreementMonitor();
        AgreementMonitor.Agreement left = monitor.create("fraud", "3");
        AgreementMonitor.Agreement right = monitor.create("fraud", "3");
        Score withoutChallenger = score(0.2, null, null);
        assertThat(monitor.accepts(withoutChallenger)).isFalse();
        monitor.add(left, score(0.9, 0.8, Decision.DECLINE));
        monitor.add(left, score(0.1, 0.3, Decision.APPROVE));
        monitor.add(right, score(0.6, 0.2, Decision.APPROVE));
        monitor.add(right, score(0.2, 0.2, Decision.APPROVE));
        AgreementMonitor.Agreement merged = monitor.decode(left.toBytes());
        merged.merge(monitor.decode(right.toBytes()));

        MonitoringRecord r = monitor.report(WINDOW, merged).get(0);
        assertThat(r.getKind()).isEqualTo(MonitoringKind.AGREEMENT);
        assertThat(r.getSubject()).isEqualTo("4");
        assertThat(r.getValues().get("events")).isEqualTo(4.0);
        // Decisions: champion declines 0.9 and 0.6 (threshold 0.5), the challenger only the first.
        assertThat(r.getValues().get("decision_agreement")).isEqualTo(0.75);
        assertThat(r.getValues().get("mean_abs_diff"))
                .isCloseTo((0.1 + 0.2 + 0.4 + 0.0) / 4, within());
        assertThat(r.getValues().get("max_abs_diff")).isCloseTo(0.4, within());
        assertThat(r.getValues().get("correlation")).isBetween(0.0, 1.0);
    }

    @Test
    void performanceCountsTheConfusionAndEstimatesTheAuc() {
        PerformanceMonitor monitor = new PerformanceMonitor(0.8, 4);
        PerformanceMonitor.Confusion c = monitor.create("fraud", "3");
        monitor.add(c, outcome(0.95, true, true));
        monitor.add(c, outcome(0.40, true, false));
        monitor.add(c, outcome(0.70, false, true));
        monitor.add(c, outcome(0.05, false, false));
        monitor.add(c, outcome(0.10, false, false));
        LabelOutcome expired = outcome(0.3, false, false);
        expired.setOutcome(LabelOutcomeType.EXPIRED_SCORE);
        monitor.add(c, expired);

        MonitoringRecord r = monitor.report(WINDOW, monitor.decode(c.toBytes())).get(0);
        assertThat(r.getKind()).isEqualTo(MonitoringKind.PERFORMANCE);
        assertThat(r.getValues())
                .containsEntry("matched", 5.0)
                .containsEntry("tp", 1.0)
                .containsEntry("fn", 1.0)
                .containsEntry("fp", 1.0)
                .containsEntry("tn", 2.0)
                .containsEntry("expired_scores", 1.0)
                .containsEntry("precision", 0.5)
                .containsEntry("recall", 0.5);
        // Fraud scores 0.95 and 0.40 against legitimate 0.70, 0.05, 0.10: 5 of 6 pairs ordered
        // right.
        assertThat(r.getValues().get("auc")).isCloseTo(5.0 / 6, within());
        assertThat(r.getAlert()).as("auc below 0.8 with enough labels").isFalse();

        PerformanceMonitor strict = new PerformanceMonitor(0.9, 4);
        assertThat(strict.report(WINDOW, c).get(0).getAlert()).isTrue();

        PerformanceMonitor.Confusion unmatched = monitor.create(null, null);
        LabelOutcome ghost = outcome(0, true, false);
        ghost.setOutcome(LabelOutcomeType.UNMATCHED_LABEL);
        monitor.add(unmatched, ghost);
        List<MonitoringRecord> labels =
                monitor.report(new WindowKey(0, 60_000, null, null), unmatched);
        assertThat(labels)
                .singleElement()
                .satisfies(
                        l -> {
                            assertThat(l.getKind()).isEqualTo(MonitoringKind.LABELS);
                            assertThat(l.getValues()).containsEntry("unmatched_labels", 1.0);
                        });
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-9);
    }

    private static Score score(double champion, Double challenger, Decision challengerDecision) {
        return Score.newBuilder()
                .setTransactionId("t")
                .setAccountId("a")
                .setMerchantId("m")
                .setScore(champion)
                .setDecision(champion >= 0.5 ? Decision.DECLINE : Decision.APPROVE)
                .setModelName("fraud")
                .setModelVersion("3")
                .setFeatures(List.of())
                .setEventTime(Instant.ofEpochMilli(1_000))
                .setScoringTime(Instant.ofEpochMilli(1_000))
                .setChallengerVersion(challenger == null ? null : "4")
                .setChallengerScore(challenger)
                .setChallengerDecision(challengerDecision)
                .build();
    }

    private static LabelOutcome outcome(double score, boolean fraud, boolean declined) {
        return LabelOutcome.newBuilder()
                .setOutcome(LabelOutcomeType.MATCHED)
                .setTransactionId("t")
                .setModelName("fraud")
                .setModelVersion("3")
                .setScore(score)
                .setDeclined(declined)
                .setIsFraud(fraud)
                .setEventTime(1_000)
                .setOutcomeTime(2_000)
                .build();
    }
}
