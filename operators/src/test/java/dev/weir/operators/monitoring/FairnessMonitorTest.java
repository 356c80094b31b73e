package dev.weir.operators.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.models.fairness.FairnessSettings;
import dev.weir.operators.StateBackends;
import dev.weir.schemas.LabelOutcome;
import dev.weir.schemas.LabelOutcomeType;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringPartial;
import dev.weir.schemas.MonitoringRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * FAIRNESS records from a small labelled window, through both monitoring stages (two subtasks'
 * partials merged), against figures computed by hand.
 */
class FairnessMonitorTest {

    private static final long WINDOW = 60_000;

    /** At least 3 rows (or frauds) to be compared, the 3 most frequent countries by name. */
    private static final FairnessSettings SETTINGS =
            new FairnessSettings(List.of("country"), 3, 3, 0.8);

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void aLabelledWindowGivesOneRecordPerValueWithTheHandComputedFigures(StateBackends backend)
            throws Exception {
        // country, fraud, declined; version 3 unless said.
        List<LabelOutcome> first = new ArrayList<>();
        List<LabelOutcome> second = new ArrayList<>();
        // DE: 5 rows, 3 frauds of which 2 declined, 2 legitimate approved: approval 0.6.
        first.add(outcome("DE", true, true));
        first.add(outcome("DE", true, true));
        second.add(outcome("DE", true, false));
        second.add(outcome("DE", false, false));
        first.add(outcome("DE", false, false));
        // FR: 4 rows, 3 frauds all declined, 1 legitimate approved: approval 0.25.
        first.add(outcome("FR", true, true));
        second.add(outcome("FR", true, true));
        second.add(outcome("FR", true, true));
        second.add(outcome("FR", false, false));
        // IT: 3 legitimate rows approved: approval 1, the reference.
        first.add(outcome("IT", false, false));
        first.add(outcome("IT", false, false));
        second.add(outcome("IT", false, false));
        // ES and PT, beyond the 3 most frequent: (other), 2 rows, too few to compare.
        first.add(outcome("ES", false, true));
        second.add(outcome("PT", true, true));
        // Not counted: a score whose label never came, a label without a score.
        LabelOutcome expired = outcome("DE", true, true);
        expired.setOutcome(LabelOutcomeType.EXPIRED_SCORE);
        first.add(expired);
        LabelOutcome unmatched = outcome("DE", true, false);
        unmatched.setOutcome(LabelOutcomeType.UNMATCHED_LABEL);
        unmatched.setModelName(null);
        unmatched.setModelVersion(null);
        second.add(unmatched);
        // The challenger's verdict on a payment whose score carried no country.
        LabelOutcome challenger = outcome("DE", false, true);
        challenger.setModelVersion("4");
        challenger.setSegments(Map.of());
        second.add(challenger);

        List<MonitoringPartial> partials = new ArrayList<>();
        for (List<LabelOutcome> subtask : List.of(first, second)) {
            try (var h =
                    new OneInputStreamOperatorTestHarness<>(
                            new PartialWindowOperator<>(
                                    new FairnessMonitor(SETTINGS), WINDOW, 0))) {
                h.open();
                for (LabelOutcome o : subtask) {
                    h.processElement(o, o.getOutcomeTime());
                }
                h.processWatermark(Long.MAX_VALUE);
                partials.addAll(h.extractOutputValues());
            }
        }

        List<MonitoringRecord> records;
        try (var h =
                backend.keyed(
                        new KeyedProcessOperator<>(
                                new WindowReporter<>(new FairnessMonitor(SETTINGS), 0)),
                        new WindowReporter.PartialKey(),
                        Types.STRING)) {
            h.open();
            for (MonitoringPartial p : partials) {
                h.processElement(p, WINDOW - 1);
            }
            h.processWatermark(WINDOW - 1);
            records = h.extractOutputValues();
            assertThat(StateBackends.keyedStateEntries(h)).isZero();
        }
        assertThat(records).allMatch(r -> r.getKind() == MonitoringKind.FAIRNESS);
        Map<String, MonitoringRecord> v3 = new LinkedHashMap<>();
        records.stream()
                .filter(r -> r.getModelVersion().equals("3"))
                .forEach(r -> v3.put(r.getSubject(), r));
        assertThat(v3.keySet())
                .containsExactly("country=DE", "country=FR", "country=IT", "country=(other)");

        MonitoringRecord de = v3.get("country=DE");
        assertThat(de.getValues())
                .containsEntry("rows", 5.0)
                .containsEntry("positives", 3.0)
                .containsEntry("declines", 2.0)
                .containsEntry("declined_positives", 2.0)
                .containsEntry("decline_rate", 0.4)
                .containsEntry("tpr", 2.0 / 3)
                .containsEntry("fpr", 0.0)
                .containsEntry("disparate_impact", 0.6)
                .containsEntry("equal_opportunity_difference", 0.0);
        assertThat(de.getAlert()).isTrue();
        assertThat(de.getNote())
                .isEqualTo("disparate impact 0.600 < 0.800; references: approval IT, tpr DE");
        assertThat(de.getThresholds())
                .containsEntry("min_count", 3.0)
                .containsEntry("min_disparate_impact", 0.8);
        assertThat(de.getWindowStart().toEpochMilli()).isZero();
        assertThat(de.getWindowEnd().toEpochMilli()).isEqualTo(WINDOW);

        MonitoringRecord fr = v3.get("country=FR");
        assertThat(fr.getValues())
                .containsEntry("rows", 4.0)
                .containsEntry("positives", 3.0)
                .containsEntry("declines", 3.0)
                .containsEntry("decline_rate", 0.75)
                .containsEntry("tpr", 1.0)
                .containsEntry("fpr", 0.0)
                .containsEntry("disparate_impact", 0.25);
        assertThat(fr.getValues().get("equal_opportunity_difference"))
                .isCloseTo(1.0 / 3, Offset.offset(1e-12));
        assertThat(fr.getAlert()).isTrue();

        MonitoringRecord it = v3.get("country=IT");
        assertThat(it.getValues())
                .containsEntry("rows", 3.0)
                .containsEntry("positives", 0.0)
                .containsEntry("decline_rate", 0.0)
                .containsEntry("tpr", Double.NaN)
                .containsEntry("disparate_impact", 1.0)
                .containsEntry("equal_opportunity_difference", Double.NaN);
        assertThat(it.getAlert()).isFalse();
        assertThat(it.getNote()).isEqualTo("references: approval IT, tpr DE");

        MonitoringRecord other = v3.get("country=(other)");
        assertThat(other.getValues())
                .containsEntry("rows", 2.0)
                .containsEntry("positives", 1.0)
                .containsEntry("declines", 2.0)
                .containsEntry("decline_rate", 1.0)
                .containsEntry("tpr", 1.0)
                .containsEntry("fpr", 1.0)
                .containsEntry("disparate_impact", Double.NaN);
        assertThat(other.getAlert()).isFalse();

        assertThat(records)
                .filteredOn(r -> r.getModelVersion().equals("4"))
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.getSubject()).isEqualTo("country=null");
                            assertThat(r.getValues()).containsEntry("rows", 1.0);
                            assertThat(r.getNote())
                                    .isEqualTo("references: approval none, tpr none");
                        });
    }

    private static LabelOutcome outcome(String country, boolean fraud, boolean declined) {
        return LabelOutcome.newBuilder()
                .setOutcome(LabelOutcomeType.MATCHED)
                .setTransactionId("t")
                .setModelName("fraud")
                .setModelVersion("3")
                .setScore(declined ? 0.9 : 0.1)
                .setDeclined(declined)
                .setIsFraud(fraud)
                .setEventTime(1_000)
                .setOutcomeTime(2_000)
                .setSegments(Map.of("country", country))
                .build();
    }
}
