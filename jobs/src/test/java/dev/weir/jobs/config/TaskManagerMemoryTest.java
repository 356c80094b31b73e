package dev.weir.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.junit.jupiter.api.Test;

/**
 * The heap of the TaskManagers of {@code flink-conf/dev} and {@code flink-conf/live}, as Flink
 * sizes it from those files, holds what README.md "Memory" counts for the pipeline's default
 * settings at one subtask per slot: the Iceberg writers' open files, the Kafka producers' buffers
 * and the consumers' fetches, with room for the operators' own objects (and on dev, heap state).
 */
class TaskManagerMemoryTest {

    private static final Path FLINK_CONF = Path.of("..", "flink-conf");

    /** Days of event time with a file open per writer: one, and the next across a midnight. */
    private static final int DAYS = 2;

    /**
     * Measured per open file besides the row group: compression buffers, statistics and the footer
     * so far (under 2 MB), and per column (16 at most in the pipeline's tables) a page being filled
     * and a dictionary.
     */
    private static final long FILE_BASE = MemorySize.ofMebiBytes(2).getBytes();

    private static final int COLUMNS = 16;

    /**
     * Producers per subtask: two per exactly-once sink (scores, dead letters, monitoring: the open
     * transaction and the one waiting for its checkpoint), one for the decisions; and the entity
     * features' producer with a buffer of its own size.
     */
    private static final int PRODUCERS = 7;

    private static final long ENTITY_FEATURES_PRODUCER =
            dev.weir.jobs.pipeline.KafkaIcebergSinks.ENTITY_FEATURES_BUFFER.getBytes();

    /**
     * The three sources' consumers per subtask: a fetch of up to 1 MB per partition (four read by a
     * subtask here) and the polls Flink's source queue holds.
     */
    private static final long CONSUMERS = 3 * MemorySize.ofMebiBytes(5).getBytes();

    /**
     * At least this much for the operators' own objects (records being processed, scoring batches,
     * window aggregates) besides the buffers.
     */
    private static final long OPERATORS = MemorySize.ofMebiBytes(512).getBytes();

    @Test
    void theDevelopmentTaskManagerHoldsTheBuffersAndLeavesMostOfItsHeapToState() {
        Budget dev = budget("dev");
        assertThat(dev.slots()).isEqualTo(2);
        assertThat(dev.perSubtask()).isEqualTo(MemorySize.parse("192 mb").getBytes());
        // Heap state (the label join's waiting scores above all) and the operators' own objects
        // take what is left: most of it.
        assertThat(dev.taskHeap() - dev.buffers())
                .isGreaterThanOrEqualTo(MemorySize.parse("1000 mb").getBytes());
    }

    @Test
    void theLiveTaskManagerHoldsTheBuffersOfFourSubtasks() {
        Budget live = budget("live");
        assertThat(live.slots()).isEqualTo(4);
        assertThat(live.perSubtask()).isEqualTo(MemorySize.parse("192 mb").getBytes());
        assertThat(live.taskHeap() - live.buffers()).isGreaterThanOrEqualTo(OPERATORS);
    }

    private record Budget(int slots, long perSubtask, long taskHeap) {
        long buffers() {
            return slots * perSubtask;
        }
    }

    private static Budget budget(String environment) {
        Configuration conf =
                Configuration.fromMap(
                        ConfigLoader.readYaml(
                                FLINK_CONF.resolve(environment).resolve("config.yaml")));
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(conf);
        PipelineConfig defaults =
                PipelineConfig.from(
                        Map.of(
                                "kafka.bootstrap-servers", "b:9092",
                                "iceberg.warehouse", "/tmp/wh",
                                "model.dir", "/m"));
        long files = 0;
        for (TableWriteConfig write : defaults.iceberg().writes().values()) {
            files +=
                    write.rowGroupSize().getBytes()
                            + FILE_BASE
                            + COLUMNS * (write.pageSize().getBytes() + write.dictSize().getBytes());
        }
        long perSubtask =
                DAYS * files
                        + PRODUCERS * defaults.kafka().producerBufferMemory().getBytes()
                        + ENTITY_FEATURES_PRODUCER
                        + CONSUMERS;
        return new Budget(
                conf.get(TaskManagerOptions.NUM_TASK_SLOTS),
                perSubtask,
                spec.getTaskHeapSize().getBytes());
    }
}
