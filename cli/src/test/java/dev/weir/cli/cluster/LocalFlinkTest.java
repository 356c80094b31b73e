package dev.weir.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class LocalFlinkTest {

    @Test
    void theDashboardOnLoopbackASlotPerSubtaskHeapStateAndCheckpointsInTheFolder() {
        Configuration flink =
                LocalFlink.configuration(18081, 2, Path.of("/tmp/weir-run/checkpoints"));

        // The keys Flink reads, as the raw settings of a config.yaml would give them.
        assertThat(flink.toMap())
                .containsExactlyInAnyOrderEntriesOf(
                        java.util.Map.of(
                                "rest.bind-address", "127.0.0.1",
                                "rest.address", "127.0.0.1",
                                "rest.port", "18081",
                                "taskmanager.numberOfTaskSlots", "2",
                                "state.backend.type", "hashmap",
                                "execution.checkpointing.dir", "file:///tmp/weir-run/checkpoints"));
    }
}
