package dev.weir.operators.scoring;

import dev.weir.schemas.ModelControl;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.time.Instant;
import java.util.Map;

/**
 * The {@link MonitoringKind#MODEL} records of model-control commands: a champion switched, a
 * challenger set, a command refused. Each record is stamped with the command's issue time and names
 * the command's model and version; a refusal is an alert.
 *
 * <p>Every subtask receives each broadcast command and applies it alike; only subtask {@value
 * #REPORTING_SUBTASK} reports it, so the job reports it once.
 */
final class ModelEvents {

    static final int REPORTING_SUBTASK = 0;

    private ModelEvents() {}

    static boolean reportedBy(int subtaskIndex) {
        return subtaskIndex == REPORTING_SUBTASK;
    }

    /**
     * @param note what happened, after the command's name in the record's note; the command's
     *     reason, if any, follows in parentheses
     */
    static MonitoringRecord of(ModelControl command, boolean refusal, String note) {
        Instant at = command.getIssuedAt();
        return MonitoringRecord.newBuilder()
                .setKind(MonitoringKind.MODEL)
                .setSubject(command.getModelName())
                .setWindowStart(at)
                .setWindowEnd(at)
                .setModelName(command.getModelName())
                .setModelVersion(command.getVersion())
                .setAlert(refusal)
                .setValues(Map.of())
                .setThresholds(Map.of())
                .setNote(
                        command.getCommand()
                                + " "
                                + note
                                + (command.getReason() == null
                                        ? ""
                                        : " (" + command.getReason() + ")"))
                .build();
    }
}
