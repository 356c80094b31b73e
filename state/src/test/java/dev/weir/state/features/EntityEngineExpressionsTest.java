package dev.weir.state.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.schemas.Channel;
import dev.weir.schemas.Transaction;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Filters and derived expressions compiled when an entity is loaded: identifiers resolved against
 * the record schema and the entity's features, type errors and unknown identifiers refused with the
 * feature's name, and the compiled expressions reading the event's fields and values.
 */
class EntityEngineExpressionsTest {

    private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    private static EntityEngine load(FeatureSpec... features) {
        EntitySpec spec =
                new EntitySpec(
                        "account", "account_id", List.of(features), Duration.ofHours(1), null);
        return new EntityEngine(spec, Transaction.getClassSchema());
    }

    private static FeatureSpec count(String filter) {
        return FeatureSpec.of("c", Aggregation.COUNT).filter(filter).window("1h").build();
    }

    private static FeatureSpec derived(String name, String expression) {
        return FeatureSpec.of(name, Aggregation.DERIVED).expression(expression).build();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            textBlock =
                    """
            channel > 3                  | '>' compares numbers, but channel is a string
            country < 'NL'               | '<' compares numbers, but country is a string
            'a' + 1 > 0                  | '+' needs numbers, but 'a' is a string
            amount_minor == 'x'          | '==' compares two numbers or two strings, but amount_minor is a number and 'x' is a string
            event_time != merchant_id    | '!=' compares two numbers or two strings, but event_time is a number and merchant_id is a string
            log1p(device_id) > 0         | log1p needs a number, but device_id is a string
            channel                      | the expression must give a number, but channel is a string
            """)
    void aFilterWithATypeErrorFailsAtLoadNamingItsFeature(String filter, String message) {
        assertThatThrownBy(() -> load(count(filter)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "feature 'c' of entity 'account': in expression \""
                                + filter
                                + "\": "
                                + message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            textBlock =
                    """
            amount_minor * channel       | '*' needs numbers, but channel is a string
            sqrt(currency)               | sqrt needs a number, but currency is a string
            txn_count == 'x'             | '==' compares two numbers or two strings, but txn_count is a number and 'x' is a string
            max(last_amounts.1, country) | max needs numbers, but country is a string
            """)
    void aDerivedFeatureWithATypeErrorFailsAtLoadNamingIt(String expression, String message) {
        assertThatThrownBy(
                        () ->
                                load(
                                        count(null),
                                        lastAmounts(),
                                        txnCount(),
                                        derived("d", expression)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "feature 'd' of entity 'account': in expression \""
                                + expression
                                + "\": "
                                + message);
    }

    @Test
    void unknownIdentifiersFailAtLoad() {
        assertThatThrownBy(() -> load(count("amount_major > 1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "feature 'c' of entity 'account': in expression \"amount_major > 1\": "
                                + "unknown identifier 'amount_major': filters read record fields, and record Transaction has "
                                + "no field 'amount_major' (fields: [transaction_id, account_id,");
        // A filter is evaluated before the features: it cannot read them.
        assertThatThrownBy(() -> load(txnCount(), count("txn_count > 1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "feature 'c' of entity 'account': in expression \"txn_count > 1\": "
                                + "unknown identifier 'txn_count': filters read record fields, and record Transaction has "
                                + "no field 'txn_count'");
        assertThatThrownBy(() -> load(txnCount(), derived("d", "amount_minor / txn_cnt")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "feature 'd' of entity 'account': in expression \"amount_minor / txn_cnt\": "
                                + "unknown identifier 'txn_cnt': not a feature of entity 'account', and record Transaction "
                                + "has no field 'txn_cnt'");
    }

    @Test
    void valuesOfAFeatureAreNamedWithinItsWidth() {
        assertThatThrownBy(() -> load(lastAmounts(), derived("d", "last_amounts.4")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "feature 'd' of entity 'account': in expression \"last_amounts.4\": unknown identifier "
                                + "'last_amounts.4': feature 'last_amounts' has 3 values, last_amounts.1 .. last_amounts.3");
        assertThatThrownBy(() -> load(lastAmounts(), derived("d", "last_amounts.0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown identifier 'last_amounts.0'");
        assertThatThrownBy(() -> load(lastAmounts(), derived("d", "last_amounts.x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown identifier 'last_amounts.x'");
        assertThatThrownBy(() -> load(txnCount(), derived("d", "txn_count.2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "feature 'd' of entity 'account': in expression \"txn_count.2\": unknown identifier "
                                + "'txn_count.2': feature 'txn_count' has one value, txn_count");
    }

    @Test
    void aDerivedFeatureCannotReadADerivedFeatureDeclaredAfterIt() {
        assertThatThrownBy(() -> load(derived("a", "b + 1"), derived("b", "amount_minor")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "feature 'a' of entity 'account': in expression \"b + 1\": "
                                + "refers to derived feature 'b' declared after it");
    }

    @Test
    void compiledExpressionsReadTheEventsFieldsAndTheEntitysValues() {
        EntityEngine engine =
                load(
                        FeatureSpec.of("online_big", Aggregation.COUNT)
                                .filter("channel == 'ONLINE' and amount_minor >= 1000")
                                .window("1h")
                                .build(),
                        derived("is_online", "channel == 'ONLINE'"),
                        derived("no_device", "device_id != 'd1'"),
                        derived("amount_per_txn", "amount_minor / txn_count"),
                        txnCount(),
                        lastAmounts(),
                        derived("change", "last_amounts.1 - last_amounts.2"),
                        derived("doubled", "change * 2 + is_online"),
                        derived("late", "event_time - 1767225600000"));
        EntityState state = engine.newState();
        ColdPanes cold = ColdPanes.inMemory();
        int offset = 2;
        double[] out = new double[offset + engine.width()];

        engine.update(state, cold, txn(Channel.ONLINE, 1_500, "d1", T0), T0, out, offset, null);
        // online_big, is_online, no_device, amount_per_txn, txn_count, last_amounts.1..3, change,
        // doubled, late
        assertThat(out).containsExactly(0, 0, 1, 1, 0, 1_500, 1, 1_500, 0, 0, 1_500, 3_001, 0);

        engine.update(
                state,
                cold,
                txn(Channel.POS, 600, null, T0 + 5_000),
                T0 + 5_000,
                out,
                offset,
                null);
        assertThat(out).containsExactly(0, 0, 1, 0, 1, 300, 2, 600, 1_500, 0, -900, -1_800, 5_000);
    }

    private static FeatureSpec txnCount() {
        return FeatureSpec.of("txn_count", Aggregation.COUNT).window("1h").build();
    }

    private static FeatureSpec lastAmounts() {
        return FeatureSpec.of("last_amounts", Aggregation.LAST_N)
                .field("amount_minor")
                .n(3)
                .build();
    }

    private static Transaction txn(Channel channel, long amount, String device, long time) {
        return Transaction.newBuilder()
                .setTransactionId("t-" + time)
                .setAccountId("a1")
                .setCardId("card-a1")
                .setMerchantId("m1")
                .setMerchantCategory("5411")
                .setDeviceId(device)
                .setAmountMinor(amount)
                .setCurrency("EUR")
                .setCountry("DE")
                .setChannel(channel)
                .setEventTime(Instant.ofEpochMilli(time))
                .build();
    }
}
