package dev.weir.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.operators.decode.DeadLetters;
import dev.weir.operators.decode.DecodeTransactions;
import dev.weir.operators.decode.DeduplicateTransactions;
import dev.weir.operators.quality.QualityRules;
import dev.weir.operators.quality.Rule;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Transaction;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class DeduplicateTransactionsTest {

    @Test
    void aRepeatedIdWithinTheWindowIsRejectedAndForgottenAfterIt() throws Exception {
        try (var h = harness("hard")) {
            h.open();
            h.processElement(TestRecords.txn("t1", "a", 1_000, 10), 1_000);
            h.processElement(TestRecords.txn("t1", "a", 2_000, 10), 2_000);
            h.processElement(TestRecords.txn("t2", "a", 2_500, 10), 2_500);
            assertThat(h.extractOutputValues()).extracting(Transaction::getTransactionId).containsExactly("t1", "t2");
            List<DeadLetter> dead = h.getSideOutput(DeadLetters.TAG).stream().map(StreamRecord::getValue).toList();
            assertThat(dead).singleElement().satisfies(d -> {
                assertThat(d.getReason()).startsWith("quality: transaction_id.duplicate");
                assertThat(Transaction.getDecoder().decode(d.getRaw()).getTransactionId()).isEqualTo("t1");
            });
            assertThat(h.getSideOutput(DecodeTransactions.REJECTED)).singleElement()
                    .satisfies(r -> assertThat(r.getValue().getQualityFlags()).containsExactly("transaction_id.duplicate"));

            h.processWatermark(1_000 + 60_000);
            assertThat(h.numKeyedStateEntries()).isEqualTo(1);
            h.processElement(TestRecords.txn("t2", "a", 61_500, 10), 61_500);
            assertThat(h.extractOutputValues()).as("t2 is still within its window").hasSize(2);
            h.processWatermark(2_500 + 60_000);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
            h.processElement(TestRecords.txn("t1", "a", 70_000, 10), 70_000);
            assertThat(h.extractOutputValues()).hasSize(3);
        }
    }

    @Test
    void aSoftRuleFlagsTheRepeatAndLetsItThrough() throws Exception {
        try (var h = harness("soft")) {
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

    private static KeyedOneInputStreamOperatorTestHarness<String, Transaction, Transaction> harness(String severity)
            throws Exception {
        Rule rule = QualityRules.parse(String.join("\n", "rules:",
                "  - {field: transaction_id, unique_within: 1m, severity: " + severity + "}")).duplicateRule().orElseThrow();
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new DeduplicateTransactions(rule, "in")), Transaction::getAccountId,
                Types.STRING);
    }
}
