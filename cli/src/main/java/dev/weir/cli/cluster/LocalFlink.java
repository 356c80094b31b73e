package dev.weir.cli.cluster;

import java.nio.file.Path;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;

/**
 * The settings of Flink in this JVM (a MiniCluster) as the demo and the local benchmarks run the
 * pipeline: the web dashboard and REST API on 127.0.0.1 (which {@link FlinkRest} then reads), one
 * slot per parallel subtask, heap state, checkpoints in a folder. Callers add what is theirs (the
 * restart strategy, the buffer timeout).
 *
 * <pre>{@code
 * Configuration flink = LocalFlink.configuration(8081, 2, Path.of(".weir/demo/checkpoints"));
 * StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
 * }</pre>
 */
public final class LocalFlink {

    private LocalFlink() {}

    public static Configuration configuration(int restPort, int slots, Path checkpoints) {
        Configuration flink = new Configuration();
        flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flink.set(RestOptions.ADDRESS, "127.0.0.1");
        flink.set(RestOptions.PORT, restPort);
        flink.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        flink.set(StateBackendOptions.STATE_BACKEND, "hashmap");
        flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        return flink;
    }

    /** The REST API of a local Flink started with {@link #configuration}. */
    public static FlinkRest rest(int restPort) {
        return new FlinkRest("http://127.0.0.1:" + restPort);
    }
}
