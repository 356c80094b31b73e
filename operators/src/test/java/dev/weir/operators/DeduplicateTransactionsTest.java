package dev.weir.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.weir.operators.decode.DeadLetters;
import dev.weir.operators.decode.DecodeTransactions;
import dev.weir.operators.decode.DeduplicateTransactions;
import dev.weir.operators.quality.QualityRules;
import dev.weir.operators.quality.Rule;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Transaction;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The operator keyed as in the pipeline, by transaction id; the rule's window is one minute. */
class DeduplicateTransactionsTest {

    private static final long WINDOW = 60_000;

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void aRepeatedIdWithinTheWindowIsRejectedAndForgottenAfterIt(StateBackends backend)
            throws Exception {
        try (var h = harness(backend, "hard")) {
            h.open();
            h.processElement(TestRecords.txn("t1", "a", 1_000, 10), 1_000);
            h.processElement(TestRecords.txn("t1", "a", 2_000, 10), 2_000);
            h.processElement(TestRecords.txn("t2", "a", 2_500, 10), 2_500);
            assertThat(h.extractOutputValues())
                    .extracting(Transaction::getTransactionId)
                    .containsExactly("t1", "t2");
            assertThat(deadLetters(h))
                    .singleElement()
                    .satisfies(
                            d -> {
                                assertThat(d.getReason())
                                        .isEqualTo(
                                                "quality: transaction_id.duplicate (transaction id seen within PT1M)");
                                assertThat(d.getSourceTopic()).isEqualTo("in");
                                assertThat(d.getSourceOffset()).isEqualTo(-1);
                                assertThat(
                                                Transaction.getDecoder()
                                                        .decode(d.getRaw())
                                                        .getTransactionId())
                                        .isEqualTo("t1");
                            });
            assertThat(h.getSideOutput(DecodeTransactions.REJECTED))
                    .singleElement()
                    .satisfies(
                            r ->
                                    assertThat(r.getValue().getQualityFlags())
                                            .containsExactly("transaction_id.duplicate"));

            h.processWatermark(1_000 + WINDOW);
            assertThat(StateBackends.keyedStateEntries(h)).as("t2 is remembered").isEqualTo(1);
            h.processElement(TestRecords.txn("t2", "a", 61_500, 10), 61_500);
            assertThat(h.extractOutputValues()).as("t2 is still within its window").hasSize(2);
            h.processWatermark(2_500 + WINDOW);
            assertThat(StateBackends.keyedStateEntries(h)).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
            h.processElement(TestRecords.txn("t1", "a", 70_000, 10), 70_000);
            assertThat(h.extractOutputValues()).hasSize(3);
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void aSoftRuleFlagsTheRepeatAndLetsItThrough(StateBackends backend) throws Exception {
        try (var h = harness(backend, "soft")) {
            h.open();
            h.processElement(TestRecords.txn("t1", "a", 1_000, 10), 1_000);
            h.processElement(TestRecords.txn("t1", "a", 2_000, 10), 2_000);
            List<Transaction> out = h.extractOutputValues();
            assertThat(out).hasSize(2);
            assertThat(out.get(0).getQualityFlags()).isEmpty();
            assertThat(out.get(1).getQualityFlags()).containsExactly("transaction_id.duplicate");
            assertThat(h.getSideOutput(DeadLetters.TAG)).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void aRepeatedIdUnderAnotherAccountIsCaught(StateBackends backend) throws Exception {
        try (var h = harness(backend, "hard")) {
            h.open();
            h.processElement(TestRecords.txn("t1", "a", 1_000, 10), 1_000);
            h.processElement(TestRecords.txn("t1", "b", 1_500, 20), 1_500);
            h.processElement(TestRecords.txn("t2", "b", 1_600, 30), 1_600);
            assertThat(h.extractOutputValues())
                    .extracting(Transaction::getTransactionId, Transaction::getAccountId)
                    .containsExactly(tuple("t1", "a"), tuple("t2", "b"));
            assertThat(deadLetters(h))
                    .singleElement()
                    .satisfies(
                            d -> {
                                Transaction repeat = Transaction.getDecoder().decode(d.getRaw());
                                assertThat(repeat.getTransactionId()).isEqualTo("t1");
                                assertThat(repeat.getAccountId()).isEqualTo("b");
                                assertThat(repeat.getQualityFlags())
                                        .containsExactly("transaction_id.duplicate");
                            });
            assertThat(h.getSideOutput(DecodeTransactions.REJECTED))
                    .extracting(r -> r.getValue().getAccountId())
                    .containsExactly("b");
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void aRepeatIsCaughtWithinTheWindowBeforeOrAfterTheFirstAndPassesOutsideIt(
            StateBackends backend) throws Exception {
        try (var h = harness(backend, "soft")) {
            h.open();
            h.processElement(TestRecords.txn("later", "a", 100_000, 10), 100_000);
            h.processElement(TestRecords.txn("later", "a", 100_000 + WINDOW - 1, 10), 100_000);
            h.processElement(TestRecords.txn("later", "a", 100_000 + WINDOW, 10), 100_000);
            h.processElement(TestRecords.txn("earlier", "a", 100_000, 10), 100_000);
            h.processElement(TestRecords.txn("earlier", "a", 100_000 - WINDOW + 1, 10), 100_000);
            h.processElement(TestRecords.txn("earlier", "a", 100_000 - WINDOW, 10), 100_000);
            h.processElement(TestRecords.txn("same", "a", 100_000, 10), 100_000);
            h.processElement(TestRecords.txn("same", "b", 100_000, 10), 100_000);

            assertThat(h.extractOutputValues())
                    .extracting(
                            t ->
                                    t.getTransactionId()
                                            + "@"
                                            + t.getEventTime().toEpochMilli()
                                            + (t.getQualityFlags().isEmpty() ? "" : " flagged"))
                    .containsExactly(
                            "later@100000",
                            "later@159999 flagged",
                            "later@160000",
                            "earlier@100000",
                            "earlier@40001 flagged",
                            "earlier@40000",
                            "same@100000",
                            "same@100000 flagged");
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void stateAndTimersAreClearedOnceTheWindowHasPassed(StateBackends backend) throws Exception {
        try (var h = harness(backend, "hard")) {
            h.open();
            h.processElement(TestRecords.txn("x", "a", 0, 10), 0);
            h.processElement(TestRecords.txn("y", "b", 10_000, 10), 10_000);
            h.processElement(TestRecords.txn("y", "c", 20_000, 10), 20_000);
            assertThat(StateBackends.keyedStateEntries(h)).isEqualTo(2);
            assertThat(h.numEventTimeTimers()).isEqualTo(2);

            // Outside x's window: it passes and x is remembered from the later occurrence, with its
            // timer moved rather than added.
            h.processElement(TestRecords.txn("x", "a", 70_000, 10), 70_000);
            assertThat(StateBackends.keyedStateEntries(h)).isEqualTo(2);
            assertThat(h.numEventTimeTimers()).isEqualTo(2);

            h.processWatermark(10_000 + WINDOW);
            assertThat(StateBackends.keyedStateEntries(h))
                    .as("x is remembered, y is not")
                    .isEqualTo(1);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            h.processElement(TestRecords.txn("x", "d", 100_000, 10), 100_000);
            h.processElement(TestRecords.txn("y", "d", 100_000, 10), 100_000);
            assertThat(h.extractOutputValues())
                    .extracting(t -> t.getTransactionId() + "@" + t.getEventTime().toEpochMilli())
                    .containsExactly("x@0", "y@10000", "x@70000", "y@100000");
            assertThat(deadLetters(h))
                    .extracting(
                            d ->
                                    Transaction.getDecoder()
                                            .decode(d.getRaw())
                                            .getEventTime()
                                            .toEpochMilli())
                    .containsExactly(20_000L, 100_000L);

            h.processWatermark(100_000 + WINDOW);
            assertThat(StateBackends.keyedStateEntries(h)).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void aSnapshotKeepsTheRememberedIds(StateBackends backend) throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(backend, "hard")) {
            h.open();
            h.processElement(TestRecords.txn("t1", "a", 1_000, 10), 1_000);
            h.processElement(TestRecords.txn("t2", "a", 5_000, 10), 5_000);
            snapshot = h.snapshot(1, 5_000);
        }
        try (var h = harness(backend, "hard")) {
            h.initializeState(snapshot);
            h.open();
            assertThat(StateBackends.keyedStateEntries(h)).isEqualTo(2);
            assertThat(h.numEventTimeTimers()).isEqualTo(2);
            h.processElement(TestRecords.txn("t1", "b", 30_000, 10), 30_000);
            h.processElement(TestRecords.txn("t2", "a", 4_000, 10), 30_000);
            h.processElement(TestRecords.txn("t3", "a", 30_000, 10), 30_000);
            assertThat(h.extractOutputValues())
                    .extracting(Transaction::getTransactionId)
                    .containsExactly("t3");
            assertThat(deadLetters(h)).hasSize(2);

            h.processWatermark(1_000 + WINDOW);
            h.processElement(TestRecords.txn("t1", "a", 61_500, 10), 61_500);
            assertThat(h.extractOutputValues())
                    .extracting(Transaction::getTransactionId)
                    .containsExactly("t3", "t1");
            h.processWatermark(61_500 + WINDOW);
            assertThat(StateBackends.keyedStateEntries(h)).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    /** The release before wrote its keys with Flink's string serializer alone. */
    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void theIdsOfTheReleaseBeforeAreRemembered(StateBackends backend) throws Exception {
        OperatorSubtaskState previous;
        try (var h = harness(backend, "hard", Types.STRING)) {
            h.open();
            h.processElement(TestRecords.txn("t1", "a", 1_000, 10), 1_000);
            previous = h.snapshot(1, 1_000);
        }
        try (var h = harness(backend, "hard")) {
            h.initializeState(previous);
            h.open();
            h.processElement(TestRecords.txn("t1", "b", 2_000, 10), 2_000);
            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(deadLetters(h)).hasSize(1);
            h.processWatermark(1_000 + WINDOW);
            assertThat(StateBackends.keyedStateEntries(h)).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void aSavepointOfTheReleaseKeyedByAccountRestoresAndItsStateIsClearedByItsTimers(
            StateBackends backend) throws Exception {
        OperatorSubtaskState previous;
        try (var h =
                backend.keyed(
                        new KeyedProcessOperator<>(new KeyedByAccount()),
                        Transaction::getAccountId,
                        Types.STRING)) {
            h.open();
            h.processElement(TestRecords.txn("t1", "a", 1_000, 10), 1_000);
            h.processElement(TestRecords.txn("t2", "a", 2_000, 10), 2_000);
            h.processElement(TestRecords.txn("t3", "b", 3_000, 10), 3_000);
            previous = h.snapshot(1, 3_000);
        }
        try (var h = harness(backend, "hard")) {
            h.initializeState(previous);
            h.open();
            assertThat(StateBackends.keyedStateEntries(h))
                    .as("the ids of accounts a and b")
                    .isEqualTo(2);
            assertThat(h.numEventTimeTimers()).isEqualTo(3);

            // Ids seen before the upgrade are not remembered across it.
            h.processElement(TestRecords.txn("t1", "a", 4_000, 10), 4_000);
            h.processElement(TestRecords.txn("t1", "a", 5_000, 10), 5_000);
            assertThat(h.extractOutputValues())
                    .extracting(t -> t.getEventTime().toEpochMilli())
                    .containsExactly(4_000L);

            h.processWatermark(1_000 + WINDOW);
            assertThat(StateBackends.keyedStateEntries(h))
                    .as("a's old ids are cleared by its first timer")
                    .isEqualTo(2);
            h.processWatermark(3_000 + WINDOW);
            assertThat(StateBackends.keyedStateEntries(h))
                    .as("t1 is still remembered")
                    .isEqualTo(1);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            h.processWatermark(4_000 + WINDOW);
            assertThat(StateBackends.keyedStateEntries(h)).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    /** What the previous release kept: per account, the event time of each id it used. */
    private static final class KeyedByAccount
            extends KeyedProcessFunction<String, Transaction, Transaction> {

        private transient MapState<String, Long> seen;

        @Override
        public void open(OpenContext context) {
            seen =
                    getRuntimeContext()
                            .getMapState(
                                    new MapStateDescriptor<>("seen-ids", Types.STRING, Types.LONG));
        }

        @Override
        public void processElement(Transaction txn, Context ctx, Collector<Transaction> out)
                throws Exception {
            long time = txn.getEventTime().toEpochMilli();
            seen.put(txn.getTransactionId(), time);
            ctx.timerService().registerEventTimeTimer(time + WINDOW);
            out.collect(txn);
        }
    }

    private static List<DeadLetter> deadLetters(
            KeyedOneInputStreamOperatorTestHarness<String, Transaction, Transaction> h) {
        var side = h.getSideOutput(DeadLetters.TAG);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Transaction, Transaction> harness(
            StateBackends backend, String severity) throws Exception {
        return harness(backend, severity, WeirTypes.TRANSACTION_ID);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Transaction, Transaction> harness(
            StateBackends backend, String severity, TypeInformation<String> keyType)
            throws Exception {
        Rule rule =
                QualityRules.parse(
                                String.join(
                                        "\n",
                                        "rules:",
                                        "  - {field: transaction_id, unique_within: 1m, severity: "
                                                + severity
                                                + "}"))
                        .duplicateRule()
                        .orElseThrow();
        return backend.keyed(
                new KeyedProcessOperator<>(new DeduplicateTransactions(rule, "in")),
                Transaction::getTransactionId,
                keyType);
    }
}
