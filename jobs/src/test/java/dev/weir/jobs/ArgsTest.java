package dev.weir.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgsTest {

    private static final Set<String> OPTIONS = Set.of("rate", "duration", "topic");

    @Test
    void parsesValuesDurationsAndOverrides() {
        Args args =
                Args.parse(
                        new String[] {
                            "--rate", "50", "--duration=2m", "--set", "a.b=c", "--set", "d=e=f", "x"
                        },
                        OPTIONS,
                        Set.of("set"),
                        Set.of("verbose"));
        assertThat(args.doubleValue("rate", 1, 0, 100)).isEqualTo(50.0);
        assertThat(args.duration("duration")).contains(Duration.ofMinutes(2));
        assertThat(args.settings()).containsEntry("a.b", "c").containsEntry("d", "e=f");
        assertThat(args.positional()).containsExactly("x");
        assertThat(args.string("topic")).isEmpty();
    }

    @Test
    void mistakesFailWithAMessage() {
        assertThatThrownBy(
                        () -> Args.parse(new String[] {"--rat", "5"}, OPTIONS, Set.of(), Set.of()))
                .hasMessageContaining("unknown option --rat")
                .hasMessageContaining("--rate");
        assertThatThrownBy(() -> Args.parse(new String[] {"--rate"}, OPTIONS, Set.of(), Set.of()))
                .hasMessageContaining("--rate needs a value");
        assertThatThrownBy(
                        () ->
                                Args.parse(
                                                new String[] {"--rate", "x"},
                                                OPTIONS,
                                                Set.of(),
                                                Set.of())
                                        .doubleValue("rate", 1, 0, 9))
                .hasMessageContaining("must be a number");
        assertThatThrownBy(
                        () ->
                                Args.parse(
                                                new String[] {"--rate", "99"},
                                                OPTIONS,
                                                Set.of(),
                                                Set.of())
                                        .doubleValue("rate", 1, 0, 9))
                .hasMessageContaining("must be in");
        assertThatThrownBy(
                        () ->
                                Args.parse(
                                                new String[] {"--duration", "soon"},
                                                OPTIONS,
                                                Set.of(),
                                                Set.of())
                                        .duration("duration"))
                .hasMessageContaining("duration such as");
        assertThatThrownBy(
                        () ->
                                Args.parse(
                                                new String[] {"--duration", "0s"},
                                                OPTIONS,
                                                Set.of(),
                                                Set.of())
                                        .duration("duration"))
                .hasMessageContaining("must be positive");
    }
}
