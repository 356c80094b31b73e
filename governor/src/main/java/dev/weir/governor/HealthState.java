package dev.weir.governor;

import dev.weir.gates.LiveWindows.Agreement;
import dev.weir.gates.LiveWindows.Performance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the governor remembers about one model: a rolling view of the last windows of each recent
 * version, which version the pipeline reports as champion and challenger, and the cool-down.
 *
 * <p>Stored as JSON in one statefun value ({@link GovernorTypes#HEALTH_STATE}); fields may be added
 * (unknown ones are ignored on read), never renamed. Bounded: at most {@link #MAX_WINDOWS} windows
 * per map and {@link #MAX_VERSIONS} versions; the whole value expires when the model has been
 * silent for the expiry set on the value spec.
 */
public final class HealthState {

    /** Windows kept per version and kind. */
    public static final int MAX_WINDOWS = 48;

    /** Versions kept; the champion and challenger always stay. */
    public static final int MAX_VERSIONS = 4;

    /** Version the pipeline last reported as champion (DRIFT and AGREEMENT records carry it). */
    public String champion;

    /** window_end of the record that set {@link #champion}. */
    public long championSeenAt = Long.MIN_VALUE;

    /** Challenger the pipeline last reported (subject of AGREEMENT records), or null. */
    public String challenger;

    /** Latest window_end seen in any record; windows are counted by its advances. */
    public long maxWindowEnd = Long.MIN_VALUE;

    /** The last action (ROLLBACK, PROMOTE, RETRAIN) or null when none was taken yet. */
    public String lastAction;

    /** window_end of the window whose record triggered the last action. */
    public long lastActionWindowEnd;

    /** New windows seen since the last action. */
    public int windowsSinceAction;

    /** Versions rolled back from: never a rollback target again. */
    public List<String> retired = new ArrayList<>();

    /**
     * Why the last promotion the policy called for was refused by the gates, or null; a refusal is
     * logged and reported (a MODEL record with alert set) only when it differs from this one.
     */
    public String lastRefusal;

    /** Per version. */
    public Map<String, VersionHealth> versions = new TreeMap<>();

    /** One version's recent windows, keyed by window_end. */
    public static final class VersionHealth {
        public long lastSeen = Long.MIN_VALUE;
        public TreeMap<Long, DriftWindow> drift = new TreeMap<>();
        public TreeMap<Long, Performance> performance = new TreeMap<>();

        /** AGREEMENT records in which this version was the challenger. */
        public TreeMap<Long, Agreement> agreement = new TreeMap<>();
    }

    /** Drift records of one window: which subjects came in and which were flagged. */
    public static final class DriftWindow {
        public long windowStart;
        public TreeSet<String> seen = new TreeSet<>();
        public TreeSet<String> flagged = new TreeSet<>();
    }

    VersionHealth version(String v) {
        return versions.computeIfAbsent(v, k -> new VersionHealth());
    }

    boolean inCooldown(int cooldownWindows) {
        return lastAction != null && windowsSinceAction <= cooldownWindows;
    }
}
