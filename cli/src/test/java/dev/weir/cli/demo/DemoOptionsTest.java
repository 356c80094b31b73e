package dev.weir.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.cli.Weir;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.ParameterException;

class DemoOptionsTest {

    private static final Path HOME = Path.of(".weir").toAbsolutePath();

    @Test
    void defaultsAreTheReadmesDemo() {
        DemoOptions options = parse();

        assertThat(options)
                .isEqualTo(
                        new DemoOptions(
                                Optional.empty(),
                                200,
                                0.01,
                                7,
                                5_000,
                                9092,
                                8081,
                                HOME.resolve("warehouse"),
                                HOME.resolve("demo-model"),
                                HOME.resolve("demo"),
                                false,
                                Optional.empty(),
                                true,
                                8085,
                                Optional.of(Path.of(".")),
                                true));
        assertThat(options.registry()).isEqualTo(HOME.resolve("demo").resolve("registry"));
    }

    @Test
    void everyOptionIsTakenAndTheShiftKeepsItsDefaultsWhereNotGiven() {
        DemoOptions options =
                parse(
                        "--duration",
                        "20s",
                        "--rate",
                        "50",
                        "--bad-share",
                        "0",
                        "--seed",
                        "3",
                        "--accounts",
                        "100",
                        "--kafka-port",
                        "0",
                        "--dashboard-port",
                        "18081",
                        "--warehouse",
                        "/tmp/wh",
                        "--model",
                        "/tmp/model",
                        "--governor",
                        "--shift-after",
                        "2m",
                        "--shift-amount-scale",
                        "2",
                        "--no-schema-registry",
                        "--schema-registry-port",
                        "0",
                        "--no-serve",
                        "--cold");

        assertThat(options)
                .isEqualTo(
                        new DemoOptions(
                                Optional.of(Duration.ofSeconds(20)),
                                50,
                                0,
                                3,
                                100,
                                0,
                                18081,
                                Path.of("/tmp/wh"),
                                Path.of("/tmp/model"),
                                HOME.resolve("demo"),
                                true,
                                Optional.of(new DemoOptions.Shift(Duration.ofMinutes(2), 2, 0.5)),
                                false,
                                0,
                                Optional.empty(),
                                false));
    }

    @Test
    void valuesOutOfRangeAreUsageMistakes() {
        assertThatThrownBy(() -> parse("--shift-after", "1m", "--shift-foreign-share", "2"))
                .isInstanceOf(ParameterException.class)
                .hasMessage("--shift-foreign-share must be in [0.0, 1.0], got 2.0");
        assertThatThrownBy(() -> parse("--rates", "5"))
                .isInstanceOf(ParameterException.class)
                .hasMessageContaining("'--rates'");
    }

    private static DemoOptions parse(String... argv) {
        return Weir.parse(new DemoCommand.Cli(), System.out, argv).options();
    }
}
