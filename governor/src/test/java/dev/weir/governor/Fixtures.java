package dev.weir.governor;

import dev.weir.gates.ModelEvidence;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Records on a one-minute window grid and an in-memory registry. */
final class Fixtures {

    static final String MODEL = "fraud-mlp";
    static final long MINUTE = 60_000L;
    static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

    private Fixtures() {}

    static long end(int window) {
        return T0 + (window + 1) * MINUTE;
    }

    static MonitoringRecord record(
            MonitoringKind kind,
            String subject,
            int window,
            String version,
            boolean alert,
            Map<String, Double> values) {
        return MonitoringRecord.newBuilder()
                .setKind(kind)
                .setSubject(subject)
                .setWindowStart(Instant.ofEpochMilli(T0 + window * MINUTE))
                .setWindowEnd(Instant.ofEpochMilli(end(window)))
                .setModelName(MODEL)
                .setModelVersion(version)
                .setAlert(alert)
                .setValues(new LinkedHashMap<>(values))
                .build();
    }

    static MonitoringRecord drift(int window, String version, String feature, boolean drifted) {
        return record(
                MonitoringKind.DRIFT,
                feature,
                window,
                version,
                drifted,
                Map.of("psi", drifted ? 0.4 : 0.01));
    }

    static MonitoringRecord performance(int window, String version, double auc, long matched) {
        return record(
                MonitoringKind.PERFORMANCE,
                MODEL,
                window,
                version,
                false,
                Map.of("auc", auc, "matched", (double) matched));
    }

    static MonitoringRecord agreement(int window, String champion, String challenger, long events) {
        return record(
                MonitoringKind.AGREEMENT,
                challenger,
                window,
                champion,
                false,
                Map.of(
                        "events",
                        (double) events,
                        "decision_agreement",
                        0.97,
                        "mean_abs_diff",
                        0.02));
    }

    /** Hold-out and fairness that pass the default gates. */
    static final ModelEvidence FAIR =
            new ModelEvidence(
                    0.9,
                    0.5,
                    5000,
                    List.of(
                            new ModelEvidence.FairnessGroup(
                                    "country", "US", 3000, 60, 1.0, 0.0, "US", "US"),
                            new ModelEvidence.FairnessGroup(
                                    "country", "BR", 800, 20, 0.92, -0.05, "US", "US")));

    /** Versions 1..n registered, each with {@link #FAIR} metadata unless set; aliases as given. */
    static final class MemoryRegistry implements RegistryView {
        final Map<String, Aliases> aliases = new HashMap<>();
        final Map<String, ModelEvidence> evidence = new HashMap<>();

        MemoryRegistry(String champion, String challenger, List<String> history) {
            aliases.put(MODEL, new Aliases(champion, challenger, history));
        }

        @Override
        public Aliases aliases(String model) {
            return aliases.getOrDefault(model, new Aliases(null, null, null));
        }

        @Override
        public Optional<Pointer> pointer(String model, String version) {
            return Optional.of(
                    new Pointer(
                            model, version, "/models/" + model + "/" + version, "sha-" + version));
        }

        @Override
        public Optional<ModelEvidence> evidence(String model, String version) {
            return Optional.of(evidence.getOrDefault(version, FAIR));
        }
    }
}
