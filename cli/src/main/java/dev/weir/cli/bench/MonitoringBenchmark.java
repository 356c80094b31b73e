package dev.weir.cli.bench;

import dev.weir.cli.WeirCommand;
import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.cli.train.SyntheticTrainingSet;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.models.drift.DriftThresholds;
import dev.weir.models.registry.ModelPointer;
import dev.weir.operators.governance.Governance;
import dev.weir.operators.governance.GovernancePolicy;
import dev.weir.operators.kafka.AvroRecordSerializer;
import dev.weir.operators.monitoring.DriftMonitor;
import dev.weir.operators.monitoring.ProfileLoader;
import dev.weir.operators.monitoring.WindowKey;
import dev.weir.operators.quality.QualityRules;
import dev.weir.operators.quality.Verdict;
import dev.weir.operators.quality.Violation;
import dev.weir.schemas.Decision;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weir bench monitoring}: what the pipeline's checks and monitoring cost per event on one
 * core, side by side in one run: decoding alone against decoding plus the default quality rules and
 * governance; the per-subtask drift summary of every feature, the score and the categorical inputs
 * against the reference profile, beside decoding; and, per window, the bytes a subtask ships for
 * drift (its partial) against the scores it would otherwise send to one task.
 */
@Command(
        name = "monitoring",
        description = {
            "What quality rules, governance and drift monitoring cost per event.",
            "On one core: decoding alone and with the quality rules and governance, "
                    + "the drift summary beside decoding, and the bytes per window a subtask "
                    + "ships for drift."
        })
public final class MonitoringBenchmark extends WeirCommand {

    @Option(
            names = "--events",
            paramLabel = "N",
            defaultValue = "200000",
            description = "Events per variant.%nDefault: ${DEFAULT-VALUE}.")
    int events;

    @Option(
            names = "--window-events",
            paramLabel = "N",
            defaultValue = "6000",
            description = "Scores per monitoring window and subtask.%nDefault: ${DEFAULT-VALUE}.")
    int windowEvents;

    @Option(
            names = "--model",
            paramLabel = "DIR",
            description =
                    "The model whose reference profile is used.%nDefault: one trained for the "
                            + "run.")
    Path model;

    @Override
    protected void run() throws Exception {
        atLeast("--events", events, 1_000);
        atLeast("--window-events", windowEvents, 100);
        FeatureSet set = FeatureSets.reference();
        Path modelDir = BenchSupport.givenOrTrained(model);

        // Inputs: encoded payments with personal data, and scores with the reference vectors.
        TransactionGenerator generator = new TransactionGenerator(7L, 8L, 2_000, 0.02);
        BinaryMessageEncoder<Transaction> encoder =
                AvroRecordSerializer.encoderFor(Transaction.class);
        long now = System.currentTimeMillis();
        byte[][] wire = new byte[20_000][];
        for (int i = 0; i < wire.length; i++) {
            wire[i] = encoder.encode(generator.next(now - 60_000 + i).transaction()).array();
        }
        SyntheticTrainingSet vectors =
                SyntheticTrainingSet.generate(set, 11L, 20_000, 2_000, 200, 0.02);
        List<Score> scores = new ArrayList<>();
        for (int i = 0; i < vectors.features().length; i++) {
            scores.add(score(vectors, i));
        }

        BinaryMessageDecoder<Transaction> decoder = Transaction.getDecoder();
        QualityRules rules = QualityRules.defaults();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String encodedKey = Base64.getEncoder().encodeToString(key);
        Governance governance = Governance.create(GovernancePolicy.defaults(), name -> encodedKey);
        DriftMonitor drift =
                new DriftMonitor(
                        ProfileLoader.of(
                                new ModelPointer(null, null, modelDir.toString(), null), null),
                        List.of("country", "channel"),
                        DriftThresholds.DEFAULTS);

        // Warm-up of every path (JIT), not reported.
        decodeOnly(decoder, wire, events / 4);
        checked(decoder, rules, governance, wire, events / 4, now);
        summarise(drift, scores, events / 4);

        double decode = decodeOnly(decoder, wire, events);
        double full = checked(decoder, rules, governance, wire, events, now);
        double summary = summarise(drift, scores, events);
        out.printf(
                "One core, %d events per variant; default quality rules (%d) and personal-data policy%n",
                events, rules.rules().size());
        out.printf("%-52s %12s %10s%n", "variant", "events/s", "x decode");
        out.printf("%-52s %12.0f %10.2f%n", "decode (Avro single-object)", decode, 1.0);
        out.printf(
                "%-52s %12.0f %10.2f%n",
                "decode + quality rules + governance", full, full / decode);
        out.printf(
                "%-52s %12.0f %10.2f%n",
                "drift summary (22 features, score, 2 inputs)", summary, summary / decode);

        // Per window: merge two subtasks' partials and report, and what crosses the network.
        DriftMonitor.DriftWindow a = drift.create("bench", "1");
        DriftMonitor.DriftWindow b = drift.create("bench", "1");
        long scoreBytes = 0;
        BinaryMessageEncoder<Score> scoreEncoder = AvroRecordSerializer.encoderFor(Score.class);
        for (int i = 0; i < windowEvents; i++) {
            Score s = scores.get(i % scores.size());
            drift.add(i % 2 == 0 ? a : b, s);
            scoreBytes += scoreEncoder.encode(s).remaining();
        }
        byte[] partial = a.toBytes();
        WindowKey window = new WindowKey(0, 60_000, "bench", "1");
        int rounds = 200;
        long start = System.nanoTime();
        int records = 0;
        for (int r = 0; r < rounds; r++) {
            DriftMonitor.DriftWindow merged = drift.decode(a.toBytes());
            merged.merge(drift.decode(b.toBytes()));
            records += drift.report(window, merged).size();
        }
        double mergeMillis = (System.nanoTime() - start) / 1e6 / rounds;
        out.printf(
                "%nPer window of %d events on two subtasks: merge + report %.2f ms (%d records);%n",
                windowEvents, mergeMillis, records / rounds);
        out.printf(
                "bytes shipped by one subtask: drift partial %,d vs its %d scores %,d (%.0fx less)%n",
                partial.length,
                windowEvents / 2,
                scoreBytes / 2,
                (scoreBytes / 2.0) / partial.length);
    }

    private static double decodeOnly(
            BinaryMessageDecoder<Transaction> decoder, byte[][] wire, int events) throws Exception {
        long sink = 0;
        long start = System.nanoTime();
        for (int i = 0; i < events; i++) {
            sink += decoder.decode(wire[i % wire.length]).getAmountMinor();
        }
        return rate(events, start, sink);
    }

    private static double checked(
            BinaryMessageDecoder<Transaction> decoder,
            QualityRules rules,
            Governance governance,
            byte[][] wire,
            int events,
            long now)
            throws Exception {
        long sink = 0;
        long start = System.nanoTime();
        for (int i = 0; i < events; i++) {
            Transaction txn = decoder.decode(wire[i % wire.length]);
            Verdict verdict = rules.check(txn, now);
            Transaction governed = governance.apply(txn);
            if (!verdict.passed()) {
                List<String> flags = new ArrayList<>();
                for (Violation v : verdict.soft()) {
                    flags.add(v.rule());
                }
                governed.setQualityFlags(flags);
            }
            sink += governed.getCardNumber().length();
        }
        return rate(events, start, sink);
    }

    private static double summarise(DriftMonitor drift, List<Score> scores, int events) {
        DriftMonitor.DriftWindow window = drift.create("bench", "1");
        long start = System.nanoTime();
        for (int i = 0; i < events; i++) {
            drift.add(window, scores.get(i % scores.size()));
        }
        return rate(events, start, window.toBytes().length);
    }

    private static double rate(int events, long start, long sink) {
        double seconds = (System.nanoTime() - start) / 1e9;
        if (sink == 42) {
            System.out.print("");
        }
        return events / seconds;
    }

    private static Score score(SyntheticTrainingSet set, int row) {
        List<Double> features = new ArrayList<>();
        for (double v : set.features()[row]) {
            features.add(v);
        }
        return Score.newBuilder()
                .setTransactionId("t" + row)
                .setAccountId("a")
                .setMerchantId("m")
                .setScore(set.labels()[row] ? 0.9 : 0.05)
                .setDecision(Decision.APPROVE)
                .setModelName("bench")
                .setModelVersion("1")
                .setFeatures(features)
                .setEventTime(Instant.ofEpochMilli(set.eventTimes()[row]))
                .setScoringTime(Instant.ofEpochMilli(set.eventTimes()[row]))
                .setMonitoredInputs(
                        Map.of(
                                "country",
                                set.inputs().get("country")[row],
                                "channel",
                                set.inputs().get("channel")[row]))
                .build();
    }
}
