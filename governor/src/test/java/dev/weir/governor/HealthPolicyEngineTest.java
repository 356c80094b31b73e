package dev.weir.governor;

import static dev.weir.governor.Fixtures.MODEL;
import static dev.weir.governor.Fixtures.agreement;
import static dev.weir.governor.Fixtures.drift;
import static dev.weir.governor.Fixtures.end;
import static dev.weir.governor.Fixtures.performance;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.governor.HealthPolicyEngine.Action;
import dev.weir.governor.HealthPolicyEngine.Decision;
import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HealthPolicyEngineTest {

    private final Fixtures.MemoryRegistry registry =
            new Fixtures.MemoryRegistry("2", null, List.of("1"));
    private final HealthPolicyEngine engine =
            new HealthPolicyEngine(Policy.DEFAULT, dev.weir.gates.Gates.DEFAULT, registry);
    private final HealthState state = new HealthState();

    /** Refused promotions reported while feeding. */
    private final List<HealthPolicyEngine.Refusal> refusals = new ArrayList<>();

    private List<Decision> feed(MonitoringRecord... records) {
        List<Decision> out = new ArrayList<>();
        for (MonitoringRecord r : records) {
            HealthPolicyEngine.Outcome outcome = engine.observe(state, r);
            outcome.decision().ifPresent(out::add);
            outcome.refusal().ifPresent(refusals::add);
        }
        return out;
    }

    /** A champion-reporting drift record so the engine knows v2 is champion. */
    private List<Decision> window(int w, double auc, long matched) {
        return feed(drift(w, "2", "account.amount_mean", false), performance(w, "2", auc, matched));
    }

    @Test
    void rollsBackAfterExactlyThreeBadWindowsAndNotBefore() {
        assertThat(window(0, 0.90, 500)).isEmpty();
        assertThat(window(1, 0.70, 500)).isEmpty();
        assertThat(window(2, 0.70, 500)).isEmpty();
        List<Decision> d = window(3, 0.60, 500);
        assertThat(d).hasSize(1);
        Decision rollback = d.get(0);
        assertThat(rollback.action()).isEqualTo(Action.ROLLBACK);
        assertThat(rollback.fromVersion()).isEqualTo("2");
        assertThat(rollback.target())
                .isEqualTo(new RegistryView.Pointer(MODEL, "1", "/models/fraud-mlp/1", "sha-1"));
        assertThat(rollback.windowEnd()).isEqualTo(end(3));
        assertThat(rollback.values())
                .containsEntry("windows", 3.0)
                .containsEntry("matched", 1500.0)
                .containsEntry("last_auc", 0.60);
        assertThat(rollback.evidence())
                .contains(
                        "rollback.min_auc=0.7500",
                        "auc=0.7000",
                        "auc=0.6000",
                        "matched=500",
                        "v1 is the previous champion");
        assertThat(state.retired).containsExactly("2");
    }

    @Test
    void thinEvidenceNeverRollsBack() {
        window(0, 0.60, 500);
        window(1, 0.60, 199);
        assertThat(window(2, 0.60, 500)).isEmpty();
        assertThat(window(3, 0.60, 500)).isEmpty();
        // the thin window has left the last three
        assertThat(window(4, 0.60, 500))
                .extracting(Decision::action)
                .containsExactly(Action.ROLLBACK);
    }

    @Test
    void aucMissingIsThin() {
        window(0, 0.60, 500);
        window(1, Double.NaN, 500);
        assertThat(window(2, 0.60, 500)).isEmpty();
    }

    @Test
    void noRollbackWithoutAPreviousChampion() {
        registry.aliases.put(MODEL, new RegistryView.Aliases("2", null, List.of()));
        for (int w = 0; w < 6; w++) {
            assertThat(window(w, 0.5, 500)).isEmpty();
        }
    }

    @Test
    void rollbackSkipsVersionsRolledBackFrom() {
        registry.aliases.put(MODEL, new RegistryView.Aliases("2", null, List.of("1", "3", "2")));
        state.retired.add("3");
        window(0, 0.5, 500);
        window(1, 0.5, 500);
        assertThat(window(2, 0.5, 500))
                .singleElement()
                .satisfies(d -> assertThat(d.target().version()).isEqualTo("1"));
    }

    @Test
    void retrainsWhenFiveOfTheLastSixWindowsDrift() {
        boolean[] drifted = {true, false, true, true, true};
        for (int w = 0; w < drifted.length; w++) {
            assertThat(
                            feed(
                                    drift(w, "2", "account.amount_mean", drifted[w]),
                                    drift(w, "2", "score", true)))
                    .isEmpty();
        }
        List<Decision> d =
                feed(
                        drift(5, "2", "merchant.txn_count", false),
                        drift(5, "2", "account.amount_mean", true));
        assertThat(d)
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.action()).isEqualTo(Action.RETRAIN);
                            assertThat(r.target()).isNull();
                            assertThat(r.values())
                                    .containsEntry("drifted_windows", 5.0)
                                    .containsEntry("windows", 6.0)
                                    .containsEntry("drifted_windows.account.amount_mean", 5.0)
                                    .doesNotContainKey("drifted_windows.score");
                        });
    }

    @Test
    void fourOfSixDriftedWindowsIsNotEnough() {
        boolean[] drifted = {true, false, true, false, true, true};
        for (int w = 0; w < drifted.length; w++) {
            assertThat(feed(drift(w, "2", "f", drifted[w]))).isEmpty();
        }
    }

    @Test
    void onlyTheLastSixWindowsCount() {
        boolean[] drifted = {true, true, true, false, false, true, true, true};
        List<Decision> all = new ArrayList<>();
        for (int w = 0; w < drifted.length; w++) {
            all.addAll(feed(drift(w, "2", "f", drifted[w])));
        }
        // window 7: windows 2..7 hold 4 drifted ones, the three early ones no longer all count
        assertThat(all).isEmpty();
        assertThat(feed(drift(8, "2", "f", true))).isEmpty();
        assertThat(feed(drift(9, "2", "f", true)))
                .extracting(Decision::action)
                .containsExactly(Action.RETRAIN);
    }

    private List<Decision> promotionWindow(
            int w, double championAuc, double challengerAuc, long events, long labels) {
        return feed(
                agreement(w, "2", "3", events),
                performance(w, "2", championAuc, labels),
                performance(w, "3", challengerAuc, labels));
    }

    @Test
    void promotesABetterChallengerWithEnoughEvidence() {
        assertThat(promotionWindow(0, 0.80, 0.86, 700, 300)).isEmpty();
        assertThat(promotionWindow(1, 0.80, 0.86, 700, 300)).isEmpty();
        List<Decision> d = promotionWindow(2, 0.80, 0.86, 700, 300);
        assertThat(d)
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.action()).isEqualTo(Action.PROMOTE);
                            assertThat(p.fromVersion()).isEqualTo("2");
                            assertThat(p.target().version()).isEqualTo("3");
                            assertThat(p.values().get("auc_gain"))
                                    .isCloseTo(0.06, org.assertj.core.data.Offset.offset(1e-9));
                            assertThat(p.values())
                                    .containsEntry("paired_windows", 3.0)
                                    .containsEntry("agreement_events", 2100.0);
                        });
        // Passing gates: nothing refused on the way.
        assertThat(refusals).isEmpty();
        assertThat(state.lastRefusal).isNull();
    }

    @Test
    void neverPromotesOnAgreementAlone() {
        for (int w = 0; w < 10; w++) {
            assertThat(feed(agreement(w, "2", "3", 5000), performance(w, "2", 0.80, 300)))
                    .isEmpty();
        }
    }

    @Test
    void noPromotionWithTooFewEventsOrAWorseChallenger() {
        for (int w = 0; w < 5; w++) {
            assertThat(promotionWindow(w, 0.80, 0.86, 300, 300)).isEmpty(); // 1500 events
        }
        HealthState other = new HealthState();
        for (int w = 0; w < 5; w++) {
            engine.observe(other, agreement(w, "2", "3", 1000));
            engine.observe(other, performance(w, "2", 0.85, 300));
            // gain below 0.01: the policy calls for nothing, so the gates refuse nothing either
            assertThat(engine.observe(other, performance(w, "3", 0.855, 300)))
                    .isEqualTo(HealthPolicyEngine.Outcome.NONE);
        }
    }

    @Test
    void promotionNeedsLabelledPairedWindows() {
        for (int w = 0; w < 5; w++) {
            assertThat(promotionWindow(w, 0.80, 0.90, 1000, w < 3 ? 100 : 300)).isEmpty();
        }
        assertThat(promotionWindow(5, 0.80, 0.90, 1000, 300))
                .extracting(Decision::action)
                .containsExactly(Action.PROMOTE);
    }

    @Test
    void cooldownSuppressesActionsForTenWindowsThenEnds() {
        window(0, 0.5, 500);
        window(1, 0.5, 500);
        assertThat(window(2, 0.5, 500)).hasSize(1);
        registry.aliases.put(MODEL, new RegistryView.Aliases("2", null, List.of("1", "4")));
        // the pipeline keeps reporting v2 as bad: windows 3..12 are the cool-down
        for (int w = 3; w <= 12; w++) {
            assertThat(window(w, 0.5, 500)).as("window %d", w).isEmpty();
        }
        assertThat(window(13, 0.5, 500))
                .singleElement()
                .satisfies(d -> assertThat(d.target().version()).isEqualTo("4"));
    }

    @Test
    void cooldownCountsWindowsNotRecords() {
        window(0, 0.5, 500);
        window(1, 0.5, 500);
        window(2, 0.5, 500);
        for (int i = 0; i < 50; i++) {
            feed(drift(2, "2", "f" + i, true));
        }
        assertThat(state.windowsSinceAction).isZero();
        assertThat(state.inCooldown(10)).isTrue();
    }

    @Test
    void followsTheChampionThePipelineReports() {
        window(0, 0.5, 500);
        window(1, 0.5, 500);
        // v1 takes over from window 2: v2's bad windows are no longer the champion's
        assertThat(feed(drift(2, "1", "f", false), performance(2, "1", 0.9, 500))).isEmpty();
        assertThat(state.champion).isEqualTo("1");
    }

    @Test
    void commandsCarryThePointerAndTheReason() {
        window(0, 0.5, 500);
        window(1, 0.5, 500);
        Decision d = window(2, 0.5, 500).get(0);
        Instant at = Instant.parse("2026-01-01T01:00:00Z");
        List<ModelControl> commands = Commands.commands(d, at);
        assertThat(commands)
                .singleElement()
                .satisfies(
                        c -> {
                            assertThat(c.getCommand()).isEqualTo(ModelCommand.USE_CHAMPION);
                            assertThat(c.getModelName()).isEqualTo(MODEL);
                            assertThat(c.getVersion()).isEqualTo("1");
                            assertThat(c.getLocation()).isEqualTo("/models/fraud-mlp/1");
                            assertThat(c.getChecksum()).isEqualTo("sha-1");
                            assertThat(c.getIssuedAt()).isEqualTo(at);
                            assertThat(c.getReason()).isEqualTo("weir governor: " + d.evidence());
                        });
        MonitoringRecord audit = Commands.audit(d, Policy.DEFAULT.thresholds());
        assertThat(audit.getKind()).isEqualTo(MonitoringKind.MODEL);
        assertThat(audit.getSubject()).isEqualTo(MODEL);
        assertThat(audit.getModelVersion()).isEqualTo("1");
        assertThat(audit.getWindowEnd()).isEqualTo(Instant.ofEpochMilli(end(2)));
        assertThat(audit.getNote()).startsWith("governor ROLLBACK fraud-mlp from v2 to v1");
        assertThat(audit.getThresholds())
                .containsEntry("rollback.min_auc", 0.75)
                .containsEntry("cooldown_windows", 10.0);
        assertThat(audit.getValues()).containsEntry("matched", 1500.0);
    }

    @Test
    void promotionAlsoClearsTheChallengerAndRetrainHasNoPointer() {
        promotionWindow(0, 0.80, 0.86, 700, 300);
        promotionWindow(1, 0.80, 0.86, 700, 300);
        Decision p = promotionWindow(2, 0.80, 0.86, 700, 300).get(0);
        Instant at = Instant.EPOCH;
        assertThat(Commands.audit(p, Policy.DEFAULT.thresholds()).getAlert()).isFalse();
        assertThat(Commands.commands(p, at))
                .extracting(ModelControl::getCommand, ModelControl::getVersion)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(ModelCommand.USE_CHAMPION, "3"),
                        org.assertj.core.groups.Tuple.tuple(ModelCommand.CLEAR_CHALLENGER, "3"));
        Decision r =
                new Decision(
                        Action.RETRAIN, MODEL, "2", null, 0, 1, "RETRAIN x", java.util.Map.of());
        assertThat(Commands.commands(r, at))
                .singleElement()
                .satisfies(
                        c -> {
                            assertThat(c.getCommand()).isEqualTo(ModelCommand.REQUEST_RETRAIN);
                            assertThat(c.getVersion()).isEqualTo("2");
                            assertThat(c.getLocation()).isNull();
                            assertThat(c.getChecksum()).isNull();
                        });
    }

    @Test
    void stateStaysBounded() {
        for (int w = 0; w < 200; w++) {
            feed(drift(w, String.valueOf(10 + w % 7), "f", false), performance(w, "2", 0.9, 10));
        }
        assertThat(state.versions.size()).isLessThanOrEqualTo(HealthState.MAX_VERSIONS);
        state.versions
                .values()
                .forEach(
                        v ->
                                assertThat(v.drift.size())
                                        .isLessThanOrEqualTo(HealthState.MAX_WINDOWS));
        assertThat(Optional.ofNullable(state.champion)).isPresent();
    }
}
