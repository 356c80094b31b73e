package dev.weir.operators.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QualityRulesParsingTest {

    @Test
    void everyProblemOfADocumentIsListedInOneError() {
        String yaml =
                """
                rules:
                  - {field: nope, required: true}
                  - {field: currency, range: {min: 1}}
                  - {field: amount_minor, pattern: "[0-9]+"}
                  - {field: country, pattern: "[A-Z"}
                  - {field: amount_minor, range: {min: 10, max: 1}}
                  - {field: email, max_length: 10, maxlength: 5}
                  - {field: email, required: true, severity: fatal}
                  - {field: channel, allowed: [POS, CASH]}
                  - {field: amount_minor, freshness: {max_age: 7d}}
                  - {field: amount_minor, unique_within: 1h}
                  - {field: event_time, freshness: {max_age: soon}}
                  - {field: amount_minor, range: {min: 0.5}}
                  - {field: country}
                  - {required: true}
                  - {field: email, max_length: 0}
                """;

        assertThatThrownBy(() -> QualityRules.parse(yaml))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid quality rules (15 problems):")
                .hasMessageContaining(
                        "rules[0] (nope): unknown field 'nope' (fields of Transaction: transaction_id, account_id,")
                .hasMessageContaining(
                        "rules[1] (currency): range needs a number field (int, long, float or double),"
                                + " but currency is string")
                .hasMessageContaining(
                        "rules[2] (amount_minor): pattern needs a string field, but amount_minor is long")
                .hasMessageContaining(
                        "rules[3] (country): pattern [A-Z is not a valid regular expression:"
                                + " Unclosed character class near index 3")
                .hasMessageContaining("rules[4] (amount_minor): range min 10 is above max 1")
                .hasMessageContaining(
                        "rules[5] (email): unknown key 'maxlength'; did you mean 'max_length'?")
                .hasMessageContaining(
                        "rules[6] (email): unknown severity 'fatal' (known: hard, soft)")
                .hasMessageContaining(
                        "rules[7] (channel): allowed value 'CASH' is not a symbol of enum Channel"
                                + " [POS, ONLINE, ATM, UNKNOWN]")
                .hasMessageContaining(
                        "rules[8] (amount_minor): freshness needs a timestamp-millis field,"
                                + " but amount_minor is long")
                .hasMessageContaining(
                        "rules[9] (amount_minor): unique_within needs a string field, but amount_minor is long")
                .hasMessageContaining(
                        "rules[10] (event_time): freshness max_age 'soon' is not a duration")
                .hasMessageContaining(
                        "rules[11] (amount_minor): range min 0.5 is not a whole number,"
                                + " but amount_minor is long")
                .hasMessageContaining(
                        "rules[12] (country): no check (give one or more of required, range,")
                .hasMessageContaining("rules[13]: 'field' is required")
                .hasMessageContaining(
                        "rules[14] (email): max_length must be a whole number of at least 1");
    }

    @Test
    void ruleNamesMustBeUniqueAndThereIsAtMostOneDuplicateRule() {
        assertThatThrownBy(
                        () ->
                                QualityRules.parse(
                                        """
                rules:
                  - {field: currency, pattern: "[A-Z]{3}"}
                  - {field: currency, allowed: [EUR]}
                  - {field: currency, pattern: "[A-Z]+", severity: soft}
                  - {field: transaction_id, unique_within: 1h}
                  - {field: account_id, unique_within: 1d}
                """))
                .hasMessageStartingWith("invalid quality rules (2 problems):")
                .hasMessageContaining("rules: rule 'currency.pattern' is declared twice")
                .hasMessageContaining(
                        "rules: at most one unique_within rule is supported,"
                                + " found [transaction_id.duplicate, account_id.duplicate]");
    }

    @Test
    void malformedValuesOfEachCheckAreNamed() {
        assertThatThrownBy(
                        () ->
                                QualityRules.parse(
                                        """
                top: 1
                rules:
                  - {field: email, required: yes-please}
                  - {field: amount_minor, range: 5}
                  - {field: amount_minor, range: {}}
                  - {field: amount_minor, range: {min: "1", above: 2}}
                  - {field: currency, allowed: []}
                  - {field: currency, allowed: [EUR, true]}
                  - {field: country, pattern: [A]}
                  - {field: event_time, freshness: 7d}
                  - {field: event_time, freshness: {max_future: -5m}}
                  - {field: transaction_id, unique_within: 0s}
                  - plain text
                """))
                .hasMessageContaining("top level: unknown key 'top' (known: rules)")
                .hasMessageContaining("rules[0] (email): required must be true or false")
                .hasMessageContaining(
                        "rules[1] (amount_minor): range must be a mapping such as {min: 1, max: 100}")
                .hasMessageContaining("rules[2] (amount_minor): range needs min, max or both")
                .hasMessageContaining("rules[3] (amount_minor): range min must be a number")
                .hasMessageContaining(
                        "rules[3] (amount_minor) range: unknown key 'above' (known: max, min)")
                .hasMessageContaining(
                        "rules[4] (currency): allowed must be a non-empty list such as [EUR, USD]")
                .hasMessageContaining(
                        "rules[5] (currency): allowed value true is not text; quote it")
                .hasMessageContaining("rules[6] (country): pattern must be text (quote it)")
                .hasMessageContaining(
                        "rules[7] (event_time): freshness must be a mapping such as {max_age: 7d, max_future: 5m}")
                .hasMessageContaining(
                        "rules[8] (event_time): freshness max_future must be zero or more")
                .hasMessageContaining("rules[9] (transaction_id): unique_within must be positive")
                .hasMessageContaining("rules[10]: must be a mapping with a 'field' and its checks");
    }

    @Test
    void documentsThatAreNotRuleListsFailClearly() {
        assertThatThrownBy(() -> QualityRules.parse("rules: ["))
                .hasMessageStartingWith("quality rules: not valid YAML");
        assertThatThrownBy(() -> QualityRules.parse(""))
                .hasMessage("quality rules: the document is empty");
        assertThatThrownBy(() -> QualityRules.parse("- a"))
                .hasMessageContaining("the document must be a mapping");
        assertThatThrownBy(() -> QualityRules.parse("rules: {field: a}"))
                .hasMessageContaining(
                        "top level: 'rules' must be a list (write 'rules: []' for none)");
        assertThatThrownBy(() -> QualityRules.parse("rules: []\nrules: []"))
                .hasMessageStartingWith("quality rules: not valid YAML")
                .hasMessageContaining("rules");
    }

    @Test
    void requiredFalseDeclaresNoRule() {
        assertThat(QualityRules.parse("rules: [{field: device_id, required: false}]").rules())
                .isEmpty();
    }

    @Test
    void allowedValuesMustBeTextSinceYamlReadsSomeUnquotedWordsAsOtherTypes() {
        QualityRules rules =
                QualityRules.parse(
                        "rules: [{field: country, allowed: [DE, \"NO\", \"ON\"]}, {field: merchant_category, allowed: [\"0742\"]}]");
        assertThat(((AllowedCheck) rules.rules().get(0).check()).values())
                .containsExactly("DE", "NO", "ON");
        assertThat(((AllowedCheck) rules.rules().get(1).check()).values()).containsExactly("0742");

        assertThatThrownBy(
                        () ->
                                QualityRules.parse(
                                        "rules: [{field: country, allowed: [DE, NO]}, {field: merchant_category, allowed: [0742]}]"))
                .hasMessageContaining(
                        "rules[0] (country): allowed value false is not text; quote it")
                .hasMessageContaining(
                        "rules[1] (merchant_category): allowed value 482 is not text; quote it");
    }

    @Test
    void loadsFromAFileAndNamesAFileItCannotRead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rules.yaml");
        Files.writeString(file, "rules:\n  - field: account_id\n    required: true\n");

        assertThat(QualityRules.load(file).rules())
                .extracting(Rule::name)
                .containsExactly("account_id.required");
        assertThatThrownBy(() -> QualityRules.load(dir.resolve("missing.yaml")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot read quality rules")
                .hasMessageContaining("missing.yaml");
    }

    @Test
    void aRuleMustBeNamedAfterItsFieldAndCheck() {
        assertThatThrownBy(() -> new Rule("x", "currency", new RequiredCheck(), Severity.HARD))
                .hasMessage("rule 'x' must be named currency.required");
    }
}
