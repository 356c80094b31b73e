package dev.weir.cli;

import static dev.weir.cli.WeirRun.weir;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.demo.EmbeddedKafka;
import dev.weir.cli.kafka.KafkaClients;
import dev.weir.cli.kafka.WeirRecordDecoder;
import dev.weir.operators.governance.Governance;
import dev.weir.operators.governance.GovernancePolicy;
import dev.weir.operators.kafka.ReleasedSchemas;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Decision;
import dev.weir.schemas.Reason;
import dev.weir.schemas.Score;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsumeCommandTest {

    private static final Pattern SUMMARY =
            Pattern.compile(
                    "latency  (\\d+) decisions: event->received p50 (-?\\d+) ms, p99 (-?\\d+) ms,"
                            + " p99\\.9 (-?\\d+) ms, max (-?\\d+) ms; scored->received p50"
                            + " (-?\\d+) ms, p99 (-?\\d+) ms, p99\\.9 (-?\\d+) ms, max (-?\\d+)"
                            + " ms; 2 records skipped \\(not a Score\\)");

    @TempDir Path dir;

    /**
     * Scores whose event times lie exactly 60, 120 and 180 s before they are written: whatever the
     * broker and the consumer add, a consumer receives them at least that late, and at most as late
     * plus the time the test took. So the nearest-rank percentiles of the three are known within
     * that time; a value that is not a Score and one that is no Weir record are skipped.
     */
    @Test
    void latencyReportsEveryScoreFromItsEventAndScoringTimeAndSkipsTheRest() throws Exception {
        String topic = "weir.decisions";
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            broker.createTopics(2, topic);
            long written = System.currentTimeMillis();
            try (KafkaProducer<byte[], byte[]> producer =
                    KafkaClients.byteProducer(broker.bootstrapServers())) {
                for (int i = 1; i <= 3; i++) {
                    // Scored 10 s after the event: scored->received is 10 s shorter.
                    Instant event = Instant.ofEpochMilli(written - i * 60_000L);
                    producer.send(new ProducerRecord<>(topic, scoreBytes("tx-" + i, event))).get();
                }
                producer.send(new ProducerRecord<>(topic, deadLetterBytes())).get();
                producer.send(new ProducerRecord<>(topic, new byte[] {5, 6})).get();
            }

            WeirRun quiet =
                    weir(
                            "consume",
                            "--bootstrap",
                            broker.bootstrapServers(),
                            "--topic",
                            topic,
                            "--max",
                            "5",
                            "--latency",
                            "--no-records");
            long took = System.currentTimeMillis() - written;
            assertThat(quiet.code()).as(quiet.err()).isZero();
            List<String> lines = quiet.out().lines().toList();
            assertThat(lines).as(quiet.out()).hasSize(1);
            Matcher summary = SUMMARY.matcher(lines.get(0));
            assertThat(summary.matches()).as(lines.get(0)).isTrue();
            assertThat(summary.group(1)).isEqualTo("3");
            // Nearest rank of 3 values: p50 is the second, p99, p99.9 and max the third.
            assertThat(Long.parseLong(summary.group(2))).isBetween(120_000L, 120_000L + took);
            for (int g = 3; g <= 5; g++) {
                assertThat(Long.parseLong(summary.group(g))).isBetween(180_000L, 180_000L + took);
            }
            assertThat(Long.parseLong(summary.group(6))).isBetween(110_000L, 110_000L + took);
            for (int g = 7; g <= 9; g++) {
                assertThat(Long.parseLong(summary.group(g))).isBetween(170_000L, 170_000L + took);
            }

            // Without --no-records the records print as ever, the summary after them.
            WeirRun printing =
                    weir(
                            "consume",
                            "--bootstrap",
                            broker.bootstrapServers(),
                            "--topic",
                            topic,
                            "--max",
                            "5",
                            "--latency");
            assertThat(printing.code()).as(printing.err()).isZero();
            List<String> printed = printing.out().lines().toList();
            assertThat(printed).hasSize(6);
            assertThat(printed.subList(0, 5))
                    .filteredOn(l -> l.contains("\"transaction_id\": \"tx-"))
                    .hasSize(3);
            assertThat(printed.subList(0, 5)).filteredOn(l -> l.contains("undecodable")).hasSize(1);
            assertThat(SUMMARY.matcher(printed.get(5)).matches()).as(printed.get(5)).isTrue();
        }
    }

    @Test
    void progressReportsTheScoresSinceTheLastReportOnly() throws Exception {
        WeirRecordDecoder decoders = new WeirRecordDecoder(null, System::getenv);
        ConsumeCommand.Latencies latencies = new ConsumeCommand.Latencies();
        assertThat(latencies.sinceLastProgress()).isEqualTo("latency  last 5 s: no decisions");
        assertThat(latencies.summary()).isEqualTo("latency  0 decisions");

        for (long ms : new long[] {400, 100, 300, 200}) {
            latencies.add(
                    decoders, scoreBytes("tx-" + ms, Instant.ofEpochMilli(1_000)), 1_000 + ms);
        }
        assertThat(latencies.sinceLastProgress())
                .isEqualTo(
                        "latency  last 5 s: 4 decisions: event->received p50 200 ms, p99 400 ms;"
                                + " scored->received p50 -9800 ms, p99 -9600 ms");
        latencies.add(decoders, scoreBytes("tx-late", Instant.ofEpochMilli(1_000)), 31_000);
        latencies.add(decoders, deadLetterBytes(), 31_000);
        assertThat(latencies.sinceLastProgress())
                .isEqualTo(
                        "latency  last 5 s: 1 decision: event->received p50 30000 ms, p99 30000"
                                + " ms; scored->received p50 20000 ms, p99 20000 ms");
        assertThat(latencies.sinceLastProgress()).isEqualTo("latency  last 5 s: no decisions");
        assertThat(latencies.summary())
                .isEqualTo(
                        "latency  5 decisions: event->received p50 300 ms, p99 30000 ms, p99.9"
                                + " 30000 ms, max 30000 ms; scored->received p50 -9700 ms, p99"
                                + " 20000 ms, p99.9 20000 ms, max 20000 ms; 1 record skipped (not a"
                                + " Score)");
    }

    /** A Score of the event at {@code event}, scored 10 s later. */
    private static byte[] scoreBytes(String transactionId, Instant event) throws Exception {
        Score score =
                Score.newBuilder()
                        .setTransactionId(transactionId)
                        .setAccountId("acc")
                        .setMerchantId("m")
                        .setScore(0.1)
                        .setDecision(Decision.APPROVE)
                        .setModelName("fraud-mlp")
                        .setModelVersion("3")
                        .setFeatures(List.of(1.0))
                        .setEventTime(event)
                        .setScoringTime(event.plusSeconds(10))
                        .build();
        return Score.getEncoder().encode(score).array();
    }

    private static byte[] deadLetterBytes() throws Exception {
        DeadLetter letter =
                DeadLetter.newBuilder()
                        .setRaw(ByteBuffer.wrap(new byte[] {1}))
                        .setRawSealed(false)
                        .setSourceTopic("weir.transactions")
                        .setSourcePartition(0)
                        .setSourceOffset(1)
                        .setReason("cannot decode")
                        .setDeadLetterTime(Instant.ofEpochMilli(1))
                        .build();
        return DeadLetter.getEncoder().encode(letter).array();
    }

    @Test
    void unsealShowsTheOriginalBytesOfASealedDeadLetterOnlyWithTheKey() throws Exception {
        Governance governance = Governance.create(GovernancePolicy.defaults(), System::getenv);
        byte[] original = "card 4111111111111111, cut short".getBytes(StandardCharsets.UTF_8);
        DeadLetter letter =
                DeadLetter.newBuilder()
                        .setRaw(ByteBuffer.wrap(governance.seal(original)))
                        .setRawSealed(true)
                        .setSourceTopic("weir.transactions")
                        .setSourcePartition(0)
                        .setSourceOffset(7)
                        .setReason("cannot decode")
                        .setDeadLetterTime(Instant.ofEpochMilli(1))
                        .build();
        byte[] value = DeadLetter.getEncoder().encode(letter).array();

        WeirRecordDecoder decoders = new WeirRecordDecoder(null, System::getenv);
        String plain = ConsumeCommand.toJson(decoders, value);
        assertThat(plain).contains("\"raw_sealed\": true").doesNotContain("4111111111111111");

        String opened = ConsumeCommand.unsealed(decoders, value, governance);
        assertThat(opened).contains(Base64.getEncoder().encodeToString(original));
    }

    @Test
    void valuesThatAreNotWeirRecordsSayWhy() throws Exception {
        WeirRecordDecoder decoders = new WeirRecordDecoder(null, System::getenv);
        assertThat(ConsumeCommand.toJson(decoders, new byte[] {0, 0, 0, 0, 7, 2}))
                .isEqualTo(
                        "{\"undecodable\": \"in Confluent's wire format, and no schema registry"
                                + " was given\", \"bytes\": 6}");
        assertThat(ConsumeCommand.toJson(decoders, new byte[] {(byte) 0xC3, 1, 9, 9, 9}))
                .contains("\"undecodable\": \"")
                .contains("\"bytes\": 5");
        assertThat(ConsumeCommand.toJson(decoders, new byte[0]))
                .isEqualTo("{\"undecodable\": \"empty value\", \"bytes\": 0}");
        assertThat(ConsumeCommand.toJson(decoders, new byte[] {5, 6}))
                .isEqualTo(
                        "{\"undecodable\": \"neither single-object nor Confluent framing\","
                                + " \"bytes\": 2}");
    }

    @Test
    void aScorePrintsWithItsReasonCodesAndOneOfTheReleasedSchemaStillPrints() throws Exception {
        Score score =
                Score.newBuilder()
                        .setTransactionId("tx-1")
                        .setAccountId("acc")
                        .setMerchantId("m")
                        .setScore(0.93)
                        .setDecision(Decision.DECLINE)
                        .setModelName("fraud-mlp")
                        .setModelVersion("3")
                        .setFeatures(List.of(1.0, 2.0))
                        .setEventTime(Instant.ofEpochMilli(1))
                        .setScoringTime(Instant.ofEpochMilli(2))
                        .setReasons(
                                List.of(
                                        new Reason("account.amount_vs_mean_7d", 0.41),
                                        new Reason("account.countries_24h", 0.22),
                                        new Reason("account.txn_count_24h", -0.05)))
                        .build();
        WeirRecordDecoder decoders = new WeirRecordDecoder(null, System::getenv);

        String printed = ConsumeCommand.toJson(decoders, Score.getEncoder().encode(score).array());
        assertThat(printed)
                .contains(
                        "\"reasons\": [{\"feature\": \"account.amount_vs_mean_7d\", \"contribution\":"
                                + " 0.41}, {\"feature\": \"account.countries_24h\", \"contribution\":"
                                + " 0.22}, {\"feature\": \"account.txn_count_24h\", \"contribution\":"
                                + " -0.05}]");

        // A score the release before wrote: no reasons, and still readable.
        Schema v1 = ReleasedSchemas.released("Score-v1.avsc");
        GenericRecord old = new GenericData.Record(v1);
        old.put("transaction_id", "tx-0");
        old.put("account_id", "acc");
        old.put("merchant_id", "m");
        old.put("score", 0.1);
        old.put(
                "decision",
                new GenericData.EnumSymbol(v1.getField("decision").schema(), "APPROVE"));
        old.put("model_name", "fraud-mlp");
        old.put("model_version", "2");
        old.put("features", List.of(1.0));
        old.put("event_time", 1L);
        old.put("scoring_time", 2L);
        old.put("batch_size", 1);
        old.put("scoring_latency_micros", 0L);
        old.put("monitored_inputs", java.util.Map.of());
        byte[] oldBytes =
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old).array();
        assertThat(ConsumeCommand.toJson(decoders, oldBytes))
                .contains("\"transaction_id\": \"tx-0\"")
                .contains("\"reasons\": []");
    }
}
