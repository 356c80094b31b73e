package dev.weir.operators.monitoring;

import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.time.Instant;
import java.util.Map;

/** Building monitoring records. */
final class Records {

    private Records() {}

    static MonitoringRecord record(
            MonitoringKind kind,
            String subject,
            WindowKey window,
            boolean alert,
            Map<String, Double> values,
            Map<String, Double> thresholds,
            String note) {
        return MonitoringRecord.newBuilder()
                .setKind(kind)
                .setSubject(subject)
                .setWindowStart(Instant.ofEpochMilli(window.start()))
                .setWindowEnd(Instant.ofEpochMilli(window.end()))
                .setModelName(window.modelName())
                .setModelVersion(window.modelVersion())
                .setAlert(alert)
                .setValues(values)
                .setThresholds(thresholds)
                .setNote(note)
                .build();
    }
}
