package dev.weir.cli.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A CPU profile of the TaskManager by async-profiler ({@code tools.profiler:async-profiler}, the
 * version Flink's runtime brings for its own profiler; its linux-x64 library is loaded into the
 * running JVM with jcmd), written as collapsed stacks for {@link CpuProfile}.
 *
 * <p>JFR's execution samples see only threads running Java code. This samples every thread of the
 * process by the CPU it uses (perf events, or an interval timer where those are not allowed): the
 * task threads, Kafka's client threads, the garbage collector, the JIT compilers, native code
 * (ND4J, RocksDB) and the kernel under them. One sample per 10 ms of CPU.
 */
final class AsyncProfile {

    private static final String LIBRARY = "linux-x64/libasyncProfiler.so";

    /** Sampling interval, in CPU time. */
    static final long INTERVAL_MILLIS = 10;

    private final BenchCluster cluster;
    private final Path library;
    private final Path file;
    private boolean started;

    /** A profile into {@code file}; the library is copied into {@code dir} for jcmd to load. */
    AsyncProfile(BenchCluster cluster, Path dir, Path file) throws IOException {
        this.cluster = cluster;
        this.library = copyLibrary(dir);
        this.file = file;
    }

    void start() throws IOException, InterruptedException {
        cluster.loadAgent(library, "start,event=cpu,interval=" + INTERVAL_MILLIS + "ms,threads");
        started = true;
    }

    boolean started() {
        return started;
    }

    /** Stops the profile; returns its file of collapsed stacks. */
    Path stop() throws IOException, InterruptedException {
        cluster.loadAgent(library, "stop,collapsed,file=" + file.toAbsolutePath());
        return file;
    }

    private static Path copyLibrary(Path dir) throws IOException {
        try (InputStream in = AsyncProfile.class.getClassLoader().getResourceAsStream(LIBRARY)) {
            if (in == null) {
                throw new IllegalStateException(
                        "async-profiler's "
                                + LIBRARY
                                + " is not on the class path: run the bench through ./weir, on"
                                + " linux-x86_64");
            }
            Path target = dir.resolve("libasyncProfiler.so").toAbsolutePath();
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        }
    }
}
