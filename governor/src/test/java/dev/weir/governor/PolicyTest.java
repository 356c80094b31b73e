package dev.weir.governor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyTest {

    @Test
    void emptyDocumentIsTheDefault() {
        assertThat(Policy.parse("")).isEqualTo(Policy.DEFAULT);
        assertThat(Policy.DEFAULT.rollback()).isEqualTo(new Policy.Rollback(0.75, 3, 200));
        assertThat(Policy.DEFAULT.retrain().driftWindows()).isEqualTo(5);
        assertThat(Policy.DEFAULT.retrain().ofWindows()).isEqualTo(6);
        assertThat(Policy.DEFAULT.promote()).isEqualTo(new Policy.Promote(2000, 3, 0.01));
        assertThat(Policy.DEFAULT.cooldownWindows()).isEqualTo(10);
    }

    @Test
    void missingKeysTakeDefaults() {
        Policy p =
                Policy.parse(
                        """
                rollback:
                  min_auc: 0.8
                retrain:
                  ignore_subjects: [score]
                cooldown_windows: 4
                """);
        assertThat(p.rollback()).isEqualTo(new Policy.Rollback(0.8, 3, 200));
        assertThat(p.retrain().ignoreSubjects()).isEqualTo(Set.of("score"));
        assertThat(p.cooldownWindows()).isEqualTo(4);
        assertThat(p.promote()).isEqualTo(Policy.DEFAULT.promote());
    }

    @Test
    void unknownKeysAreNamed() {
        assertThatThrownBy(() -> Policy.parse("rollback:\n  min_aucc: 0.8\ncooldown: 3\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown key rollback.min_aucc")
                .hasMessageContaining("unknown key cooldown");
    }

    @Test
    void wrongTypesAndRangesAreAllReported() {
        assertThatThrownBy(
                        () ->
                                Policy.parse(
                                        "rollback:\n  windows: three\npromote:\n  min_windows: 2.5\n"))
                .hasMessageContaining("rollback.windows must be a whole number, got 'three'")
                .hasMessageContaining("promote.min_windows must be a whole number");
        assertThatThrownBy(
                        () ->
                                Policy.parse(
                                        "rollback:\n  min_auc: 1.5\nretrain:\n  drift_windows: 7\n"))
                .hasMessageContaining("rollback.min_auc must be in (0, 1), got 1.5")
                .hasMessageContaining(
                        "retrain.drift_windows must be between 1 and retrain.of_windows (6), got 7");
        assertThatThrownBy(() -> Policy.parse("cooldown_windows: -1"))
                .hasMessageContaining("cooldown_windows must be at least 0");
    }

    @Test
    void notAMappingOrNotYaml() {
        assertThatThrownBy(() -> Policy.parse("- a\n- b\n"))
                .hasMessageContaining("must be a YAML mapping");
        assertThatThrownBy(() -> Policy.parse("rollback: [1, 2]"))
                .hasMessageContaining("rollback must be a mapping");
        assertThatThrownBy(() -> Policy.parse("rollback: {min_auc: 0.8"))
                .hasMessageContaining("not valid YAML");
    }
}
