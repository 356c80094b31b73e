package dev.weir.operators.monitoring;

import dev.weir.models.ReferenceProfile;
import dev.weir.models.drift.DriftResult;
import dev.weir.models.drift.DriftStatistics;
import dev.weir.models.drift.DriftThresholds;
import dev.weir.models.drift.LiveCategories;
import dev.weir.models.drift.LiveDistribution;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Score;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.metrics.MetricGroup;

/**
 * Drift of every model feature, the score and the configured categorical inputs against the scoring
 * model version's reference profile, per window: PSI on the reference's fixed bins,
 * Kolmogorov-Smirnov distance between KLL sketches, Jensen-Shannon distance, chi-square and
 * Cramér's V for categorical values, null rate and volume (the window's event count). Memory per
 * open window is fixed: bin counts and one KLL sketch per feature, counts per known category.
 *
 * <p>The latest PSI and drift flag of each subject are Flink gauges ({@code
 * weir.drift.feature.<name>.psi|drifted}).
 */
public final class DriftMonitor extends ScoreMonitor<DriftMonitor.DriftWindow> {

    private static final long serialVersionUID = 1L;
    private static final byte FORMAT = 1;
    public static final String SCORE = "score";

    private final ProfileLoader profiles;
    private final List<String> categoricalInputs;
    private final DriftThresholds thresholds;

    private transient MetricGroup metrics;
    private transient Map<String, double[]> latest;

    /** Per profile, built on first use (also without {@link #open}, as the benchmark uses it). */
    private transient Map<ReferenceProfile, DriftWindow> firstWindows;

    /**
     * @param categoricalInputs fields of each score's monitored_inputs compared by category shares
     */
    public DriftMonitor(
            ProfileLoader profiles, List<String> categoricalInputs, DriftThresholds thresholds) {
        this.profiles = profiles;
        this.categoricalInputs = List.copyOf(categoricalInputs);
        this.thresholds = thresholds;
    }

    @Override
    public MonitoringKind kind() {
        return MonitoringKind.DRIFT;
    }

    @Override
    public void open(MetricGroup metrics) {
        this.metrics = metrics.addGroup("weir").addGroup("drift");
        this.latest = new HashMap<>();
    }

    @Override
    public DriftWindow create(String modelName, String modelVersion) {
        Optional<ReferenceProfile> profile = profiles.profile(modelName, modelVersion);
        DriftWindow window = new DriftWindow();
        if (profile.isEmpty()) {
            return window;
        }
        // Each feature's KS grid comes from quantiles of the reference's sketch: computed once per
        // profile (the loader keeps one object per version), not for every window of every key.
        if (firstWindows == null) {
            firstWindows = new IdentityHashMap<>();
        }
        DriftWindow first = firstWindows.computeIfAbsent(profile.get(), this::firstWindow);
        for (LiveDistribution feature : first.features) {
            window.features.add(feature.emptyLike());
        }
        window.score = first.score == null ? null : first.score.emptyLike();
        for (String input : categoricalInputs) {
            profile.get()
                    .categorical(input)
                    .ifPresent(c -> window.inputs.add(new LiveCategories(c)));
        }
        return window;
    }

    /** Empty accumulators built from the reference itself, for {@link #create} to copy. */
    private DriftWindow firstWindow(ReferenceProfile profile) {
        DriftWindow window = new DriftWindow();
        for (ReferenceProfile.Distribution feature : profile.features()) {
            window.features.add(new LiveDistribution(feature));
        }
        window.score = profile.score() == null ? null : new LiveDistribution(profile.score());
        return window;
    }

    @Override
    public void add(DriftWindow window, Score score) {
        window.events++;
        List<Double> values = score.getFeatures();
        if (values.size() == window.features.size()) {
            for (int i = 0; i < values.size(); i++) {
                window.features.get(i).add(values.get(i));
            }
        }
        if (window.score != null) {
            window.score.add(score.getScore());
        }
        for (LiveCategories input : window.inputs) {
            input.add(score.getMonitoredInputs().get(input.name()));
        }
    }

    @Override
    public DriftWindow decode(byte[] bytes) {
        return DriftWindow.fromBytes(bytes);
    }

    @Override
    public List<MonitoringRecord> report(WindowKey key, DriftWindow window) {
        Optional<ReferenceProfile> profile = profiles.profile(key.modelName(), key.modelVersion());
        List<MonitoringRecord> out = new ArrayList<>();
        if (profile.isEmpty()) {
            out.add(
                    Records.record(
                            MonitoringKind.DRIFT,
                            "volume",
                            key,
                            false,
                            Map.of("live_count", (double) window.events),
                            Map.of(),
                            "model version has no reference profile: volume only"));
            return out;
        }
        ReferenceProfile reference = profile.get();
        for (int i = 0; i < window.features.size(); i++) {
            out.add(
                    record(
                            key,
                            DriftStatistics.compare(
                                    reference.features().get(i),
                                    reference.rows(),
                                    window.features.get(i),
                                    thresholds)));
        }
        if (window.score != null) {
            out.add(
                    record(
                            key,
                            DriftStatistics.compare(
                                    reference.score(),
                                    reference.rows(),
                                    window.score,
                                    thresholds)));
        }
        for (LiveCategories input : window.inputs) {
            out.add(
                    record(
                            key,
                            DriftStatistics.compare(
                                    reference.categorical(input.name()).orElseThrow(),
                                    reference.rows(),
                                    input,
                                    thresholds)));
        }
        return out;
    }

    private MonitoringRecord record(WindowKey key, DriftResult r) {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("live_count", (double) r.liveCount());
        values.put("reference_count", (double) r.referenceCount());
        values.put("null_rate", r.nullRate());
        values.put("psi", r.psi());
        values.put("ks", r.ks());
        values.put("js", r.js());
        values.put("chi_square", r.chiSquare());
        values.put("chi_square_dof", (double) r.chiSquareDof());
        values.put("chi_square_p", r.chiSquareP());
        values.put("cramers_v", r.cramersV());
        values.put("categorical", r.categorical() ? 1.0 : 0.0);
        Map<String, Double> limits = new LinkedHashMap<>();
        limits.put("psi_warn", thresholds.psiWarn());
        limits.put("psi_alert", thresholds.psiAlert());
        limits.put("ks_alert", thresholds.ksAlert());
        limits.put("js_alert", thresholds.jsAlert());
        limits.put("significance", thresholds.significance());
        limits.put("min_cramers_v", thresholds.minCramersV());
        limits.put("min_samples", (double) thresholds.minSamples());
        limits.put("null_rate_alert", thresholds.nullRateAlert());
        gauge(r.name(), r.psi(), r.drifted());
        String note =
                r.reasons().isEmpty()
                        ? null
                        : (r.warning() ? "warning: " : "") + String.join("; ", r.reasons());
        return Records.record(
                MonitoringKind.DRIFT, r.name(), key, r.drifted(), values, limits, note);
    }

    /** The latest PSI and flag of a subject as gauges, registered the first time it is reported. */
    private void gauge(String subject, double psi, boolean drifted) {
        if (metrics == null) {
            return;
        }
        double[] cell = latest.get(subject);
        if (cell == null) {
            double[] fresh = new double[2];
            latest.put(subject, fresh);
            MetricGroup group = metrics.addGroup("feature", subject);
            group.gauge("psi", () -> fresh[0]);
            group.gauge("drifted", () -> fresh[1]);
            cell = fresh;
        }
        cell[0] = psi;
        cell[1] = drifted ? 1 : 0;
    }

    /** One window's live distributions, in the profile's feature order; empty without a profile. */
    public static final class DriftWindow implements WindowAggregate<DriftWindow> {
        long events;
        final List<LiveDistribution> features = new ArrayList<>();
        LiveDistribution score;
        final List<LiveCategories> inputs = new ArrayList<>();

        @Override
        public void merge(DriftWindow other) {
            events += other.events;
            if (features.isEmpty()) {
                features.addAll(other.features);
            } else if (other.features.size() == features.size()) {
                for (int i = 0; i < features.size(); i++) {
                    features.get(i).merge(other.features.get(i));
                }
            }
            if (score == null) {
                score = other.score;
            } else if (other.score != null) {
                score.merge(other.score);
            }
            if (inputs.isEmpty()) {
                inputs.addAll(other.inputs);
            } else if (other.inputs.size() == inputs.size()) {
                for (int i = 0; i < inputs.size(); i++) {
                    inputs.get(i).merge(other.inputs.get(i));
                }
            }
        }

        @Override
        public byte[] toBytes() {
            return AggregateBytes.write(
                    FORMAT,
                    out -> {
                        out.writeLong(events);
                        out.writeInt(features.size());
                        for (LiveDistribution f : features) {
                            write(out, f.toBytes());
                        }
                        out.writeBoolean(score != null);
                        if (score != null) {
                            write(out, score.toBytes());
                        }
                        out.writeInt(inputs.size());
                        for (LiveCategories c : inputs) {
                            write(out, c.toBytes());
                        }
                    });
        }

        static DriftWindow fromBytes(byte[] bytes) {
            return AggregateBytes.read(
                    bytes,
                    FORMAT,
                    "drift window",
                    in -> {
                        DriftWindow w = new DriftWindow();
                        w.events = in.readLong();
                        int features = in.readInt();
                        for (int i = 0; i < features; i++) {
                            w.features.add(LiveDistribution.fromBytes(read(in)));
                        }
                        if (in.readBoolean()) {
                            w.score = LiveDistribution.fromBytes(read(in));
                        }
                        int inputs = in.readInt();
                        for (int i = 0; i < inputs; i++) {
                            w.inputs.add(LiveCategories.fromBytes(read(in)));
                        }
                        return w;
                    });
        }

        private static void write(DataOutputStream out, byte[] bytes) throws IOException {
            out.writeInt(bytes.length);
            out.write(bytes);
        }

        private static byte[] read(DataInputStream in) throws IOException {
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            return bytes;
        }
    }
}
