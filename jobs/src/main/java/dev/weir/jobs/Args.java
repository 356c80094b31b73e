package dev.weir.jobs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Command-line options of one command: {@code --name value}, {@code --name=value}, repeatable
 * options and boolean flags. Anything unknown or malformed fails at once with a message. The jobs'
 * {@code main} methods parse their arguments with it, and so does the weir command line.
 */
public final class Args {

    private final Map<String, String> values;
    private final Map<String, List<String>> repeated;
    private final Set<String> flags;
    private final List<String> positional;

    private Args(
            Map<String, String> values,
            Map<String, List<String>> repeated,
            Set<String> flags,
            List<String> positional) {
        this.values = values;
        this.repeated = repeated;
        this.flags = flags;
        this.positional = positional;
    }

    public static Args parse(
            String[] argv,
            Set<String> valueOptions,
            Set<String> repeatable,
            Set<String> flagOptions) {
        Map<String, String> values = new HashMap<>();
        Map<String, List<String>> repeated = new HashMap<>();
        Set<String> flags = new java.util.HashSet<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < argv.length; i++) {
            String arg = argv[i];
            if (!arg.startsWith("--")) {
                positional.add(arg);
                continue;
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flagOptions.contains(name)) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                flags.add(name);
                continue;
            }
            if (!valueOptions.contains(name) && !repeatable.contains(name)) {
                List<String> known = new ArrayList<>();
                valueOptions.forEach(o -> known.add("--" + o));
                repeatable.forEach(o -> known.add("--" + o));
                flagOptions.forEach(o -> known.add("--" + o));
                java.util.Collections.sort(known);
                throw new UsageException(
                        "unknown option --"
                                + name
                                + (known.isEmpty()
                                        ? ""
                                        : " (known: " + String.join(" ", known) + ")"));
            }
            if (value == null) {
                if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) {
                    throw new UsageException("--" + name + " needs a value");
                }
                value = argv[++i];
            }
            if (repeatable.contains(name)) {
                repeated.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else if (values.put(name, value) != null) {
                throw new UsageException("--" + name + " given twice");
            }
        }
        return new Args(values, repeated, flags, positional);
    }

    public Optional<String> string(String name) {
        return Optional.ofNullable(values.get(name));
    }

    public String required(String name) {
        return string(name).orElseThrow(() -> new UsageException("--" + name + " is required"));
    }

    public Optional<Path> path(String name) {
        return string(name).map(Path::of);
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }

    public List<String> positional() {
        return positional;
    }

    public long longValue(String name, long defaultValue, long min) {
        String raw = values.get(name);
        if (raw == null) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(raw.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number, got '" + raw + "'");
        }
        if (value < min) {
            throw new UsageException("--" + name + " must be at least " + min + ", got " + value);
        }
        return value;
    }

    public double doubleValue(String name, double defaultValue, double min, double max) {
        String raw = values.get(name);
        if (raw == null) {
            return defaultValue;
        }
        double value;
        try {
            value = Double.parseDouble(raw);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + raw + "'");
        }
        if (!(value >= min && value <= max)) {
            throw new UsageException(
                    "--" + name + " must be in [" + min + ", " + max + "], got " + value);
        }
        return value;
    }

    /** A duration such as 90s, 5m, 2h or 500ms; a bare number means seconds. */
    public Optional<Duration> duration(String name) {
        String raw = values.get(name);
        if (raw == null) {
            return Optional.empty();
        }
        return Optional.of(parseDuration("--" + name, raw));
    }

    public static Duration parseDuration(String what, String raw) {
        String s = raw.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            Duration d;
            if (s.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            } else if (s.endsWith("s")) {
                d = Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
            } else if (s.endsWith("m")) {
                d = Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
            } else if (s.endsWith("h")) {
                d = Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1)));
            } else {
                d = Duration.ofSeconds(Long.parseLong(s));
            }
            if (d.isNegative() || d.isZero()) {
                throw new UsageException(what + " must be positive, got '" + raw + "'");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException(
                    what + " must be a duration such as 60s, 5m or 1h, got '" + raw + "'");
        }
    }

    /** The {@code --set key=value} overrides, in order. */
    public Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String kv : repeated.getOrDefault("set", List.of())) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--set needs key=value, got '" + kv + "'");
            }
            settings.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return settings;
    }

    /** A mistake in how a command was called; printed without a stack trace. */
    public static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }
}
