package dev.weir.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.jobs.config.MaintenanceConfig;
import dev.weir.jobs.config.PipelineConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoMaintenanceTest {

    @TempDir Path dir;

    @Test
    void theDemosMaintenanceIsPacedForMinutes() {
        Map<String, String> settings = new HashMap<>(DemoMaintenance.SETTINGS);
        settings.put("kafka.bootstrap-servers", "127.0.0.1:9");
        settings.put("iceberg.warehouse", dir.toString());
        settings.put("model.dir", dir.resolve("model").toString());

        MaintenanceConfig maintenance = PipelineConfig.from(settings).maintenance();

        assertThat(maintenance.rateLimit()).isEqualTo(Duration.ofSeconds(10));
        assertThat(maintenance.rewriteCommitCount()).isEqualTo(10);
        assertThat(maintenance.snapshotMaxAge()).isEqualTo(Duration.ofSeconds(30));
        assertThat(maintenance.snapshotRetainLast()).isEqualTo(5);
        assertThat(maintenance.expireCommitCount()).isEqualTo(10);
        // A demo of a minute or two sees a compaction only when its checkpoints (every 2 s) reach
        // the commit count well within it.
        assertThat(Duration.ofSeconds(2).multipliedBy(maintenance.rewriteCommitCount()))
                .isLessThan(Duration.ofMinutes(1));
    }
}
