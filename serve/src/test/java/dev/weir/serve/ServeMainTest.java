package dev.weir.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The process's options as settings, and the settings as Kafka Streams properties. */
class ServeMainTest {

    @Test
    void runsTwoStreamThreadsUnlessTold() {
        ServeSettings defaults = parse("--bootstrap", "b:9092", "--state-dir", "/tmp/s");
        ServeSettings four =
                parse("--bootstrap", "b:9092", "--state-dir", "/tmp/s", "--stream-threads", "4");

        assertThat(defaults.streamThreads()).isEqualTo(2);
        assertThat(WeirServe.streamsProperties(defaults))
                .containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
        assertThat(WeirServe.streamsProperties(four))
                .containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 4);
    }

    @Test
    void refusesFewerThanOneStreamThread() {
        assertThatThrownBy(
                        () ->
                                parse(
                                        "--bootstrap",
                                        "b:9092",
                                        "--state-dir",
                                        "/tmp/s",
                                        "--stream-threads",
                                        "0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one stream thread is required, got 0");
    }

    @Test
    void reusesTheEntityFeaturesTopicAsItsStoresChangelog() {
        ServeSettings settings =
                new ServeSettings(
                        "b:9092",
                        Map.of(),
                        "d",
                        "s",
                        "e",
                        "app",
                        Path.of("/tmp/s"),
                        "127.0.0.1",
                        0,
                        20,
                        null,
                        null,
                        1);
        Properties props = WeirServe.streamsProperties(settings);

        assertThat(props)
                .containsEntry(
                        StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG,
                        StreamsConfig.REUSE_KTABLE_SOURCE_TOPICS);
        // Only that optimization: the account lists' repartition stays as it is.
        assertThat(
                        StreamsConfig.verifyTopologyOptimizationConfigs(
                                props.getProperty(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG)))
                .containsExactly(StreamsConfig.REUSE_KTABLE_SOURCE_TOPICS);
    }

    private static ServeSettings parse(String... args) {
        ServeMain main = new ServeMain();
        new CommandLine(main).parseArgs(args);
        return main.settings(null);
    }
}
