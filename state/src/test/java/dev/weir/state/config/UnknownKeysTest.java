package dev.weir.state.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class UnknownKeysTest {

    private static final List<String> KNOWN =
            List.of("drift.categorical-inputs", "drift.psi-alert", "kafka.group-id", "window");

    @Test
    void aTypoIsNamedWithTheNearestKnownKey() {
        assertThat(UnknownKeys.describe("drift.categoricl-inputs", KNOWN))
                .isEqualTo(
                        "unknown key 'drift.categoricl-inputs'; did you mean"
                                + " 'drift.categorical-inputs'?");
        assertThat(UnknownKeys.nearest("kafka.group_id", KNOWN)).contains("kafka.group-id");
        assertThat(UnknownKeys.nearest("windw", KNOWN)).contains("window");
    }

    @Test
    void aKeyFarFromEveryKnownOneListsThemInstead() {
        assertThat(UnknownKeys.nearest("salt", KNOWN)).isEmpty();
        assertThat(UnknownKeys.describe("salt", KNOWN))
                .isEqualTo(
                        "unknown key 'salt' (known: drift.categorical-inputs, drift.psi-alert,"
                                + " kafka.group-id, window)");
    }
}
