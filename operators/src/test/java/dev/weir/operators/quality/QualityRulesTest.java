package dev.weir.operators.quality;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.operators.TestRecords;
import dev.weir.schemas.Channel;
import dev.weir.schemas.Transaction;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class QualityRulesTest {

    private static final long NOW = Instant.parse("2025-06-01T12:00:00Z").toEpochMilli();
    private static final long DAY = Duration.ofDays(1).toMillis();

    @Test
    void requiredFailsOnMissingAndBlankValuesOnly() {
        QualityRules rules =
                QualityRules.parse(
                        """
                rules:
                  - {field: device_id, required: true}
                  - {field: transaction_id, required: true}
                  - {field: channel, required: true}
                """);

        assertThat(rules.check(txn(t -> t.setDeviceId("dev-1")), NOW)).isSameAs(Verdict.PASSED);
        assertThat(hard(rules, t -> t.setDeviceId(null)))
                .containsExactly("device_id.required: missing");
        assertThat(hard(rules, t -> t.setDeviceId("dev-1").setTransactionId(" \t")))
                .containsExactly("transaction_id.required: blank");
    }

    @Test
    void rangeIsInclusiveAndEitherBoundMayBeOpen() {
        QualityRules both =
                QualityRules.parse(
                        "rules: [{field: amount_minor, range: {min: 1, max: 100000000}}]");
        assertThat(both.check(amount(1), NOW).passed()).isTrue();
        assertThat(both.check(amount(100_000_000), NOW).passed()).isTrue();
        assertThat(hard(both, t -> t.setAmountMinor(0)))
                .containsExactly("amount_minor.range: value below min 1");
        assertThat(hard(both, t -> t.setAmountMinor(100_000_001)))
                .containsExactly("amount_minor.range: value above max 100000000");

        QualityRules minOnly =
                QualityRules.parse("rules: [{field: amount_minor, range: {min: 0}}]");
        assertThat(minOnly.check(amount(Long.MAX_VALUE), NOW).passed()).isTrue();
        assertThat(minOnly.check(amount(-1), NOW).rejected()).isTrue();

        QualityRules maxOnly =
                QualityRules.parse("rules: [{field: amount_minor, range: {max: -5}}]");
        assertThat(maxOnly.check(amount(Long.MIN_VALUE), NOW).passed()).isTrue();
        assertThat(maxOnly.check(amount(-4), NOW).rejected()).isTrue();
    }

    @Test
    void rangeComparesLongsExactlyAndFractionsAsDoubles() {
        RangeCheck whole = new RangeCheck(null, new BigDecimal("9007199254740993")); // 2^53 + 1
        assertThat(whole.failure(9_007_199_254_740_993L, NOW)).isNull();
        assertThat(whole.failure(9_007_199_254_740_994L, NOW))
                .isEqualTo("value above max 9007199254740993");
        assertThat(whole.failure(7, NOW)).isNull(); // an int field

        RangeCheck fractional = new RangeCheck(new BigDecimal("0.5"), new BigDecimal("1.5"));
        assertThat(fractional.failure(0.5d, NOW)).isNull();
        assertThat(fractional.failure(1.5f, NOW)).isNull();
        assertThat(fractional.failure(0.49d, NOW)).isEqualTo("value below min 0.5");
        assertThat(fractional.failure(Double.NaN, NOW)).isEqualTo("value is not a number");
        assertThat(fractional.failure(null, NOW)).isNull();
    }

    @Test
    void allowedComparesStringsAndEnumSymbolNames() {
        QualityRules rules =
                QualityRules.parse(
                        """
                rules:
                  - {field: currency, allowed: [EUR, USD, GBP]}
                  - {field: channel, allowed: [POS, ONLINE, ATM]}
                """);

        assertThat(
                        rules.check(txn(t -> t.setCurrency("GBP").setChannel(Channel.ATM)), NOW)
                                .passed())
                .isTrue();
        assertThat(hard(rules, t -> t.setCurrency("eur").setChannel(Channel.UNKNOWN)))
                .containsExactly(
                        "currency.allowed: not one of [EUR, USD, GBP]",
                        "channel.allowed: not one of [POS, ONLINE, ATM]");
    }

    @Test
    void patternMustMatchTheWholeValue() {
        QualityRules rules = QualityRules.parse("rules: [{field: country, pattern: \"[A-Z]{2}\"}]");

        assertThat(rules.check(txn(t -> t.setCountry("DE")), NOW).passed()).isTrue();
        assertThat(hard(rules, t -> t.setCountry("DEU")))
                .containsExactly("country.pattern: does not match [A-Z]{2}");
        assertThat(hard(rules, t -> t.setCountry("de"))).hasSize(1);
        assertThat(hard(rules, t -> t.setCountry(""))).hasSize(1);
    }

    @Test
    void maxLengthCountsCharacters() {
        QualityRules rules = QualityRules.parse("rules: [{field: email, max_length: 10}]");

        assertThat(rules.check(txn(t -> t.setEmail("a@bcdefghi")), NOW).passed()).isTrue();
        assertThat(hard(rules, t -> t.setEmail("a@bcdefghij")))
                .containsExactly("email.max_length: longer than 10 characters");
    }

    @Test
    void aMissingValuePassesEveryCheckButRequired() {
        QualityRules rules =
                QualityRules.parse(
                        """
                rules:
                  - {field: email, pattern: ".+@.+", max_length: 5, allowed: [x]}
                  - {field: ip_address, pattern: "[0-9.]+"}
                """);

        assertThat(rules.rules()).hasSize(4);
        assertThat(rules.check(txn(t -> t.setEmail(null).setIpAddress(null)), NOW))
                .isSameAs(Verdict.PASSED);
    }

    @Test
    void freshnessRejectsOldAndFutureEventTimesAgainstTheGivenProcessingTime() {
        QualityRules rules =
                QualityRules.parse(
                        "rules: [{field: event_time, freshness: {max_age: 7d, max_future: 5m}}]");

        assertThat(rules.check(at(NOW - 7 * DAY), NOW).passed()).isTrue();
        assertThat(rules.check(at(NOW + 300_000), NOW).passed()).isTrue();
        assertThat(hard(rules, t -> t.setEventTime(Instant.ofEpochMilli(NOW - 8 * DAY))))
                .containsExactly(
                        "event_time.freshness: event time 8d before processing time (max_age 7d)");
        assertThat(
                        hard(
                                rules,
                                t ->
                                        t.setEventTime(
                                                Instant.ofEpochMilli(NOW - 7 * DAY - 3_600_001))))
                .containsExactly(
                        "event_time.freshness: event time 7d 1h before processing time (max_age 7d)");
        assertThat(hard(rules, t -> t.setEventTime(Instant.ofEpochMilli(NOW + 300_001))))
                .containsExactly(
                        "event_time.freshness: event time 5m after processing time (max_future 5m)");
    }

    @Test
    void freshnessWithOneOpenLimitNeverOverflows() {
        FreshnessCheck futureOnly = new FreshnessCheck(null, Duration.ZERO);
        assertThat(futureOnly.failure(Instant.ofEpochMilli(Long.MIN_VALUE / 2), NOW)).isNull();
        assertThat(futureOnly.failure(Instant.ofEpochMilli(NOW + 1), NOW))
                .isEqualTo("event time 1ms after processing time (max_future 0s)");
        FreshnessCheck ageOnly = new FreshnessCheck(Duration.ofHours(1), null);
        assertThat(ageOnly.failure(Instant.ofEpochMilli(Long.MAX_VALUE / 2), NOW)).isNull();
        assertThat(ageOnly.failure(NOW - 3_600_000 - 90_000L, NOW)) // a generic record's plain long
                .isEqualTo("event time 1h 1m before processing time (max_age 1h)");
        assertThat(ageOnly.failure(Instant.ofEpochMilli(Long.MIN_VALUE), NOW))
                .startsWith("event time 106751991167d");
        assertThat(futureOnly.failure(Long.MAX_VALUE, Long.MIN_VALUE + 1))
                .contains("after processing time");
    }

    @Test
    void hardAndSoftFailuresAreReportedSeparatelyInDeclarationOrder() {
        QualityRules rules =
                QualityRules.parse(
                        """
                rules:
                  - {field: currency, allowed: [EUR], severity: soft}
                  - {field: amount_minor, range: {min: 1}}
                  - {field: country, pattern: "[A-Z]{2}", severity: SOFT}
                  - {field: card_id, required: true, severity: hard}
                """);

        Verdict verdict =
                rules.check(
                        txn(
                                t ->
                                        t.setCurrency("USD")
                                                .setAmountMinor(0)
                                                .setCountry("x")
                                                .setCardId("")),
                        NOW);

        assertThat(verdict.hard())
                .extracting(Violation::rule)
                .containsExactly("amount_minor.range", "card_id.required");
        assertThat(verdict.soft())
                .extracting(Violation::rule)
                .containsExactly("currency.allowed", "country.pattern");
        assertThat(verdict.rejected()).isTrue();
        assertThat(verdict.reasons())
                .isEqualTo(
                        "amount_minor.range: value below min 1; card_id.required: blank; "
                                + "currency.allowed: not one of [EUR]; country.pattern: does not match [A-Z]{2}");

        Verdict softOnly = rules.check(txn(t -> t.setCurrency("USD")), NOW);
        assertThat(softOnly.rejected()).isFalse();
        assertThat(softOnly.passed()).isFalse();
        assertThat(softOnly.soft()).extracting(Violation::rule).containsExactly("currency.allowed");
    }

    @Test
    void reasonsNeverContainTheValue() {
        QualityRules rules =
                QualityRules.parse(
                        """
                rules:
                  - {field: email, max_length: 5, pattern: "[a-z]+"}
                  - {field: card_number, allowed: ["0"]}
                  - {field: amount_minor, range: {max: 10}}
                """);

        Verdict verdict =
                rules.check(
                        txn(
                                t ->
                                        t.setEmail("secret.person@example.com")
                                                .setCardNumber("4111111111111111")
                                                .setAmountMinor(987_654_321)),
                        NOW);

        assertThat(verdict.hard()).hasSize(4);
        assertThat(verdict.reasons())
                .doesNotContain("secret", "example.com", "4111111111111111", "987654321");
    }

    @Test
    void theDuplicateRuleIsExposedForKeyedStateAndNotEvaluatedPerRecord() {
        QualityRules rules =
                QualityRules.parse(
                        """
                rules:
                  - {field: transaction_id, required: true, unique_within: 1h, severity: soft}
                """);

        Rule duplicate = rules.duplicateRule().orElseThrow();
        assertThat(duplicate.name()).isEqualTo("transaction_id.duplicate");
        assertThat(duplicate.field()).isEqualTo("transaction_id");
        assertThat(duplicate.severity()).isEqualTo(Severity.SOFT);
        assertThat(((DuplicateCheck) duplicate.check()).window()).isEqualTo(Duration.ofHours(1));
        assertThat(rules.rules())
                .extracting(Rule::name)
                .containsExactly("transaction_id.required", "transaction_id.duplicate");

        Verdict verdict = rules.check(txn(t -> {}), NOW);
        assertThat(verdict).isSameAs(Verdict.PASSED);
        Verdict withDuplicate =
                verdict.with(duplicate, ((DuplicateCheck) duplicate.check()).detail());
        assertThat(withDuplicate.soft())
                .containsExactly(
                        new Violation("transaction_id.duplicate", "seen before within 1h"));
        assertThat(withDuplicate.hard()).isEmpty();
        assertThat(
                        QualityRules.parse("rules: [{field: account_id, required: true}]")
                                .duplicateRule())
                .isEmpty();
    }

    @Test
    void noRulesPassEverything() {
        assertThat(QualityRules.none().rules()).isEmpty();
        assertThat(QualityRules.none().duplicateRule()).isEmpty();
        assertThat(QualityRules.none().check(txn(t -> t.setTransactionId("")), NOW))
                .isSameAs(Verdict.PASSED);
        assertThat(QualityRules.parse("rules: []").rules()).isEmpty();
    }

    @Test
    void theDefaultRulesParseAndPassAnOrdinaryPayment() {
        QualityRules rules = QualityRules.defaults();

        assertThat(rules.rules())
                .extracting(Rule::name)
                .containsExactly(
                        "transaction_id.required",
                        "transaction_id.max_length",
                        "transaction_id.duplicate",
                        "account_id.required",
                        "card_id.required",
                        "merchant_id.required",
                        "merchant_category.pattern",
                        "amount_minor.range",
                        "currency.pattern",
                        "country.pattern",
                        "channel.allowed",
                        "email.max_length",
                        "event_time.freshness");
        assertThat(((DuplicateCheck) rules.duplicateRule().orElseThrow().check()).window())
                .isEqualTo(Duration.ofHours(1));
        assertThat(
                        rules.check(
                                txn(
                                        t ->
                                                t.setEmail("user000001@example.com")
                                                        .setCardNumber("4111111111111111")),
                                NOW))
                .isSameAs(Verdict.PASSED);
        Verdict odd = rules.check(txn(t -> t.setChannel(Channel.UNKNOWN).setCurrency("euro")), NOW);
        assertThat(odd.soft()).extracting(Violation::rule).containsExactly("channel.allowed");
        assertThat(odd.hard()).extracting(Violation::rule).containsExactly("currency.pattern");
    }

    @Test
    void rulesSurviveJavaSerializationAsOperatorsShipThem() throws Exception {
        QualityRules rules = QualityRules.defaults();

        QualityRules copy = roundTrip(rules);

        Transaction bad =
                txn(
                        t ->
                                t.setCountry("deu")
                                        .setAmountMinor(0)
                                        .setEventTime(Instant.ofEpochMilli(NOW - 9 * DAY)));
        assertThat(copy.check(bad, NOW)).isEqualTo(rules.check(bad, NOW));
        assertThat(copy.check(bad, NOW).hard()).hasSize(3);
        assertThat(copy.duplicateRule().map(Rule::name)).contains("transaction_id.duplicate");
        assertThat(roundTrip(QualityRules.none()).check(bad, NOW)).isSameAs(Verdict.PASSED);
    }

    private static QualityRules roundTrip(QualityRules rules) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(rules);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (QualityRules) in.readObject();
        }
    }

    private static List<String> hard(QualityRules rules, Consumer<Transaction.Builder> change) {
        Verdict verdict = rules.check(txn(change), NOW);
        assertThat(verdict.soft()).isEmpty();
        return verdict.hard().stream().map(Violation::reason).toList();
    }

    private static Transaction amount(long amount) {
        return txn(t -> t.setAmountMinor(amount));
    }

    private static Transaction at(long eventTime) {
        return txn(t -> t.setEventTime(Instant.ofEpochMilli(eventTime)));
    }

    private static Transaction txn(Consumer<Transaction.Builder> change) {
        Transaction.Builder builder =
                Transaction.newBuilder(TestRecords.txn("t1", "a1", NOW - 1_000, 500));
        change.accept(builder);
        return builder.build();
    }
}
