package dev.weir.state.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The YAML form: every key's value arrives, and whatever cannot be read fails by name. */
class FeatureSetYamlTest {

    private static final String EVERY_KEY =
            """
            entities:
              - name: account
                key: account_id
                allowed_lateness: 2 min
                ttl: 40d
                features:
                  - {name: online_sum_24h, aggregation: sum, field: amount_minor,
                     filter: "channel == 'ONLINE'", window: 24h, resolution: 30m}
                  - {name: last_amounts, aggregation: last_n, field: amount_minor, n: 3}
                  - {name: decayed, aggregation: decayed_mean, field: amount_minor, half_life: 6 hours}
                  - {name: ratio, aggregation: derived, expression: "amount_minor / 2", default: 1.5}
                  - {name: total, aggregation: sum, field: amount_minor, window: lifetime}
            """;

    @Test
    void everyKeyOfTheYamlArrivesInTheSpecs() {
        EntitySpec account = FeatureSet.fromYaml(EVERY_KEY).entity("account");

        assertThat(account.keyField()).isEqualTo("account_id");
        assertThat(account.allowedLateness()).isEqualTo(Duration.ofMinutes(2));
        assertThat(account.ttl()).isEqualTo(Duration.ofDays(40));
        FeatureSpec sum = account.features().get(0);
        assertThat(sum.name()).isEqualTo("online_sum_24h");
        assertThat(sum.aggregation()).isEqualTo(Aggregation.SUM);
        assertThat(sum.field()).isEqualTo("amount_minor");
        assertThat(sum.filter()).isEqualTo("channel == 'ONLINE'");
        assertThat(sum.window()).isEqualTo(Duration.ofHours(24));
        assertThat(sum.resolution()).isEqualTo(Duration.ofMinutes(30));
        assertThat(account.features().get(1).n()).isEqualTo(3);
        assertThat(account.features().get(2).halfLife()).isEqualTo(Duration.ofHours(6));
        FeatureSpec ratio = account.features().get(3);
        assertThat(ratio.expression()).isEqualTo("amount_minor / 2");
        assertThat(ratio.defaultValue()).isEqualTo(1.5);
        assertThat(account.features().get(4).window()).isNull();
    }

    @Test
    void aListWhereOneValueBelongsIsNamedNotReadAsEmpty() {
        assertThatThrownBy(
                        () ->
                                FeatureSet.fromYaml(
                                        feature("aggregation: count", "window: [1h, 24h]")))
                .hasMessage(
                        "feature 'f' of entity 'account': 'window' takes one value, not a list");
        assertThatThrownBy(
                        () ->
                                FeatureSet.fromYaml(
                                        feature(
                                                "aggregation: sum",
                                                "field: {name: amount_minor}",
                                                "window: 1h")))
                .hasMessage(
                        "feature 'f' of entity 'account': 'field' takes one value, not a mapping");
        // Not a lifetime window: a key without a value is a mistake.
        assertThatThrownBy(() -> FeatureSet.fromYaml(feature("aggregation: count", "window:")))
                .hasMessage(
                        "feature 'f' of entity 'account': 'window' has no value; give one or"
                                + " leave the key out");
    }

    @Test
    void unknownKeysAreNamedWithTheNearestKnownOne() {
        assertThatThrownBy(() -> FeatureSet.fromYaml(feature("aggregation: count", "windw: 1h")))
                .hasMessage(
                        "feature 'f' of entity 'account': unknown key 'windw'; did you mean"
                                + " 'window'?");
        assertThatThrownBy(() -> FeatureSet.fromYaml(EVERY_KEY.replace("ttl:", "tll:")))
                .hasMessage("entity 'account': unknown key 'tll'; did you mean 'ttl'?");
        assertThatThrownBy(() -> FeatureSet.fromYaml(EVERY_KEY + "version: 2\n"))
                .hasMessage("feature definitions: unknown key 'version' (known: entities)");
    }

    @Test
    void numbersAndDurationsThatDoNotReadFailByKey() {
        assertThatThrownBy(
                        () ->
                                FeatureSet.fromYaml(
                                        feature(
                                                "aggregation: last_n",
                                                "field: amount_minor",
                                                "n: three")))
                .hasMessage(
                        "feature 'f' of entity 'account': 'n' must be a whole number, got"
                                + " \"three\"");
        assertThatThrownBy(
                        () ->
                                FeatureSet.fromYaml(
                                        feature(
                                                "aggregation: count",
                                                "window: 1h",
                                                "default: none")))
                .hasMessage(
                        "feature 'f' of entity 'account': 'default' must be a number, got"
                                + " \"none\"");
        assertThatThrownBy(
                        () ->
                                FeatureSet.fromYaml(
                                        feature("aggregation: count", "window: 1 fortnight")))
                .hasMessage(
                        "feature 'f' of entity 'account': window '1 fortnight' is not a duration"
                                + " such as 500ms, 30s, 5m, 1h or 7d");
        assertThatThrownBy(() -> FeatureSet.fromYaml(feature("aggregation: count", "window: 3600")))
                .hasMessageStartingWith(
                        "feature 'f' of entity 'account': window '3600' has no unit");
        assertThatThrownBy(
                        () ->
                                FeatureSet.fromYaml(
                                        EVERY_KEY.replace(
                                                "allowed_lateness: 2 min",
                                                "allowed_lateness: 2 mins")))
                .hasMessageStartingWith(
                        "entity 'account': allowed_lateness '2 mins' is not a duration");
    }

    @Test
    void shapesThatCannotHoldFeaturesFailClearly() {
        assertThatThrownBy(
                        () ->
                                FeatureSet.fromYaml(
                                        feature("aggregation: count", "window: 1h", "window: 2h")))
                .hasMessageContaining("Duplicate field 'window'");
        assertThatThrownBy(
                        () ->
                                FeatureSet.fromYaml(
                                        "entities:\n"
                                                + "  - {name: a, key: account_id, features: {f: 1}}\n"))
                .hasMessage("entity 'a': 'features' must be a list");
        assertThatThrownBy(() -> FeatureSet.fromYaml("entities:\n  - account\n"))
                .hasMessage("entities[0] must be a mapping with a name, a key and features");
        assertThatThrownBy(() -> FeatureSet.fromYaml("entities: account\n"))
                .hasMessage("feature definitions need a list 'entities'");
    }

    /** One entity, "account", with one feature "f" made of the given lines. */
    private static String feature(String... lines) {
        StringBuilder yaml =
                new StringBuilder(
                        "entities:\n"
                                + "  - name: account\n"
                                + "    key: account_id\n"
                                + "    features:\n"
                                + "      - name: f\n");
        for (String line : lines) {
            yaml.append("        ").append(line).append('\n');
        }
        return yaml.toString();
    }
}
