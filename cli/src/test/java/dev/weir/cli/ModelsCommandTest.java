package dev.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.train.TrainCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir models} without {@code --registry} reads the registry that {@code weir train
 * --registry} writes by default: {@code .weir/registry} under the directory it runs in. The
 * commands run as a user runs them, in a JVM of their own started in a fresh directory.
 */
class ModelsCommandTest {

    @TempDir Path home;

    @Test
    void listAndShowReadTheDefaultRegistryOfTheDirectory() throws Exception {
        ByteArrayOutputStream trained = new ByteArrayOutputStream();
        int code =
                Weir.execute(
                        new PrintStream(trained, true, StandardCharsets.UTF_8),
                        System.err,
                        "train",
                        "--registry",
                        home.resolve(Folders.REGISTRY).toString(),
                        "--events",
                        "1000",
                        "--accounts",
                        "100",
                        "--epochs",
                        "1",
                        "--hidden",
                        "4");
        assertThat(code).as(trained.toString(StandardCharsets.UTF_8)).isZero();

        Process list = weirIn(home, "models", "list");
        Process show = weirIn(home, "models", "show");

        assertThat(output(list))
                .isEqualTo(
                        TrainCommand.DEFAULT_NAME
                                + "  versions [1]  champion 1  challenger null  rollback history []\n");
        assertThat(list.exitValue()).isZero();
        assertThat(output(show))
                .startsWith(
                        TrainCommand.DEFAULT_NAME
                                + " v1 at "
                                + home.resolve(Folders.REGISTRY)
                                        .resolve(TrainCommand.DEFAULT_NAME)
                                        .resolve("1")
                                        .toRealPath());
        assertThat(show.exitValue()).isZero();
    }

    @Test
    void anEmptyDirectorySaysWhereItLookedAndHowToRegister() throws Exception {
        Process list = weirIn(home, "models", "list");

        assertThat(output(list))
                .isEqualTo(
                        "no models in "
                                + home.toRealPath().resolve(Folders.REGISTRY)
                                + " (register one with: weir train --registry "
                                + Folders.REGISTRY
                                + ")\n");
        assertThat(list.exitValue()).isZero();
    }

    /** {@code weir ARGS} in a JVM of its own, from this test's class path, in {@code dir}. */
    private static Process weirIn(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Weir.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    /** Everything the process printed, once it has ended. */
    private static String output(Process process) throws Exception {
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("the command ended").isTrue();
        return out;
    }
}
