package dev.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.kafka.KafkaConnection;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The server process's arguments as its settings give them. */
class ServeProcessTest {

    @Test
    void passesTheStreamThreadsAndDefaultsToTwo() {
        KafkaConnection kafka = KafkaConnection.plain("broker:9092");
        Path state = Path.of("/tmp/serve-state");

        List<String> defaults =
                ServeProcess.arguments(
                        kafka,
                        null,
                        new ServeProcess.Settings("app", state, "127.0.0.1", 8090, 20, true));
        List<String> four =
                ServeProcess.arguments(
                        kafka,
                        null,
                        new ServeProcess.Settings("app", state, "127.0.0.1", 8090, 20, true, 4));

        assertThat(valueOf(defaults, "--stream-threads")).isEqualTo("2");
        assertThat(valueOf(four, "--stream-threads")).isEqualTo("4");
        assertThat(valueOf(four, "--bootstrap")).isEqualTo("broker:9092");
        assertThat(four).endsWith("--insecure-no-auth");
    }

    private static String valueOf(List<String> args, String option) {
        assertThat(args).containsOnlyOnce(option);
        return args.get(args.indexOf(option) + 1);
    }
}
