package dev.weir.governor;

import static dev.weir.governor.Fixtures.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.statefun.sdk.java.Address;
import org.apache.flink.statefun.sdk.java.io.KafkaEgressMessage;
import org.apache.flink.statefun.sdk.java.message.EgressMessage;
import org.apache.flink.statefun.sdk.java.message.Message;
import org.apache.flink.statefun.sdk.java.message.MessageBuilder;
import org.apache.flink.statefun.sdk.java.testing.SideEffects;
import org.apache.flink.statefun.sdk.java.testing.TestContext;
import org.apache.flink.statefun.sdk.java.types.SimpleType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The functions through the SDK's test context, against a registry on disk. */
class FunctionsTest {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    @TempDir Path registryRoot;

    private static byte[] bytes(MonitoringRecord r) throws Exception {
        ByteBuffer b = MonitoringRecord.getEncoder().encode(r);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** What the Kafka ingress delivers: the record value under the ingress' valueType. */
    private static Message ingress(byte[] value) {
        return MessageBuilder.forAddress(GovernorTypes.ROUTER, "any")
                .withCustomType(
                        SimpleType.simpleImmutableTypeFrom(
                                GovernorTypes.MONITORING_BYTES, b -> b, b -> b),
                        value)
                .build();
    }

    @Test
    void routerForwardsUsedKindsByModelAndDropsTheRest() throws Exception {
        MonitoringRouter router = new MonitoringRouter();
        MonitoringRecord drift = Fixtures.drift(0, "2", "f", true);
        TestContext ctx = TestContext.forTarget(new Address(GovernorTypes.ROUTER, "any"));
        router.apply(ctx, ingress(bytes(drift)));
        assertThat(ctx.getSentMessages())
                .singleElement()
                .satisfies(
                        s -> {
                            assertThat(s.message().targetAddress())
                                    .isEqualTo(new Address(GovernorTypes.MODEL_HEALTH, MODEL));
                            assertThat(
                                            MonitoringRecord.getDecoder()
                                                    .decode(
                                                            s.message()
                                                                    .as(
                                                                            GovernorTypes
                                                                                    .MONITORING_RECORD)))
                                    .isEqualTo(drift);
                        });

        TestContext dropped = TestContext.forTarget(new Address(GovernorTypes.ROUTER, "any"));
        router.apply(
                dropped,
                ingress(
                        bytes(
                                Fixtures.record(
                                        MonitoringKind.QUALITY,
                                        "amount",
                                        0,
                                        "2",
                                        true,
                                        Map.of()))));
        router.apply(
                dropped,
                ingress(
                        bytes(
                                Fixtures.record(
                                        MonitoringKind.MODEL, MODEL, 0, "2", false, Map.of()))));
        MonitoringRecord noModel =
                MonitoringRecord.newBuilder(drift).setModelName("../etc").build();
        router.apply(dropped, ingress(bytes(noModel)));
        long before = MonitoringRouter.UNDECODABLE.get();
        router.apply(dropped, ingress(new byte[] {1, 2, 3}));
        assertThat(dropped.getSentMessages()).isEmpty();
        assertThat(MonitoringRouter.UNDECODABLE.get()).isEqualTo(before + 1);
    }

    @Test
    void modelHealthEmitsTheExactRollbackCommandAndAudit() throws Throwable {
        Path v1 = Files.createDirectories(registryRoot.resolve(MODEL).resolve("1"));
        Files.writeString(v1.resolve("CHECKSUM"), "abc123\n");
        Files.createDirectories(registryRoot.resolve(MODEL).resolve("2"));
        Files.writeString(registryRoot.resolve(MODEL).resolve("2").resolve("CHECKSUM"), "def456\n");
        Files.writeString(
                registryRoot.resolve(MODEL).resolve("aliases.json"),
                "{\"champion\": \"2\", \"challenger\": null, \"history\": [\"1\"]}");
        HealthPolicyEngine engine =
                new HealthPolicyEngine(
                        Policy.DEFAULT,
                        dev.weir.gates.Gates.DEFAULT,
                        new FileRegistry(registryRoot));
        ModelHealth function = new ModelHealth(engine, Clock.fixed(NOW, ZoneOffset.UTC));
        // one context for the address: its storage carries the state from call to call
        TestContext ctx = TestContext.forTarget(new Address(GovernorTypes.MODEL_HEALTH, MODEL));
        for (int w = 0; w < 3; w++) {
            for (MonitoringRecord r :
                    List.of(
                            Fixtures.drift(w, "2", "f", false),
                            Fixtures.performance(w, "2", 0.6, 400))) {
                function.apply(
                        ctx,
                        MessageBuilder.forAddress(GovernorTypes.MODEL_HEALTH, MODEL)
                                .withCustomType(GovernorTypes.MONITORING_RECORD, bytes(r))
                                .build());
            }
            assertThat(ctx.getSentEgressMessages()).hasSize(w < 2 ? 0 : 2);
        }
        assertThat(ctx.storage().get(GovernorTypes.HEALTH_STATE))
                .get()
                .satisfies(s -> assertThat(s.lastAction).isEqualTo("ROLLBACK"));

        HealthState state = new HealthState();
        HealthPolicyEngine replay =
                new HealthPolicyEngine(
                        Policy.DEFAULT,
                        dev.weir.gates.Gates.DEFAULT,
                        new FileRegistry(registryRoot));
        HealthPolicyEngine.Decision decision = null;
        for (int w = 0; w < 3; w++) {
            replay.observe(state, Fixtures.drift(w, "2", "f", false));
            decision =
                    replay.observe(state, Fixtures.performance(w, "2", 0.6, 400))
                            .decision()
                            .orElse(decision);
        }
        ModelControl expected =
                ModelControl.newBuilder()
                        .setCommand(ModelCommand.USE_CHAMPION)
                        .setModelName(MODEL)
                        .setVersion("1")
                        .setLocation(
                                registryRoot
                                        .resolve(MODEL)
                                        .resolve("1")
                                        .toAbsolutePath()
                                        .toString())
                        .setChecksum("abc123")
                        .setIssuedAt(NOW)
                        .setReason("weir governor: " + decision.evidence())
                        .build();
        EgressMessage control =
                KafkaEgressMessage.forEgress(GovernorTypes.MODEL_CONTROL_EGRESS)
                        .withTopic("weir.model-control")
                        .withUtf8Key(MODEL)
                        .withValue(ModelHealth.encode(expected))
                        .build();
        EgressMessage audit =
                KafkaEgressMessage.forEgress(GovernorTypes.AUDIT_EGRESS)
                        .withTopic("weir.monitoring")
                        .withUtf8Key("MODEL/" + MODEL)
                        .withValue(
                                ModelHealth.encode(
                                        Commands.audit(decision, Policy.DEFAULT.thresholds())))
                        .build();
        assertThat(ctx.getSentEgressMessages())
                .containsExactly(SideEffects.sentEgress(control), SideEffects.sentEgress(audit));
    }

    /** v3's metadata: hold-out numbers, and fairness only when {@code fair}. */
    private static String metadata(boolean fair) {
        String fairness =
                ", \"fairness\": {\"attributes\": [{\"attribute\": \"country\","
                        + " \"approvalReference\": \"US\", \"tprReference\": \"US\", \"groups\": ["
                        + "{\"value\": \"US\", \"rows\": 3000, \"positives\": 60,"
                        + " \"disparateImpact\": 1.0, \"equalOpportunityDifference\": 0.0},"
                        + " {\"value\": \"BR\", \"rows\": 800, \"positives\": 20,"
                        + " \"disparateImpact\": 0.92, \"equalOpportunityDifference\": -0.05}]}]}";
        return "{\"holdoutAuc\": 0.9, \"holdoutAucPr\": 0.5, \"holdoutRows\": 5000"
                + (fair ? fairness : "")
                + "}";
    }

    @Test
    void modelHealthReportsARefusedPromotionOnceWithoutACommandThenPromotes() throws Throwable {
        for (String v : List.of("2", "3")) {
            Path dir = Files.createDirectories(registryRoot.resolve(MODEL).resolve(v));
            Files.writeString(dir.resolve("CHECKSUM"), "sum" + v + "\n");
        }
        Path metadata = registryRoot.resolve(MODEL).resolve("3").resolve("metadata.json");
        Files.writeString(metadata, metadata(false));
        Files.writeString(
                registryRoot.resolve(MODEL).resolve("aliases.json"),
                "{\"champion\": \"2\", \"challenger\": \"3\", \"history\": []}");
        FileRegistry registry = new FileRegistry(registryRoot);
        ModelHealth function =
                new ModelHealth(
                        new HealthPolicyEngine(
                                Policy.DEFAULT, dev.weir.gates.Gates.DEFAULT, registry),
                        Clock.fixed(NOW, ZoneOffset.UTC));
        TestContext ctx = TestContext.forTarget(new Address(GovernorTypes.MODEL_HEALTH, MODEL));
        // The same records through the engine alone say what the function must send.
        HealthPolicyEngine replay =
                new HealthPolicyEngine(Policy.DEFAULT, dev.weir.gates.Gates.DEFAULT, registry);
        HealthState state = new HealthState();
        List<EgressMessage> expected = new ArrayList<>();
        List<MonitoringRecord> refusals = new ArrayList<>();
        HealthPolicyEngine.Decision promotion = null;
        for (int w = 0; w < 7; w++) {
            if (w == 6) {
                // Fairness evidence arrives: the gates pass at the next record.
                Files.writeString(metadata, metadata(true));
            }
            for (MonitoringRecord r :
                    List.of(
                            Fixtures.agreement(w, "2", "3", 700),
                            Fixtures.performance(w, "2", 0.80, 300),
                            Fixtures.performance(w, "3", 0.86, 300))) {
                function.apply(
                        ctx,
                        MessageBuilder.forAddress(GovernorTypes.MODEL_HEALTH, MODEL)
                                .withCustomType(GovernorTypes.MONITORING_RECORD, bytes(r))
                                .build());
                HealthPolicyEngine.Outcome outcome = replay.observe(state, r);
                if (outcome.refusal().isPresent()) {
                    MonitoringRecord refusal =
                            Commands.refusal(outcome.refusal().get(), Policy.DEFAULT.thresholds());
                    refusals.add(refusal);
                    expected.add(audit(refusal));
                }
                if (outcome.decision().isPresent()) {
                    promotion = outcome.decision().get();
                    for (ModelControl c : Commands.commands(promotion, NOW)) {
                        expected.add(
                                KafkaEgressMessage.forEgress(GovernorTypes.MODEL_CONTROL_EGRESS)
                                        .withTopic("weir.model-control")
                                        .withUtf8Key(MODEL)
                                        .withValue(ModelHealth.encode(c))
                                        .build());
                    }
                    expected.add(audit(Commands.audit(promotion, Policy.DEFAULT.thresholds())));
                }
            }
        }
        // Windows 2..5 call for the promotion; the gates refuse it each time for the same reason.
        assertThat(refusals)
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.getKind()).isEqualTo(MonitoringKind.MODEL);
                            assertThat(r.getSubject()).isEqualTo(MODEL);
                            assertThat(r.getModelVersion()).isEqualTo("3");
                            assertThat(r.getAlert()).isTrue();
                            assertThat(r.getNote())
                                    .isEqualTo(
                                            "governor refused promotion: v3 over champion v2:"
                                                    + " FAIL fairness.min_disparate_impact: needs"
                                                    + " >= 0.8000; no evidence: the metadata has no"
                                                    + " fairness section");
                            assertThat(r.getValues())
                                    .containsEntry("paired_windows", 3.0)
                                    .containsKeys("challenger_mean_auc", "auc_gain");
                            assertThat(r.getThresholds())
                                    .containsEntry("promote.min_auc_gain", 0.01);
                        });
        assertThat(promotion).isNotNull();
        assertThat(promotion.action()).isEqualTo(HealthPolicyEngine.Action.PROMOTE);
        assertThat(promotion.target().version()).isEqualTo("3");
        // The refusal alone, on the audit egress; then the promotion's commands and its audit.
        assertThat(expected).hasSize(4);
        assertThat(ctx.getSentEgressMessages())
                .containsExactlyElementsOf(expected.stream().map(SideEffects::sentEgress).toList());
    }

    private static EgressMessage audit(MonitoringRecord r) {
        return KafkaEgressMessage.forEgress(GovernorTypes.AUDIT_EGRESS)
                .withTopic("weir.monitoring")
                .withUtf8Key("MODEL/" + MODEL)
                .withValue(ModelHealth.encode(r))
                .build();
    }
}
