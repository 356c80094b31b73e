package dev.weir.cli.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.reconcile.Reconciliation.DeadLetter;
import dev.weir.cli.reconcile.Reconciliation.Input;
import dev.weir.cli.reconcile.Reconciliation.Outcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReconciliationTest {

    /** Every way an input ends in the pipeline: scored, undecodable, repeated, late. */
    private static final List<Input> INPUTS =
            List.of(
                    new Input(0, 0, "a"),
                    new Input(0, 1, null),
                    new Input(1, 0, "b"),
                    new Input(1, 1, "b"),
                    new Input(1, 2, "c"),
                    new Input(1, 3, "d"));

    private static final DeadLetter UNDECODABLE =
            new DeadLetter(0, 1, null, "cannot decode Avro single-object record: EOFException");
    private static final DeadLetter REPEAT =
            new DeadLetter(-1, -1, "b", "quality: duplicate (transaction id seen within PT1H)");
    private static final DeadLetter LATE =
            new DeadLetter(-1, -1, "c", "event behind the watermark (by 7 s, allowed 1 h)");
    private static final DeadLetter RULE =
            new DeadLetter(1, 3, "ignored: matched by position", "account_id.required (blank)");

    @Test
    void everyInputScoredOnceOrDeadLetteredIsConsistent() {
        Outcome o =
                Reconciliation.of(
                        "store",
                        INPUTS,
                        List.of("a", "b", "outside-the-range"),
                        List.of(
                                UNDECODABLE,
                                REPEAT,
                                LATE,
                                RULE,
                                new DeadLetter(7, 99, null, "another range")));

        assertThat(o.inputs()).isEqualTo(6);
        assertThat(o.scoredOnce()).isEqualTo(2);
        assertThat(o.deadLettersByReason())
                .isEqualTo(
                        Map.of(
                                "cannot decode Avro single-object record: EOFException", 1,
                                "quality: duplicate", 1,
                                "event behind the watermark", 1,
                                "account_id.required", 1));
        assertThat(o.missing()).isEmpty();
        assertThat(o.extraOutputs()).isEmpty();
        assertThat(o.problems()).isZero();
    }

    @Test
    void anInputWithoutScoreOrDeadLetterIsMissing() {
        Outcome o = Reconciliation.of("store", INPUTS, List.of("b"), List.of(REPEAT, LATE, RULE));

        assertThat(o.missing()).containsExactly(new Input(0, 0, "a"), new Input(0, 1, null));
        assertThat(o.extraOutputs()).isEmpty();
        assertThat(o.problems()).isEqualTo(2);
    }

    @Test
    void aRepeatedInputNeedsAnOutputForEachOfItsRecords() {
        Outcome o =
                Reconciliation.of(
                        "store", INPUTS, List.of("a", "b"), List.of(UNDECODABLE, LATE, RULE));

        assertThat(o.missing()).containsExactly(new Input(1, 1, "b"));
    }

    @Test
    void aSecondScoreOrAScoreBesideADeadLetterIsAnExtraOutput() {
        Outcome twice =
                Reconciliation.of(
                        "store",
                        INPUTS,
                        List.of("a", "a", "b"),
                        List.of(UNDECODABLE, REPEAT, LATE, RULE));
        assertThat(twice.extraOutputs()).isEqualTo(Map.of("a", 1));
        assertThat(twice.missing()).isEmpty();

        Outcome scoredAndLate =
                Reconciliation.of(
                        "store",
                        INPUTS,
                        List.of("a", "b", "c"),
                        List.of(UNDECODABLE, REPEAT, LATE, RULE));
        assertThat(scoredAndLate.extraOutputs()).isEqualTo(Map.of("c", 1));

        Outcome letterTwice =
                Reconciliation.of(
                        "store",
                        INPUTS,
                        List.of("a", "b"),
                        List.of(UNDECODABLE, UNDECODABLE, REPEAT, LATE, RULE));
        assertThat(letterTwice.extraOutputs()).isEqualTo(Map.of("0@1", 1));
        assertThat(letterTwice.problems()).isEqualTo(1);
    }

    @Test
    void aCompanionStoreMustHoldEachIdOnceUnlessRepeatsAreAllowed() {
        Outcome features =
                Reconciliation.sameIds(
                        "features", List.of("a", "b"), List.of("b", "b", "x"), false);
        assertThat(features.missing()).containsExactly(new Input(-1, -1, "a"));
        assertThat(features.extraOutputs()).isEqualTo(Map.of("b", 1));

        Outcome decisions =
                Reconciliation.sameIds(
                        "decisions", List.of("a", "b"), List.of("a", "b", "b"), true);
        assertThat(decisions.problems()).isZero();
        assertThat(decisions.scoredOnce()).isEqualTo(2);
    }
}
