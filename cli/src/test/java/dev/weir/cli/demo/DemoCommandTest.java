package dev.weir.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.schemas.Decision;
import dev.weir.schemas.Reason;
import dev.weir.schemas.Score;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    @Test
    void theLocalFlinkRestartsThreeTimesTwoSecondsApart() {
        Map<String, String> flink =
                DemoCommand.flinkConfiguration(8081, Path.of("/tmp/weir-demo")).toMap();

        assertThat(flink)
                .containsEntry("restart-strategy.type", "fixed-delay")
                .containsEntry("restart-strategy.fixed-delay.attempts", "3")
                .containsEntry("restart-strategy.fixed-delay.delay", "2 s")
                .containsEntry("rest.port", "8081")
                .containsEntry("taskmanager.numberOfTaskSlots", "2")
                .containsEntry("execution.checkpointing.dir", "file:///tmp/weir-demo/checkpoints")
                .hasSize(9);
    }

    @Test
    void aDeclinedPaymentIsShownWithItsReasonCodes() {
        Score score =
                Score.newBuilder()
                        .setTransactionId("tx-42")
                        .setAccountId("acc")
                        .setMerchantId("m")
                        .setScore(0.99987)
                        .setDecision(Decision.DECLINE)
                        .setModelName("fraud-mlp")
                        .setModelVersion("1")
                        .setFeatures(List.of())
                        .setEventTime(Instant.EPOCH)
                        .setScoringTime(Instant.EPOCH)
                        .setReasons(
                                List.of(
                                        new Reason("account.amount_vs_mean_7d", 0.43244),
                                        new Reason("device.accounts_24h", 0.30271),
                                        new Reason("account.txn_count_24h", -0.0512)))
                        .build();

        assertThat(OutputWatcher.describe(score))
                .isEqualTo(
                        "tx-42 score 0.9999: account.amount_vs_mean_7d +0.432,"
                                + " device.accounts_24h +0.303, account.txn_count_24h -0.051");
    }
}
