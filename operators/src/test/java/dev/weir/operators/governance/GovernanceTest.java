package dev.weir.operators.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.operators.TestRecords;
import dev.weir.schemas.Transaction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class GovernanceTest {

    private static final byte[] KEY_BYTES = counting(32, 0);
    private static final String KEY = Base64.getEncoder().encodeToString(KEY_BYTES);
    private static final Function<String, String> ENV = Map.of("WEIR_TOKEN_KEY", KEY)::get;

    private static final GovernancePolicy POLICY =
            GovernancePolicy.parse(
                    """
            key_env: WEIR_TOKEN_KEY
            fields:
              card_number: {action: tokenize}
              email: {action: tokenize}
              ip_address: {action: mask, keep_last: 0}
              device_id: {action: drop}
              merchant_id: {action: mask, keep_last: 2}
              account_id: {action: keep}
            """);

    @Test
    void applyGovernsACopyFieldByFieldAndLeavesTheInputAlone() {
        Governance governance = Governance.create(POLICY, ENV);
        Transaction txn = personal();
        Transaction before = Transaction.newBuilder(txn).build();

        Transaction governed = governance.apply(txn);

        assertThat(governed).isNotSameAs(txn);
        assertThat(txn).isEqualTo(before);
        assertThat(governed.getCardNumber()).isEqualTo(hmacToken("4111111111111111"));
        assertThat(governed.getEmail()).isEqualTo(hmacToken("jane@example.com"));
        assertThat(governed.getIpAddress()).isEqualTo("*********");
        assertThat(governed.getDeviceId()).isNull();
        assertThat(governed.getMerchantId()).isEqualTo("*****-1");
        assertThat(
                        Transaction.newBuilder(governed)
                                .setCardNumber(txn.getCardNumber())
                                .setEmail(txn.getEmail())
                                .setIpAddress(txn.getIpAddress())
                                .setDeviceId(txn.getDeviceId())
                                .setMerchantId(txn.getMerchantId())
                                .build())
                .isEqualTo(txn);
    }

    @Test
    void missingValuesStayMissing() {
        Transaction governed =
                Governance.create(POLICY, ENV).apply(TestRecords.txn("t1", "a1", 1_000L, 5));

        assertThat(governed.getCardNumber()).isNull();
        assertThat(governed.getEmail()).isNull();
        assertThat(governed.getIpAddress()).isNull();
        assertThat(governed)
                .isEqualTo(
                        Transaction.newBuilder(TestRecords.txn("t1", "a1", 1_000L, 5))
                                .setMerchantId("*****-1")
                                .build());
    }

    @Test
    void tokensAreDeterministicAcrossInstancesAndFieldsAndDistinctPerValueAndKey() {
        Governance one = Governance.create(POLICY, ENV);
        Governance two = Governance.create(POLICY, ENV);
        String otherKey = Base64.getEncoder().encodeToString(counting(32, 100));
        Governance other = Governance.create(POLICY, Map.of("WEIR_TOKEN_KEY", otherKey)::get);

        String token = one.token("jane@example.com");

        assertThat(token)
                .matches("tok_[A-Za-z0-9_-]{26}")
                .hasSize(30)
                .isEqualTo(hmacToken("jane@example.com"));
        assertThat(two.token("jane@example.com")).isEqualTo(token);
        assertThat(one.token("jane@example.con")).isNotEqualTo(token);
        assertThat(other.token("jane@example.com")).isNotEqualTo(token);
        Transaction sameValueInTwoFields =
                one.apply(
                        Transaction.newBuilder(personal())
                                .setEmail("x")
                                .setCardNumber("x")
                                .build());
        assertThat(sameValueInTwoFields.getEmail()).isEqualTo(sameValueInTwoFields.getCardNumber());
        assertThat(one.token("")).matches("tok_[A-Za-z0-9_-]{26}");
        assertThat(one.token("naïve 😀")).isEqualTo(hmacToken("naïve 😀"));
    }

    @Test
    void governingTwiceChangesNothingMore() {
        Governance governance = Governance.create(POLICY, ENV);
        Transaction once = governance.apply(personal());

        assertThat(governance.apply(once)).isEqualTo(once);
        assertThat(governance.token(once.getEmail())).isEqualTo(once.getEmail());
        // Only exact token shapes pass through; anything else is tokenized.
        assertThat(governance.token("tok_short")).startsWith("tok_").hasSize(30);
        assertThat(governance.token("tok_" + "a".repeat(25) + "!"))
                .isNotEqualTo("tok_" + "a".repeat(25) + "!");
    }

    @Test
    void maskHidesAllButTheLastCharactersAndKeepsTheLength() {
        assertThat(Governance.mask("4111111111111111", 4)).isEqualTo("************1111");
        assertThat(Governance.mask("10.1.2.3", 0)).isEqualTo("********");
        assertThat(Governance.mask("123", 4)).isEqualTo("123");
        assertThat(Governance.mask("", 0)).isEmpty();
        assertThat(Governance.mask(null, 4)).isNull();
        assertThat(Governance.mask("a😀b😀", 1))
                .isEqualTo("***😀"); // code points, not UTF-16 halves
        assertThatThrownBy(() -> Governance.mask("x", -1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anAbsentKeyFailsNamingTheVariable() {
        assertThatThrownBy(() -> Governance.create(POLICY, name -> null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("environment variable WEIR_TOKEN_KEY is not set");
        assertThatThrownBy(() -> Governance.create(POLICY, name -> "  \n"))
                .hasMessageContaining("WEIR_TOKEN_KEY is not set");
    }

    @Test
    void aShortKeyFailsWithoutShowingIt() {
        String rawShort = "short-secret-passphrase";
        String base64Short = Base64.getEncoder().encodeToString(counting(31, 7));

        for (String value : new String[] {rawShort, base64Short}) {
            assertThatThrownBy(
                            () -> Governance.create(POLICY, Map.of("WEIR_TOKEN_KEY", value)::get))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("WEIR_TOKEN_KEY holds a key shorter than 32 bytes")
                    .hasMessageNotContaining(value)
                    .hasMessageNotContaining(value.substring(0, 8));
        }
    }

    @Test
    void keysAreBase64OrElseRawTextAndSurroundingWhiteSpaceIsIgnored() {
        String passphrase = "a passphrase of more than thirty-two bytes!";
        Governance raw = Governance.create(POLICY, Map.of("WEIR_TOKEN_KEY", passphrase)::get);
        Governance withNewline =
                Governance.create(POLICY, Map.of("WEIR_TOKEN_KEY", KEY + "\n")::get);
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(counting(32, 250));
        Governance urlSafeKey = Governance.create(POLICY, Map.of("WEIR_TOKEN_KEY", urlSafe)::get);

        assertThat(raw.token("v"))
                .isEqualTo(hmacToken(passphrase.getBytes(StandardCharsets.UTF_8), "v"));
        assertThat(withNewline.token("v")).isEqualTo(hmacToken("v"));
        assertThat(urlSafe).contains("-");
        assertThat(urlSafeKey.token("v")).isEqualTo(hmacToken(counting(32, 250), "v"));
    }

    @Test
    void theKeyAppearsInNoStringForm() {
        Governance governance = Governance.create(POLICY, ENV);

        assertThat(governance.toString()).contains("WEIR_TOKEN_KEY").doesNotContain(KEY);
        assertThat(POLICY.toString()).doesNotContain(KEY);
        assertThatThrownBy(
                        () ->
                                governance.unseal(
                                        "WSEAL1 but nothing sealed really"
                                                .getBytes(StandardCharsets.US_ASCII)))
                .hasMessageNotContaining(KEY);
    }

    @Test
    void sealedBytesRoundTripAndHideThePlaintext() {
        Governance governance = Governance.create(POLICY, ENV);
        byte[] raw = "card 4111111111111111 of jane@example.com".getBytes(StandardCharsets.UTF_8);

        byte[] sealed = governance.seal(raw);

        assertThat(Governance.isSealed(sealed)).isTrue();
        assertThat(Arrays.copyOf(sealed, 6))
                .isEqualTo("WSEAL1".getBytes(StandardCharsets.US_ASCII));
        assertThat(sealed).hasSize(6 + 12 + raw.length + 16);
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1))
                .doesNotContain("4111", "jane", "example");
        assertThat(governance.unseal(sealed)).isEqualTo(raw);
        assertThat(governance.seal(raw)).isNotEqualTo(sealed); // a fresh IV every time
        assertThat(Governance.create(POLICY, ENV).unseal(sealed)).isEqualTo(raw);
        assertThat(governance.unseal(governance.seal(new byte[0]))).isEmpty();
        assertThat(Governance.isSealed(raw)).isFalse();
        assertThat(Governance.isSealed(null)).isFalse();
        assertThat(Governance.isSealed(Arrays.copyOf(sealed, 33))).isFalse();
    }

    @Test
    void alteredTruncatedOrForeignSealedBytesFail() {
        Governance governance = Governance.create(POLICY, ENV);
        byte[] sealed = governance.seal("payload".getBytes(StandardCharsets.UTF_8));

        for (int i = 6; i < sealed.length; i++) { // every IV, ciphertext and tag byte
            byte[] altered = sealed.clone();
            altered[i] ^= 0x01;
            assertThatThrownBy(() -> governance.unseal(altered))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("fail authentication");
        }
        byte[] badMagic = sealed.clone();
        badMagic[5] = '2';
        assertThatThrownBy(() -> governance.unseal(badMagic))
                .hasMessageContaining("not sealed bytes");
        assertThatThrownBy(() -> governance.unseal(Arrays.copyOf(sealed, sealed.length - 1)))
                .hasMessageContaining("fail authentication");
        Governance otherKey =
                Governance.create(
                        POLICY,
                        Map.of(
                                        "WEIR_TOKEN_KEY",
                                        Base64.getEncoder().encodeToString(counting(32, 9)))
                                ::get);
        assertThatThrownBy(() -> otherKey.unseal(sealed))
                .hasMessageContaining("fail authentication");
    }

    @Test
    void withoutAKeyThereIsNoSealingAndNoTokensAndNoEnvironmentIsRead() {
        GovernancePolicy maskOnly = GovernancePolicy.parse("fields: {ip_address: {action: mask}}");
        Governance governance =
                Governance.create(
                        maskOnly,
                        name -> {
                            throw new AssertionError("read " + name);
                        });

        assertThat(governance.canSeal()).isFalse();
        assertThat(governance.hasRules()).isTrue();
        assertThatThrownBy(() -> governance.seal(new byte[] {1}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "cannot seal: the governance policy has no key_env, so there is no key");
        assertThatThrownBy(() -> governance.token("x")).isInstanceOf(IllegalStateException.class);
        assertThat(governance.apply(personal()).getIpAddress()).isEqualTo("*****7.99");
    }

    @Test
    void aKeyVariableWithoutTokenizingStillEnablesSealing() {
        GovernancePolicy sealOnly =
                GovernancePolicy.parse("key_env: WEIR_TOKEN_KEY\nfields: {email: {action: keep}}");

        Governance governance = Governance.create(sealOnly, ENV);

        assertThat(governance.canSeal()).isTrue();
        assertThat(governance.hasRules()).isFalse();
        assertThat(governance.apply(personal())).isEqualTo(personal()).isNotSameAs(personal());
        assertThatThrownBy(() -> Governance.create(sealOnly, name -> null))
                .hasMessageContaining("WEIR_TOKEN_KEY");
    }

    @Test
    void noPolicyChangesNothing() {
        Governance governance = Governance.create(GovernancePolicy.none(), name -> null);
        Transaction txn = personal();

        assertThat(governance.hasRules()).isFalse();
        assertThat(governance.canSeal()).isFalse();
        assertThat(governance.apply(txn)).isEqualTo(txn).isNotSameAs(txn);
    }

    @Test
    void theDefaultPolicyTokenizesCardAndEmailAndMasksTheAddress() {
        Transaction governed =
                Governance.create(GovernancePolicy.defaults(), ENV).apply(personal());

        assertThat(governed.getCardNumber()).isEqualTo(hmacToken("4111111111111111"));
        assertThat(governed.getEmail()).isEqualTo(hmacToken("jane@example.com"));
        assertThat(governed.getIpAddress()).isEqualTo("*********");
        assertThat(governed.getDeviceId()).isEqualTo("dev-1");
        assertThat(governed.getAccountId()).isEqualTo("a1");
    }

    private static Transaction personal() {
        return Transaction.newBuilder(TestRecords.txn("t1", "a1", 1_000L, 500))
                .setMerchantId("merch-1")
                .setDeviceId("dev-1")
                .setCardNumber("4111111111111111")
                .setEmail("jane@example.com")
                .setIpAddress("10.5.7.99")
                .build();
    }

    /** The token as specified, computed independently of the code under test. */
    private static String hmacToken(String value) {
        return hmacToken(KEY_BYTES, value);
    }

    private static String hmacToken(byte[] key, String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] digest = mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
            return "tok_"
                    + Base64.getUrlEncoder()
                            .withoutPadding()
                            .encodeToString(digest)
                            .substring(0, 26);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] counting(int length, int start) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (start + i);
        }
        return bytes;
    }
}
