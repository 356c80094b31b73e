package dev.weir.state.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The expression language, exactly: every value is compared bit for bit (NaN and -0.0 included),
 * both compiled to slots and evaluated by name, which must agree.
 */
class ExpressionTest {

    /** Numeric record fields of the event, by slot index: amount, missing_amount (absent). */
    private static final double[] NUMBER_FIELDS = {250, Double.NaN};

    /** String record fields, by slot index: channel, country, no_device (absent). */
    private static final String[] TEXT_FIELDS = {"ONLINE", "NL", null};

    /** Values computed before the expression, by slot index: f, g. */
    private static final double[] VALUES = {1.5, -4};

    private static final Map<String, Slot> SLOTS =
            Map.of(
                    "amount", Slot.numberField(0),
                    "missing_amount", Slot.numberField(1),
                    "channel", Slot.textField(0),
                    "country", Slot.textField(1),
                    "no_device", Slot.textField(2),
                    "f", Slot.value(0),
                    "g", Slot.value(1));

    private static final Scope SCOPE = SLOTS::get;

    private static final Frame FRAME =
            new Frame() {
                @Override
                public double fieldNumber(int field) {
                    return NUMBER_FIELDS[field];
                }

                @Override
                public String fieldText(int field) {
                    return TEXT_FIELDS[field];
                }

                @Override
                public double value(int index) {
                    return VALUES[index];
                }
            };

    /** The same event by name, as reference implementations bind it. */
    private static final Expression.Bindings BINDINGS =
            new Expression.Bindings() {
                @Override
                public double number(String name) {
                    Slot slot = SLOTS.get(name);
                    if (slot == null || slot.text()) {
                        return Double.NaN;
                    }
                    return slot.kind() == Slot.Kind.VALUE
                            ? VALUES[slot.index()]
                            : NUMBER_FIELDS[slot.index()];
                }

                @Override
                public String string(String name) {
                    Slot slot = SLOTS.get(name);
                    return slot != null && slot.text() ? TEXT_FIELDS[slot.index()] : null;
                }
            };

    /** The compiled value, after checking that evaluation by name gives the same bits. */
    private static double value(String source) {
        Expression expression = Expression.parse(source);
        double compiled = expression.compile(SCOPE).evaluate(FRAME);
        assertThat(Double.doubleToLongBits(expression.evaluate(BINDINGS)))
                .as("%s evaluated by name", source)
                .isEqualTo(Double.doubleToLongBits(compiled));
        return compiled;
    }

    private static void assertValue(String source, double expected) {
        assertThat(Double.doubleToLongBits(value(source)))
                .as("%s = %s", source, expected)
                .isEqualTo(Double.doubleToLongBits(expected));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            textBlock =
                    """
            1 + 2 * 3            | 7
            (1 + 2) * 3          | 9
            2 * 3 + 4 * 5        | 26
            2 * (3 + 4)          | 14
            10 - 4 - 3           | 3
            10 - (4 - 3)         | 9
            8 / 4 / 2            | 1
            8 / (4 / 2)          | 4
            -2 * 3               | -6
            -2 + 5               | 3
            2 - -1               | 3
            - -2                 | 2
            -(1 - 3)             | 2
            -0                   | -0.0
            0 * -1               | -0.0
            3 > 1 + 1            | 1
            1 + 2 < 4            | 1
            (1 + 2 < 4) + 1      | 2
            not 0 and 0          | 0
            not (0 and 0)        | 1
            1 or 1 and 0         | 1
            (1 or 1) and 0       | 0
            not 1 or 1           | 1
            not (1 or 1)         | 0
            not 1 == 2           | 1
            not not 2            | 1
            0 < 1 and 2 < 3      | 1
            1 AND 0              | 0
            NOT 0                | 1
            0 Or 7               | 1
            2 and -3             | 1
            1 == 1               | 1
            1 != 1               | 0
            1 <= 1               | 1
            1 >= 2               | 0
            amount / 100 + f     | 4
            amount * g           | -1000
            f + g                | -2.5
            1e3                  | 1000
            2.5e-1               | 0.25
            .5                   | 0.5
            """)
    void precedenceAssociativityAndArithmetic(String source, double expected) {
        assertValue(source, expected);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            textBlock =
                    """
            missing_amount                       | NaN
            missing_amount + 1                   | NaN
            missing_amount * 0                   | NaN
            -missing_amount                      | NaN
            1 / 0                                | NaN
            0 / 0                                | NaN
            -1 / 0                               | NaN
            1 / -0                               | NaN
            amount / (f - 1.5)                   | NaN
            (1 / 0) + 1                          | NaN
            missing_amount < 1                   | 0
            missing_amount <= 1                  | 0
            missing_amount > 1                   | 0
            missing_amount >= 1                  | 0
            missing_amount == missing_amount     | 0
            missing_amount != missing_amount     | 1
            missing_amount != 1                  | 1
            1 / 0 == 1 / 0                       | 0
            not missing_amount                   | 1
            not (1 / 0)                          | 1
            missing_amount and 1                 | 0
            1 and missing_amount                 | 0
            missing_amount or 1                  | 1
            missing_amount or 0                  | 0
            0 or missing_amount                  | 0
            log1p(missing_amount)                | NaN
            abs(missing_amount)                  | NaN
            sqrt(missing_amount)                 | NaN
            min(missing_amount, 1)               | NaN
            min(1, missing_amount)               | NaN
            max(missing_amount, 1)               | NaN
            max(1, 1 / 0)                        | NaN
            """)
    void nanPropagatesAndIsFalse(String source, double expected) {
        assertValue(source, expected);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            textBlock =
                    """
            log1p(0)           | 0
            log1p(-0)          | -0.0
            log1p(-1)          | -Infinity
            log1p(-2)          | NaN
            log1p(1e308 * 10)  | Infinity
            LOG1P(0)           | 0
            abs(-3)            | 3
            abs(-0)            | 0.0
            abs(g)             | 4
            sqrt(16)           | 4
            sqrt(-1)           | NaN
            sqrt(-0)           | -0.0
            sqrt(0)            | 0.0
            min(1, 2)          | 1
            min(2, -1)         | -1
            min(-0, 0)         | -0.0
            min(0, -0)         | -0.0
            max(1, 2)          | 2
            max(-0, 0)         | 0.0
            max(0, -0)         | 0.0
            Max(f, g)          | 1.5
            max(1 + 1, 3) * 2  | 6
            """)
    void functions(String source, double expected) {
        assertValue(source, expected);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            textBlock =
                    """
            channel == 'ONLINE'               | 1
            'ONLINE' == channel               | 1
            channel != 'ONLINE'               | 0
            channel == 'online'               | 0
            channel == ' ONLINE'              | 0
            channel == country                | 0
            channel != country                | 1
            channel == channel                | 1
            no_device == 'x'                  | 0
            no_device != 'x'                  | 1
            'x' == no_device                  | 0
            no_device == no_device            | 0
            no_device != no_device            | 1
            channel == no_device              | 0
            channel != no_device              | 1
            'a' == 'a'                        | 1
            '' == ''                          | 1
            'a and b' == 'a and b'            | 1
            'it' == 'it '                     | 0
            channel == 'ONLINE' and amount > 100          | 1
            channel == 'POS' or country == 'NL'           | 1
            not channel == 'ONLINE'                       | 0
            (channel == 'ONLINE') + (country == 'NL')     | 2
            """)
    void stringEqualityAndAbsentStrings(String source, double expected) {
        assertValue(source, expected);
    }

    @Test
    void stringLiteralsKeepEverythingBetweenTheirQuotes() {
        assertValue("'say \"hi\"' == 'say \"hi\"'", 1);
        assertValue("'say \"hi\"' == 'say hi'", 0);
        assertValue("'not 1 or (' == 'not 1 or ('", 1);
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(
            delimiter = '|',
            textBlock =
                    """
            2                  | true
            -1                 | true
            0.5                | true
            0                  | false
            -0                 | false
            missing_amount     | false
            1 / 0              | false
            """)
    void asConditionOnlyZeroAndNaNAreFalse(String source, boolean expected) {
        Expression expression = Expression.parse(source);
        assertThat(expression.compile(SCOPE).test(FRAME)).isEqualTo(expected);
        assertThat(expression.test(BINDINGS)).isEqualTo(expected);
    }

    @Test
    void syntaxErrorsNameTheExpressionAndThePosition() {
        assertParseError("", "in expression \"\" at 0: unexpected end");
        assertParseError("   ", "in expression \"   \" at 3: unexpected end");
        assertParseError("1 +", "in expression \"1 +\" at 3: unexpected end");
        assertParseError("(1 + 2", "in expression \"(1 + 2\" at 6: expected ')'");
        assertParseError("((1)", "in expression \"((1)\" at 4: expected ')'");
        assertParseError("1 + 2)", "in expression \"1 + 2)\" at 5: unexpected ')'");
        assertParseError("1 2", "in expression \"1 2\" at 2: unexpected '2'");
        assertParseError(
                "amount > 1 channel",
                "in expression \"amount > 1 channel\" at 11: unexpected 'channel'");
        assertParseError("1 < 2 < 3", "in expression \"1 < 2 < 3\" at 6: unexpected '< 3'");
        assertParseError("a = 1", "in expression \"a = 1\" at 2: unexpected '= 1'");
        assertParseError("foo(1)", "in expression \"foo(1)\" at 4: unknown function 'foo'");
        assertParseError("exp(1)", "in expression \"exp(1)\" at 4: unknown function 'exp'");
        assertParseError("min(1)", "in expression \"min(1)\" at 6: min takes 2 argument(s)");
        assertParseError("abs(1, 2)", "in expression \"abs(1, 2)\" at 9: abs takes 1 argument(s)");
        assertParseError(
                "max(1, 2, 3)", "in expression \"max(1, 2, 3)\" at 12: max takes 2 argument(s)");
        assertParseError("1.2.3", "in expression \"1.2.3\" at 5: bad number '1.2.3'");
        assertParseError(
                "channel == 'ONLINE",
                "in expression \"channel == 'ONLINE\" at 11: unterminated string");
        assertParseError("'it''s'", "in expression \"'it''s'\" at 4: unexpected ''s''");
        assertParseError("amount # 2", "in expression \"amount # 2\" at 7: unexpected '# 2'");
        assertParseError("# 2", "in expression \"# 2\" at 0: unexpected '#'");
    }

    private static void assertParseError(String source, String message) {
        assertThatThrownBy(() -> Expression.parse(source))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            textBlock =
                    """
            channel > 3               | '>' compares numbers, but channel is a string
            3 <= country              | '<=' compares numbers, but country is a string
            channel < 'ONLINE'        | '<' compares numbers, but channel is a string
            'a' + 1                   | '+' needs numbers, but 'a' is a string
            amount * channel          | '*' needs numbers, but channel is a string
            (channel) / 2             | '/' needs numbers, but channel is a string
            amount == 'x'             | '==' compares two numbers or two strings, but amount is a number and 'x' is a string
            'x' != amount + 1         | '!=' compares two numbers or two strings, but amount + 1 is a number and 'x' is a string
            no_device == f            | '==' compares two numbers or two strings, but f is a number and no_device is a string
            -channel                  | '-' needs a number, but channel is a string
            not channel               | 'not' needs a number, but channel is a string
            channel and 1             | 'and' needs numbers, but channel is a string
            1 or 'yes'                | 'or' needs numbers, but 'yes' is a string
            log1p(channel)            | log1p needs a number, but channel is a string
            abs('3')                  | abs needs a number, but '3' is a string
            sqrt(country)             | sqrt needs a number, but country is a string
            min(channel, 1)           | min needs numbers, but channel is a string
            max(1, no_device)         | max needs numbers, but no_device is a string
            channel                   | the expression must give a number, but channel is a string
            'ONLINE'                  | the expression must give a number, but 'ONLINE' is a string
            amount > 1 and nope       | unknown identifier 'nope'
            """)
    void typeErrorsAndUnknownIdentifiersFailAtCompile(String source, String message) {
        Expression expression = Expression.parse(source);
        assertThatThrownBy(() -> expression.compile(SCOPE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("in expression \"" + source + "\": " + message);
    }

    @Test
    void aScopesReasonForRefusingAnIdentifierIsInTheMessage() {
        Scope refusing =
                name -> {
                    throw new IllegalArgumentException(
                            "unknown identifier '" + name + "': no such field");
                };
        assertThatThrownBy(() -> Expression.parse("1 + amount_major").compile(refusing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "in expression \"1 + amount_major\": unknown identifier 'amount_major': no such field");
    }

    @Test
    void compilingResolvesEachIdentifierOnceAndEvaluatingResolvesNone() {
        List<String> resolved = new ArrayList<>();
        Scope counting =
                name -> {
                    resolved.add(name);
                    return SLOTS.get(name);
                };
        CompiledExpression compiled =
                Expression.parse(
                                "amount + amount * f > 0 and channel == 'ONLINE' and channel != country")
                        .compile(counting);
        assertThat(resolved).containsExactly("amount", "f", "channel", "country");
        resolved.clear();
        assertThat(compiled.evaluate(FRAME)).isEqualTo(1.0);
        assertThat(compiled.test(FRAME)).isTrue();
        assertThat(resolved).isEmpty();
        assertThat(compiled.source())
                .isEqualTo(
                        "amount + amount * f > 0 and channel == 'ONLINE' and channel != country");
    }

    @Test
    void identifiersAreListedOnceInSourceOrder() {
        Expression expression =
                Expression.parse("g + max(amount, f) > 1 and channel == 'X' or amount < g");
        assertThat(expression.identifiers()).containsExactly("g", "amount", "f", "channel");
        assertThat(Expression.parse("last_amounts.2 - 1").identifiers())
                .containsExactly("last_amounts.2");
        assertThat(Expression.parse("1 + 'amount'").identifiers()).isEmpty();
    }

    @Test
    void byNameAStringWhereANumberIsNeededReadsAsNaN() {
        // Evaluation by name has no types: what compiling refuses gives NaN or false there.
        assertThat(Expression.parse("'a' + 1").evaluate(BINDINGS)).isNaN();
        assertThat(Expression.parse("channel > 3").evaluate(BINDINGS)).isEqualTo(0.0);
        assertThat(Expression.parse("amount == 'x'").evaluate(BINDINGS)).isEqualTo(0.0);
        assertThat(Expression.parse("amount != 'x'").evaluate(BINDINGS)).isEqualTo(1.0);
    }
}
