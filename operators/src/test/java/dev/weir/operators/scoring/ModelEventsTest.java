package dev.weir.operators.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ModelEventsTest {

    private static final Instant ISSUED = Instant.parse("2025-03-01T10:15:30.250Z");

    @Test
    void aRefusalIsAnAlertAtTheCommandsIssueTime() {
        MonitoringRecord record =
                ModelEvents.of(
                        command(ModelCommand.USE_CHAMPION, "promoted"),
                        true,
                        "refused: model fraud v3 fails its checksum; fraud:2 keeps serving");
        assertThat(record.getKind()).isEqualTo(MonitoringKind.MODEL);
        assertThat(record.getSubject()).isEqualTo("fraud");
        assertThat(record.getModelName()).isEqualTo("fraud");
        assertThat(record.getModelVersion()).isEqualTo("3");
        assertThat(record.getWindowStart()).isEqualTo(ISSUED);
        assertThat(record.getWindowEnd()).isEqualTo(ISSUED);
        assertThat(record.getAlert()).isTrue();
        assertThat(record.getValues()).isEmpty();
        assertThat(record.getThresholds()).isEmpty();
        assertThat(record.getNote())
                .isEqualTo(
                        "USE_CHAMPION refused: model fraud v3 fails its checksum; fraud:2 keeps serving (promoted)");
    }

    @Test
    void aChangeIsNoAlertAndACommandWithoutReasonAddsNone() {
        MonitoringRecord record =
                ModelEvents.of(
                        command(ModelCommand.SET_CHALLENGER, null),
                        false,
                        "challenger set beside champion fraud:2");
        assertThat(record.getAlert()).isFalse();
        assertThat(record.getNote())
                .isEqualTo("SET_CHALLENGER challenger set beside champion fraud:2");
    }

    @Test
    void onlyTheFirstSubtaskReports() {
        assertThat(ModelEvents.reportedBy(0)).isTrue();
        assertThat(ModelEvents.reportedBy(1)).isFalse();
        assertThat(ModelEvents.reportedBy(7)).isFalse();
    }

    private static ModelControl command(ModelCommand type, String reason) {
        return ModelControl.newBuilder()
                .setCommand(type)
                .setModelName("fraud")
                .setVersion("3")
                .setLocation("/registry/fraud/3")
                .setChecksum("3b".repeat(32))
                .setIssuedAt(ISSUED)
                .setReason(reason)
                .build();
    }
}
