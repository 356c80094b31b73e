package dev.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {

    private final DurationConverter converter = new DurationConverter();

    @Test
    void takesFlinksGrammar() {
        assertThat(converter.convert("10 ms")).isEqualTo(Duration.ofMillis(10));
        assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(converter.convert("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(converter.convert("1min")).isEqualTo(Duration.ofMinutes(1));
        assertThat(converter.convert("4m")).isEqualTo(Duration.ofMinutes(4));
        assertThat(converter.convert("2 minutes")).isEqualTo(Duration.ofMinutes(2));
        assertThat(converter.convert("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(converter.convert("30d")).isEqualTo(Duration.ofDays(30));
        assertThat(converter.convert("60d")).isEqualTo(Duration.ofDays(60));
    }

    @Test
    void aNumberAloneIsMilliseconds() {
        assertThat(converter.convert("60")).isEqualTo(Duration.ofMillis(60));
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "1.5s", "5 parsecs", "-5s", ""})
    void anythingElseIsRefusedWithTheGrammar(String value) {
        assertThatThrownBy(() -> converter.convert(value))
                .isInstanceOf(TypeConversionException.class)
                .hasMessage(
                        "'"
                                + value
                                + "' is not a duration: use a whole number and a unit such as"
                                + " 500ms, 30s, 5min, 2h or 30d (a number alone is milliseconds)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0s", "0 ms"})
    void zeroIsRefused(String value) {
        assertThatThrownBy(() -> converter.convert(value))
                .isInstanceOf(TypeConversionException.class)
                .hasMessage("'" + value + "' is not a positive duration");
    }
}
