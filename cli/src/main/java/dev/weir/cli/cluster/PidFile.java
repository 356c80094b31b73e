package dev.weir.cli.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The process ids a {@code weir ... start} command left behind, one per line in start order (a line
 * may name the process's role after its id), so that a later {@code stop} from another shell finds
 * them.
 */
public final class PidFile {

    private static final long GRACE_SECONDS = 20;

    private PidFile() {}

    public static void write(Path file, List<Long> pids) throws IOException {
        Files.write(file, pids.stream().map(String::valueOf).toList());
    }

    /** Adds a process, with its role, after those already in the file. */
    public static void append(Path file, long pid, String role) throws IOException {
        Files.write(
                file,
                List.of(pid + " " + role),
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    /** The id of the last process the file names with {@code role}. */
    public static java.util.OptionalLong latest(Path file, String role) throws IOException {
        java.util.OptionalLong found = java.util.OptionalLong.empty();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 2 && parts[1].equals(role)) {
                    found = java.util.OptionalLong.of(Long.parseLong(parts[0]));
                }
            }
        }
        return found;
    }

    /** True when the file names at least one process that is still running. */
    public static boolean anyAlive(Path file) throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()
                    && ProcessHandle.of(pidOf(line)).map(ProcessHandle::isAlive).orElse(false)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Stops the processes in reverse start order (dependants before what they depend on), each with
     * a graceful termination and, after a grace period, a forced one, and waits for every exit so
     * that their files can be removed afterwards. Returns how many were running.
     */
    public static int stopAll(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        Collections.reverse(lines);
        int stopped = 0;
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            Optional<ProcessHandle> process = ProcessHandle.of(pidOf(line));
            if (process.isPresent() && process.get().isAlive()) {
                stop(process.get());
                stopped++;
            }
        }
        Files.delete(file);
        return stopped;
    }

    private static long pidOf(String line) {
        return Long.parseLong(line.trim().split("\\s+")[0]);
    }

    private static void stop(ProcessHandle process) {
        process.destroy();
        try {
            process.onExit().get(GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (Exception notYet) {
            process.destroyForcibly();
            try {
                process.onExit().get(GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // Reported by the caller's next start, which refuses while a pid is alive.
            }
        }
    }
}
