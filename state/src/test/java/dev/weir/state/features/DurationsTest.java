package dev.weir.state.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The units the READMEs list, read as Flink's TimeUtils reads them. */
class DurationsTest {

    @Test
    void everyUnitOfTheTableReadsAsDocumented() {
        Map<String, Duration> table =
                Map.ofEntries(
                        Map.entry("500ms", Duration.ofMillis(500)),
                        Map.entry("10 ms", Duration.ofMillis(10)),
                        Map.entry("30s", Duration.ofSeconds(30)),
                        Map.entry("30 sec", Duration.ofSeconds(30)),
                        // m is minutes, never months.
                        Map.entry("5m", Duration.ofMinutes(5)),
                        Map.entry("5 min", Duration.ofMinutes(5)),
                        Map.entry("1min", Duration.ofMinutes(1)),
                        Map.entry("1 minute", Duration.ofMinutes(1)),
                        Map.entry("1h", Duration.ofHours(1)),
                        Map.entry("2 hours", Duration.ofHours(2)),
                        Map.entry("7d", Duration.ofDays(7)),
                        Map.entry("30d", Duration.ofDays(30)),
                        Map.entry("3 days", Duration.ofDays(3)),
                        Map.entry(" 5 s ", Duration.ofSeconds(5)),
                        Map.entry("1 MIN", Duration.ofMinutes(1)),
                        Map.entry("PT90M", Duration.ofMinutes(90)));
        table.forEach(
                (text, expected) -> assertThat(Durations.parse(text)).as(text).isEqualTo(expected));
    }

    @Test
    void everySpellingOfTheReadmeTableIsRead() {
        Map<Duration, List<String>> spellings =
                Map.of(
                        Duration.ofMillis(2),
                        List.of("ms", "milli", "millis", "millisecond", "milliseconds"),
                        Duration.ofSeconds(2),
                        List.of("s", "sec", "secs", "second", "seconds"),
                        Duration.ofMinutes(2),
                        List.of("m", "min", "minute", "minutes"),
                        Duration.ofHours(2),
                        List.of("h", "hour", "hours"),
                        Duration.ofDays(2),
                        List.of("d", "day", "days"));
        spellings.forEach(
                (expected, units) ->
                        units.forEach(
                                unit -> {
                                    assertThat(Durations.parse("2" + unit))
                                            .as(unit)
                                            .isEqualTo(expected);
                                    assertThat(Durations.parse("2 " + unit.toUpperCase()))
                                            .as(unit)
                                            .isEqualTo(expected);
                                }));
    }

    @Test
    void whatFlinkRefusesOrReadsAsMillisecondsIsRefused() {
        assertThatThrownBy(() -> Durations.parse("soon"))
                .hasMessage("'soon' is not a duration such as 500ms, 30s, 5m, 1h or 7d");
        // No decimals, no weeks, no "mins" in Flink's grammar.
        for (String text : List.of("1.5h", "1w", "2 mins", "")) {
            assertThatThrownBy(() -> Durations.parse(text))
                    .as(text)
                    .hasMessageContaining("is not a duration");
        }
        // Flink reads a bare number as milliseconds: in a window or TTL that is a mistake.
        assertThatThrownBy(() -> Durations.parse("30")).hasMessageContaining("'30' has no unit");
        assertThatThrownBy(() -> Durations.parse("1500 us"))
                .hasMessageContaining("is not a duration");
        assertThatThrownBy(() -> Durations.parse("1500 micros"))
                .hasMessageContaining("not a whole number of milliseconds");
    }

    @Test
    void aLeadingMinusIsReadSoCallersCanSayItMustNotBeNegative() {
        assertThat(Durations.parse("-5m")).isEqualTo(Duration.ofMinutes(-5));
        assertThat(Durations.parse("- 5 min")).isEqualTo(Duration.ofMinutes(-5));
    }

    @Test
    void formattedDurationsReadBackTheSame() {
        for (Duration d :
                List.of(
                        Duration.ofMillis(250),
                        Duration.ofSeconds(45),
                        Duration.ofMinutes(5),
                        Duration.ofHours(12),
                        Duration.ofDays(90),
                        Duration.ofMillis(1001))) {
            assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
        }
        assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5m");
    }
}
