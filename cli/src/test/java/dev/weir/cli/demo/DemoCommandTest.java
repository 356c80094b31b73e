package dev.weir.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    @Test
    void theLocalFlinkRestartsThreeTimesTwoSecondsApart() {
        Map<String, String> flink =
                DemoCommand.flinkConfiguration(8081, Path.of("/tmp/weir-demo")).toMap();

        assertThat(flink)
                .containsEntry("restart-strategy.type", "fixed-delay")
                .containsEntry("restart-strategy.fixed-delay.attempts", "3")
                .containsEntry("restart-strategy.fixed-delay.delay", "2 s")
                .containsEntry("rest.port", "8081")
                .containsEntry("taskmanager.numberOfTaskSlots", "2")
                .containsEntry("execution.checkpointing.dir", "file:///tmp/weir-demo/checkpoints")
                .hasSize(9);
    }
}
