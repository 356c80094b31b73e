package dev.weir.operators.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GovernancePolicyTest {

    @Test
    void parsesFieldsInDeclarationOrderWithMaskKeepingFourByDefault() {
        GovernancePolicy policy =
                GovernancePolicy.parse(
                        """
                key_env: WEIR_TOKEN_KEY
                fields:
                  card_number: {action: tokenize}
                  email: {action: mask}
                  ip_address: {action: mask, keep_last: 0}
                  device_id: {action: drop}
                  account_id: {action: KEEP}
                """);

        assertThat(policy.keyEnv()).contains("WEIR_TOKEN_KEY");
        assertThat(policy.fields())
                .containsExactly(
                        new FieldRule("card_number", Action.TOKENIZE, 0),
                        new FieldRule("email", Action.MASK, 4),
                        new FieldRule("ip_address", Action.MASK, 0),
                        new FieldRule("device_id", Action.DROP, 0),
                        new FieldRule("account_id", Action.KEEP, 0));
        assertThat(policy.tokenizes()).isTrue();
        assertThat(policy.changesRecords()).isTrue();
    }

    @Test
    void everyProblemOfAPolicyIsListedInOneError() {
        assertThatThrownBy(
                        () ->
                                GovernancePolicy.parse(
                                        """
                key_env: WEIR_TOKEN_KEY
                salt: 1
                fields:
                  phone: {action: tokenize}
                  card_number: {action: encrypt}
                  email: {action: tokenize, keep_last: 2}
                  account_id: {action: drop}
                  amount_minor: {action: mask}
                  channel: {action: tokenize}
                  ip_address: {action: mask, keep_last: -1}
                  device_id: {keep_last: 1, hide: true}
                  merchant_id: tokenize
                """))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid governance policy (11 problems):")
                .hasMessageContaining("top level: unknown key 'salt' (known: fields, key_env)")
                .hasMessageContaining(
                        "fields.phone: unknown field 'phone' (fields of Transaction: transaction_id,")
                .hasMessageContaining(
                        "fields.card_number: unknown action 'encrypt' (known: keep, drop, mask, tokenize)")
                .hasMessageContaining("fields.email: keep_last only applies to mask, not tokenize")
                .hasMessageContaining(
                        "fields.account_id: drop sets the value to null, but account_id is string"
                                + " and cannot be null; use mask or tokenize, or make it nullable")
                .hasMessageContaining(
                        "fields.amount_minor: mask needs a string field, but amount_minor is long")
                .hasMessageContaining(
                        "fields.channel: tokenize needs a string field, but channel is enum Channel")
                .hasMessageContaining(
                        "fields.ip_address: keep_last must be a whole number of 0 or more")
                .hasMessageContaining(
                        "fields.device_id: unknown key 'hide' (known: action, keep_last)")
                .hasMessageContaining(
                        "fields.device_id: 'action' is required (keep, drop, mask or tokenize)")
                .hasMessageContaining(
                        "fields.merchant_id: must be a mapping such as {action: tokenize}");
    }

    @Test
    void tokenizingNeedsAKeyVariable() {
        assertThatThrownBy(() -> GovernancePolicy.parse("fields: {email: {action: tokenize}}"))
                .hasMessageContaining(
                        "top level: tokenize needs 'key_env', the environment variable holding the key");
        assertThat(GovernancePolicy.parse("fields: {email: {action: mask}}").keyEnv()).isEmpty();
    }

    @Test
    void aKeyPastedIntoTheFileIsRejectedWithoutBeingEchoed() {
        String pasted = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";

        assertThatThrownBy(
                        () ->
                                GovernancePolicy.parse(
                                        "key_env: \""
                                                + pasted
                                                + "\"\nfields: {email: {action: tokenize}}"))
                .hasMessageContaining(
                        "key_env: must name an environment variable, such as WEIR_TOKEN_KEY;"
                                + " the key itself never goes in a file")
                .hasMessageNotContaining(pasted)
                .hasMessageNotContaining("q83vEjRW");
    }

    @Test
    void documentsThatAreNotPoliciesFailClearly() {
        assertThatThrownBy(() -> GovernancePolicy.parse(""))
                .hasMessage("governance policy: the document is empty");
        assertThatThrownBy(() -> GovernancePolicy.parse("key_env: X"))
                .hasMessageContaining(
                        "top level: 'fields' must be a mapping of field name to {action: ...}");
        assertThatThrownBy(
                        () ->
                                GovernancePolicy.parse(
                                        "fields: {email: {action: drop}, email: {action: keep}}"))
                .hasMessageStartingWith("governance policy: not valid YAML");
        assertThat(GovernancePolicy.parse("fields: {}").fields()).isEmpty();
    }

    @Test
    void theDefaultPolicyParses() {
        GovernancePolicy policy = GovernancePolicy.defaults();

        assertThat(policy.keyEnv()).contains("WEIR_TOKEN_KEY");
        assertThat(policy.fields())
                .containsExactly(
                        new FieldRule("card_number", Action.TOKENIZE, 0),
                        new FieldRule("email", Action.TOKENIZE, 0),
                        new FieldRule("ip_address", Action.MASK, 0),
                        new FieldRule("account_id", Action.KEEP, 0),
                        new FieldRule("card_id", Action.KEEP, 0),
                        new FieldRule("device_id", Action.KEEP, 0));
    }

    @Test
    void noPolicyKeepsEverythingWithoutAKey() {
        assertThat(GovernancePolicy.none().fields()).isEmpty();
        assertThat(GovernancePolicy.none().keyEnv()).isEmpty();
        assertThat(GovernancePolicy.none().changesRecords()).isFalse();
        assertThat(GovernancePolicy.parse("fields: {email: {action: keep}}").changesRecords())
                .isFalse();
    }

    @Test
    void loadsFromAFileAndSurvivesJavaSerialization(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, "key_env: K\nfields:\n  email: {action: tokenize}\n");

        GovernancePolicy policy = GovernancePolicy.load(file);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(policy);
        }
        GovernancePolicy copy;
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (GovernancePolicy) in.readObject();
        }

        assertThat(copy.keyEnv()).contains("K");
        assertThat(copy.fields()).containsExactly(new FieldRule("email", Action.TOKENIZE, 0));
        assertThatThrownBy(() -> GovernancePolicy.load(dir.resolve("missing.yaml")))
                .hasMessageContaining("cannot read governance policy");
    }
}
