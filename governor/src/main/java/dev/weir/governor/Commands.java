package dev.weir.governor;

import dev.weir.governor.HealthPolicyEngine.Decision;
import dev.weir.governor.HealthPolicyEngine.Refusal;
import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a decision puts on the wire: model-control commands and one audit record; a refused
 * promotion puts only a record.
 */
public final class Commands {

    private Commands() {}

    /**
     * ROLLBACK: USE_CHAMPION with the previous champion's pointer. PROMOTE: USE_CHAMPION with the
     * challenger's pointer, then CLEAR_CHALLENGER (it now is the champion). RETRAIN:
     * REQUEST_RETRAIN naming the drifting version, without a pointer.
     */
    public static List<ModelControl> commands(Decision d, Instant issuedAt) {
        String reason = "weir governor: " + d.evidence();
        return switch (d.action()) {
            case ROLLBACK -> List.of(use(d, issuedAt, reason));
            case PROMOTE ->
                    List.of(
                            use(d, issuedAt, reason),
                            ModelControl.newBuilder()
                                    .setCommand(ModelCommand.CLEAR_CHALLENGER)
                                    .setModelName(d.model())
                                    .setVersion(d.target().version())
                                    .setIssuedAt(issuedAt)
                                    .setReason(
                                            "weir governor: challenger v"
                                                    + d.target().version()
                                                    + " promoted to champion")
                                    .build());
            case RETRAIN ->
                    List.of(
                            ModelControl.newBuilder()
                                    .setCommand(ModelCommand.REQUEST_RETRAIN)
                                    .setModelName(d.model())
                                    .setVersion(d.fromVersion())
                                    .setIssuedAt(issuedAt)
                                    .setReason(reason)
                                    .build());
        };
    }

    /** A MODEL record: subject the model, the decision and its evidence in the note. */
    public static MonitoringRecord audit(Decision d, Map<String, Double> thresholds) {
        return MonitoringRecord.newBuilder()
                .setKind(MonitoringKind.MODEL)
                .setSubject(d.model())
                .setWindowStart(Instant.ofEpochMilli(d.windowStart()))
                .setWindowEnd(Instant.ofEpochMilli(d.windowEnd()))
                .setModelName(d.model())
                .setModelVersion(d.target() == null ? d.fromVersion() : d.target().version())
                .setAlert(false)
                .setValues(new java.util.LinkedHashMap<>(d.values()))
                .setThresholds(new java.util.LinkedHashMap<>(thresholds))
                .setNote("governor " + d.evidence())
                .build();
    }

    /**
     * A MODEL record with alert set (the policy wanted a promotion the gates refused, so a person
     * should look): subject the model, the refused challenger's version, the promotion's statistics
     * and the failing gates in the note.
     */
    public static MonitoringRecord refusal(Refusal r, Map<String, Double> thresholds) {
        return MonitoringRecord.newBuilder()
                .setKind(MonitoringKind.MODEL)
                .setSubject(r.model())
                .setWindowStart(Instant.ofEpochMilli(r.windowStart()))
                .setWindowEnd(Instant.ofEpochMilli(r.windowEnd()))
                .setModelName(r.model())
                .setModelVersion(r.challenger())
                .setAlert(true)
                .setValues(new java.util.LinkedHashMap<>(r.values()))
                .setThresholds(new java.util.LinkedHashMap<>(thresholds))
                .setNote("governor refused promotion: " + r.reason())
                .build();
    }

    private static ModelControl use(Decision d, Instant issuedAt, String reason) {
        return ModelControl.newBuilder()
                .setCommand(ModelCommand.USE_CHAMPION)
                .setModelName(d.model())
                .setVersion(d.target().version())
                .setLocation(d.target().location())
                .setChecksum(d.target().checksum())
                .setIssuedAt(issuedAt)
                .setReason(reason)
                .build();
    }
}
