package dev.weir.it;

import dev.weir.jobs.config.FeatureSets;
import dev.weir.jobs.demo.EmbeddedKafka;
import dev.weir.jobs.train.TrainCommand;
import dev.weir.models.TrainerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * The one factory for test infrastructure: a real Kafka broker, a Flink MiniCluster with two
 * slots (so repartitioning bugs show), and a model trained by the project.
 */
final class TestEnvironment {

    static final int PARALLELISM = 2;

    private static EmbeddedKafka kafka;
    private static Path modelDir;

    private TestEnvironment() {}

    static MiniClusterExtension miniCluster() {
        Configuration conf = new Configuration();
        conf.setString("pipeline.generic-types", "false");
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setConfiguration(conf)
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(PARALLELISM)
                        .build());
    }

    /** One broker for the whole test JVM; tests isolate themselves with random topic names. */
    static synchronized EmbeddedKafka kafka() throws Exception {
        if (kafka == null) {
            Path dir = Files.createTempDirectory("weir-it-kafka");
            kafka = EmbeddedKafka.start(dir, 0);
            Runtime.getRuntime().addShutdownHook(new Thread(kafka::close));
        }
        return kafka;
    }

    /** A small model trained once per test JVM on the synthetic generator. */
    static synchronized Path model() throws Exception {
        if (modelDir == null) {
            Path dir = Files.createTempDirectory("weir-it-model");
            TrainerConfig config = new TrainerConfig(List.of(16, 8), 3, 0.01, 256, 0.2, 11L);
            TrainCommand.train(dir, FeatureSets.reference(), "it-model", "1", 11L, 20_000, 2_000, 200, 0.03, config);
            modelDir = dir;
        }
        return modelDir;
    }

    static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
