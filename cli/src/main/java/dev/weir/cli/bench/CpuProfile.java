package dev.weir.cli.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A CPU profile in async-profiler's collapsed form (one line per distinct stack: the thread, then
 * the frames from the root, then the number of samples), summed four ways: by thread (Flink's tasks
 * by name, other threads by kind), by the kind of code on top of the stack (Java, the JVM and
 * native libraries, the kernel), by component (the first frame of a known library from the top),
 * and by the frame on top.
 */
record CpuProfile(
        long samples,
        Map<String, Long> threads,
        Map<String, Long> code,
        Map<String, Long> components,
        Map<String, Long> tops) {

    /** Components, by the package prefixes of their Java frames; JDK frames count only alone. */
    static final List<String[]> COMPONENTS =
            List.of(
                    new String[] {"Weir", "dev.weir."},
                    new String[] {
                        "ND4J / DL4J (Java side)",
                        "org.nd4j.",
                        "org.deeplearning4j.",
                        "org.bytedeco."
                    },
                    new String[] {
                        "Iceberg / Parquet", "org.apache.iceberg.", "org.apache.parquet."
                    },
                    new String[] {"Avro", "org.apache.avro."},
                    new String[] {"Kafka client", "org.apache.kafka."},
                    new String[] {"RocksDB / ForSt", "org.rocksdb.", "org.forstdb."},
                    new String[] {"Flink", "org.apache.flink."});

    static final String JAVA = "Java";
    static final String NATIVE = "JVM and native libraries";
    static final String KERNEL = "kernel";

    /** A Flink task's thread: the task's name, then the subtask and its attempt. */
    private static final Pattern TASK = Pattern.compile("(.+) \\(\\d+/\\d+\\)#\\d+");

    /** async-profiler's thread frame: {@code [name tid=123]}. */
    private static final Pattern THREAD = Pattern.compile("\\[(.*) tid=\\d+]");

    /** A Java method as async-profiler names it: {@code java/util/HashMap.get}. */
    private static final Pattern JAVA_FRAME = Pattern.compile("[\\w$/]+\\.[\\w$<>-]+");

    /** Threads by kind, by the start of their names. */
    private static final List<String[]> THREAD_KINDS =
            List.of(
                    new String[] {"garbage collector", "GC Thread", "G1 ", "VM Thread"},
                    // Native threads' names are cut to 15 characters.
                    new String[] {"JIT compilers", "C1 CompilerThre", "C2 CompilerThre"},
                    new String[] {
                        "Kafka producers' network threads", "kafka-producer-network-thread"
                    },
                    new String[] {"Kafka source fetchers", "Source Data Fetcher for "},
                    new String[] {"output flushers (buffer timeouts)", "OutputFlusher for "},
                    new String[] {"asynchronous parts of checkpoints", "AsyncOperations-thread"});

    static CpuProfile read(Path collapsed) throws IOException {
        Map<String, Long> threads = new HashMap<>();
        Map<String, Long> code = new HashMap<>();
        Map<String, Long> components = new HashMap<>();
        Map<String, Long> tops = new HashMap<>();
        long samples = 0;
        try (Stream<String> lines = Files.lines(collapsed)) {
            for (String line : (Iterable<String>) lines::iterator) {
                int space = line.lastIndexOf(' ');
                if (space < 0) {
                    continue;
                }
                long count = Long.parseLong(line.substring(space + 1).trim());
                String[] frames = line.substring(0, space).split(";");
                Matcher thread = THREAD.matcher(frames[0]);
                String group = thread.matches() ? threadGroup(thread.group(1)) : "unknown thread";
                String top = frames[frames.length - 1];
                samples += count;
                threads.merge(group, count, Long::sum);
                code.merge(kind(top), count, Long::sum);
                components.merge(component(frames, group), count, Long::sum);
                tops.merge(top, count, Long::sum);
            }
        }
        return new CpuProfile(samples, threads, code, components, tops);
    }

    /** A task's name for its threads, or the kind of a thread that is not a task's. */
    static String threadGroup(String name) {
        // Before the tasks: a task's output flushers and fetchers carry its name.
        for (String[] kind : THREAD_KINDS) {
            for (int i = 1; i < kind.length; i++) {
                if (name.startsWith(kind[i])) {
                    return kind[0];
                }
            }
        }
        Matcher task = TASK.matcher(name);
        if (task.matches()) {
            String chain = task.group(1);
            return "task " + (chain.length() > 90 ? chain.substring(0, 87) + "..." : chain);
        }
        return name.replaceAll("\\d+", "N");
    }

    static String kind(String frame) {
        if (frame.endsWith("_[k]")) {
            return KERNEL;
        }
        return isJava(frame) ? JAVA : NATIVE;
    }

    private static boolean isJava(String frame) {
        return !frame.contains("::") && JAVA_FRAME.matcher(frame).matches();
    }

    /**
     * The first component with a Java frame from the top; {@code JDK} when only the JDK's are
     * there; without any Java frame, the kind of thread (the collector and the compilers run none).
     */
    static String component(String[] frames, String threadGroup) {
        boolean java = false;
        for (int i = frames.length - 1; i > 0; i--) {
            if (!isJava(frames[i])) {
                continue;
            }
            java = true;
            String type = frames[i].replace('/', '.');
            for (String[] c : COMPONENTS) {
                for (int j = 1; j < c.length; j++) {
                    if (type.startsWith(c[j])) {
                        return c[0];
                    }
                }
            }
        }
        if (java) {
            return "JDK";
        }
        return "no Java frame: " + (threadGroup.startsWith("task ") ? "task threads" : threadGroup);
    }

    void print(PrintStream out, String title) {
        out.printf("%s (async-profiler, %,d samples of CPU):%n", title, samples);
        print(out, "by thread (Flink's tasks by name):", threads, 20);
        print(out, "by the code on top of the stack:", code, 3);
        print(out, "by component (the first frame of a library from the top):", components, 15);
        print(out, "hottest frames (top of the stack):", tops, 20);
    }

    private void print(PrintStream out, String heading, Map<String, Long> shares, int limit) {
        out.println("  " + heading);
        long total = Math.max(1, samples);
        shares.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(limit)
                .forEach(
                        e ->
                                out.printf(
                                        "    %5.1f%%  %s%n",
                                        100.0 * e.getValue() / total, e.getKey()));
    }
}
