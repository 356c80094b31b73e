package dev.weir.cli.promote;

import static dev.weir.cli.WeirRun.weir;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.IcebergRows;
import dev.weir.cli.WeirRun;
import dev.weir.cli.demo.EmbeddedKafka;
import dev.weir.cli.kafka.KafkaClients;
import dev.weir.gates.GateCheck;
import dev.weir.gates.Promotion;
import dev.weir.gates.Stage;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.models.ModelBundle;
import dev.weir.models.Trainer;
import dev.weir.models.TrainerConfig;
import dev.weir.models.fairness.AttributeFairness;
import dev.weir.models.fairness.FairnessReport;
import dev.weir.models.fairness.GroupFairness;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir models promote --to test|live} against a real registry and a real Iceberg catalog (a
 * local Hadoop catalog): the gates judge the version's metadata, its batch scores and its live
 * windows; refusals change nothing; accepted promotions are recorded in both places.
 */
class PromoteCommandTest {

    private static final long T0 = Instant.parse("2026-12-01T00:00:00Z").toEpochMilli();
    private static final long MINUTE = 60_000L;

    private static ModelBundle trained;

    @TempDir Path dir;

    private ModelRegistry registry;
    private Catalog catalog;
    private String namespace;
    private List<String> catalogArgs;

    @BeforeAll
    static void train() {
        Random random = new Random(5);
        int n = 600;
        double[][] x = new double[n][];
        boolean[] y = new boolean[n];
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextDouble() < 0.1;
            x[i] = new double[] {(y[i] ? 3 : 0) + random.nextGaussian()};
            t[i] = i;
        }
        trained =
                new Trainer(new TrainerConfig(List.of(4), 2, 0.01, 128, 0.2, 1L))
                        .train("m", "x", List.of("f"), x, y, t);
    }

    /** BR approved at {@code brRatio} times the rate of US. */
    private static ModelBundle withFairness(double brRatio) {
        FairnessReport report =
                new FairnessReport(
                        FairnessReport.HOLDOUT,
                        1000,
                        0.5,
                        50,
                        10,
                        0.8,
                        List.of(
                                new AttributeFairness(
                                        "country",
                                        1000,
                                        "US",
                                        "US",
                                        List.of(
                                                new GroupFairness(
                                                        "US", 700, 30, 60, 24, 0.09, 0.8, 0.05, 1.0,
                                                        0.0, false),
                                                new GroupFairness(
                                                        "BR",
                                                        300,
                                                        10,
                                                        90,
                                                        9,
                                                        0.3,
                                                        0.9,
                                                        0.28,
                                                        brRatio,
                                                        0.1,
                                                        brRatio < 0.8)))));
        return trained.withMetadata(trained.metadata().withFairness(report));
    }

    @BeforeEach
    void setUp() {
        registry = new ModelRegistry(dir.resolve("registry"));
        registry.register(withFairness(0.95), null); // v1: champion
        registry.register(withFairness(0.70), null); // v2: unfair
        registry.register(withFairness(0.90), null); // v3: fair
        registry.promote("m", "1");
        Map<String, String> settings =
                Map.of(
                        "kafka.bootstrap-servers", "127.0.0.1:9",
                        "iceberg.warehouse", dir.resolve("warehouse").toString(),
                        "model.dir", dir.resolve("model").toString());
        PipelineConfig config = PipelineConfig.from(settings);
        catalog = Catalogs.loader(config).loadCatalog();
        namespace = config.namespace();
        ((SupportsNamespaces) catalog).createNamespace(Namespace.of(namespace));
        catalogArgs = new ArrayList<>();
        settings.forEach(
                (k, v) -> {
                    catalogArgs.add("--set");
                    catalogArgs.add(k + "=" + v);
                });
    }

    private Path gates(String yaml) throws IOException {
        Path file = dir.resolve("gates-" + System.nanoTime() + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private WeirRun promote(String version, String to, Path gates, String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "models",
                                "promote",
                                "--registry",
                                dir.resolve("registry").toString(),
                                "--name",
                                "m",
                                "--version",
                                version,
                                "--to",
                                to,
                                "--gates",
                                gates.toString(),
                                "--by",
                                "alice"));
        args.addAll(catalogArgs);
        args.addAll(List.of(more));
        return weir(args.toArray(String[]::new));
    }

    private static final String TO_TEST =
            """
            to_test:
              min_auc: 0.5
              fairness: {min_disparate_impact: 0.8, min_group_count: 50}
              batch_scores: {table: scores_backfill, min_rows: 10, max_decline_rate: 0.25}
            """;

    @Test
    void aRefusedPromotionNamesTheFailingGatesWithTheirNumbersAndChangesNothing() throws Exception {
        scores("3", 10, 2); // v2 has no batch rows at all
        WeirRun r = promote("2", "test", gates(TO_TEST));

        assertThat(r.code()).as(r.err()).isEqualTo(4);
        assertThat(r.out())
                .contains("m v2: construct -> test, 4 gate(s)")
                .contains(
                        "  FAIL fairness.min_disparate_impact: 0.7000 < 0.8000 (country=BR: 300"
                                + " rows, 10 frauds, against US; worst of 2 values with at least 50"
                                + " rows)\n")
                .contains(
                        "  FAIL batch_scores.min_rows: 0 < 10 (rows of the version in"
                                + " scores_backfill)\n")
                .contains(
                        "  FAIL batch_scores.max_decline_rate: needs <= 0.2500; no evidence: no"
                                + " rows of the version in scores_backfill\n")
                .contains("refused: 3 gate(s) failed; nothing changed");
        assertThat(r.out()).containsPattern("  PASS min_auc: 0\\.\\d{4} >= 0\\.5000 \\(hold-out");
        assertThat(registry.stage("m", "2")).isEqualTo(Stage.CONSTRUCT);
        assertThat(registry.promotions("m")).isEmpty();
        assertThat(PromotionsTable.open(catalog, namespace).read("m")).isEmpty();
    }

    @Test
    void anAcceptedPathToLiveIsRecordedInTheRegistryAndInIceberg() throws Exception {
        scores("3", 12, 3); // 3 / 12 = 0.25: at the bar, passes
        scores("2", 50, 1);
        WeirRun toTest = promote("3", "test", gates(TO_TEST));

        assertThat(toTest.code()).as(toTest.out() + toTest.err()).isZero();
        assertThat(toTest.out())
                .contains("  PASS fairness.min_disparate_impact: 0.9000 >= 0.8000 (country=BR")
                .contains(
                        "  PASS batch_scores.min_rows: 12 >= 10 (rows of the version in scores_backfill)")
                .contains(
                        "  PASS batch_scores.max_decline_rate: 0.2500 <= 0.2500 (3 declines of 12"
                                + " rows in scores_backfill)")
                .contains("promoted: m v3 by alice, recorded in ")
                .contains("m: champion 1, challenger 3, rollback history []");
        assertThat(registry.stage("m", "3")).isEqualTo(Stage.TEST);

        // Live: v3 beats v1 by 0.06 in three windows with 300 labels each; a thin fourth window
        // (50 labels) and another model's records do not count.
        for (int w = 0; w < 3; w++) {
            monitoring(w, "PERFORMANCE", "m", "1", "m", Map.of("auc", 0.80, "matched", 300.0));
            monitoring(w, "PERFORMANCE", "m", "3", "m", Map.of("auc", 0.86, "matched", 300.0));
            monitoring(
                    w,
                    "AGREEMENT",
                    "3",
                    "1",
                    "m",
                    Map.of("events", 1000.0, "decision_agreement", 0.95, "mean_abs_diff", 0.01));
        }
        monitoring(3, "PERFORMANCE", "m", "1", "m", Map.of("auc", 0.5, "matched", 300.0));
        monitoring(3, "PERFORMANCE", "m", "3", "m", Map.of("auc", 0.99, "matched", 50.0));
        monitoring(0, "PERFORMANCE", "other", "3", "other", Map.of("auc", 0.1, "matched", 900.0));
        String toLive =
                """
                to_live:
                  fairness: {min_disparate_impact: 0.8, min_group_count: 50}
                  live: {min_labels: 200, min_windows: 3, min_auc: 0.75, min_auc_gain: %s, min_agreement: 0.9}
                """;

        WeirRun refused = promote("3", "live", gates(toLive.formatted("0.1")));
        assertThat(refused.code()).isEqualTo(4);
        assertThat(refused.out())
                .contains(
                        "  FAIL live.min_auc_gain: 0.0600 < 0.1000 (challenger 0.8600 minus champion"
                                + " 0.8000 over 3 paired windows)\n")
                .contains(
                        "  PASS live.min_windows: 3 >= 3 (windows in which v3 against champion v1"
                                + " both have at least 200 labels, 900 labels of the challenger in"
                                + " them)\n")
                .contains(
                        "  PASS live.min_agreement: 0.9500 >= 0.9000 (equal decisions over 3000"
                                + " events in 3 windows)\n");
        assertThat(registry.aliases("m").champion()).isEqualTo("1");

        WeirRun accepted = promote("3", "live", gates(toLive.formatted("0.05")), "--reason", "Q4");
        assertThat(accepted.code()).as(accepted.out() + accepted.err()).isZero();
        assertThat(accepted.out()).contains("m: champion 3, challenger null, rollback history [1]");
        assertThat(registry.stage("m", "3")).isEqualTo(Stage.LIVE);

        List<Promotion> inRegistry = registry.promotions("m");
        List<Promotion> inIceberg = PromotionsTable.open(catalog, namespace).read("m");
        assertThat(inIceberg).isEqualTo(inRegistry);
        assertThat(inIceberg)
                .extracting(
                        Promotion::version,
                        Promotion::from,
                        Promotion::to,
                        Promotion::by,
                        Promotion::forced)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "3", Stage.CONSTRUCT, Stage.TEST, "alice", false),
                        org.assertj.core.groups.Tuple.tuple(
                                "3", Stage.TEST, Stage.LIVE, "alice", false));
        Promotion live = inIceberg.get(1);
        assertThat(live.reason()).isEqualTo("Q4");
        assertThat(live.gates())
                .extracting(
                        GateCheck::gate, GateCheck::passed, GateCheck::threshold, GateCheck::count)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "fairness.min_disparate_impact", true, 0.8, 300L),
                        org.assertj.core.groups.Tuple.tuple("live.min_windows", true, 3.0, 900L),
                        org.assertj.core.groups.Tuple.tuple("live.min_auc", true, 0.75, 900L),
                        org.assertj.core.groups.Tuple.tuple("live.min_auc_gain", true, 0.05, 900L),
                        org.assertj.core.groups.Tuple.tuple(
                                "live.min_agreement", true, 0.9, 3000L));
        assertThat(live.gates().get(3).measured())
                .isCloseTo(0.06, org.assertj.core.data.Offset.offset(1e-9));

        // The lineage shows the gates each promotion passed.
        WeirRun lineage =
                weir(
                        "models",
                        "lineage",
                        "--registry",
                        dir.resolve("registry").toString(),
                        "m",
                        "3");
        assertThat(lineage.out())
                .contains("  stage            live\n")
                .contains(
                        "    construct -> test at "
                                + inIceberg.get(0).at()
                                + " by alice: 4 gate(s)\n")
                .contains("      PASS batch_scores.min_rows: 12 >= 10")
                .contains("    test -> live at " + live.at() + " by alice: 5 gate(s)\n")
                .contains("      PASS live.min_auc_gain: 0.0600 >= 0.0500")
                .doesNotContain("none recorded");
    }

    @Test
    void forceRecordsTheFailingGatesAndNoCatalogIsAUsageError() throws Exception {
        WeirRun noCatalog =
                weir(
                        "models",
                        "promote",
                        "--registry",
                        dir.resolve("registry").toString(),
                        "--name",
                        "m",
                        "--version",
                        "2");
        assertThat(noCatalog.code()).isEqualTo(2);
        assertThat(noCatalog.err()).contains("give the pipeline's --config");

        WeirRun forced =
                promote("2", "live", gates(TO_TEST.replace("to_test", "to_live")), "--force");
        assertThat(forced.code()).as(forced.out() + forced.err()).isZero();
        assertThat(forced.out()).contains("FORCED: m v2 by alice");
        assertThat(registry.aliases("m").champion()).isEqualTo("2");
        Promotion p = PromotionsTable.open(catalog, namespace).read("m").get(0);
        assertThat(p.forced()).isTrue();
        assertThat(p.from()).isEqualTo(Stage.CONSTRUCT);
        assertThat(p.gates().stream().filter(g -> !g.passed()).map(GateCheck::gate))
                .containsExactly(
                        "fairness.min_disparate_impact",
                        "batch_scores.min_rows",
                        "batch_scores.max_decline_rate");
    }

    @Test
    void withBootstrapThePipelinesAreToldAndThePromotionGoesOnTheMonitoringTopic()
            throws Exception {
        scores("3", 12, 3);
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            broker.createTopics(1, "weir.model-control", "weir.monitoring");
            WeirRun r =
                    promote(
                            "3",
                            "test",
                            gates(TO_TEST),
                            "--bootstrap",
                            broker.bootstrapServers(),
                            "--reason",
                            "shadow v3");
            assertThat(r.code()).as(r.out() + r.err()).isZero();
            assertThat(r.out())
                    .contains("sent SET_CHALLENGER to weir.model-control")
                    .contains("sent the promotion to weir.monitoring");

            List<ModelControl> commands = new ArrayList<>();
            KafkaClients.readToEnd(
                    broker.bootstrapServers(),
                    "weir.model-control",
                    Duration.ofSeconds(30),
                    rec -> commands.add(decode(ModelControl.getDecoder(), rec.value())));
            assertThat(commands)
                    .singleElement()
                    .satisfies(
                            c -> {
                                assertThat(c.getCommand()).isEqualTo(ModelCommand.SET_CHALLENGER);
                                assertThat(c.getVersion()).isEqualTo("3");
                                assertThat(c.getChecksum())
                                        .isEqualTo(registry.pointer("m", "3").checksum());
                            });

            List<MonitoringRecord> audit = new ArrayList<>();
            KafkaClients.readToEnd(
                    broker.bootstrapServers(),
                    "weir.monitoring",
                    Duration.ofSeconds(30),
                    rec -> audit.add(decode(MonitoringRecord.getDecoder(), rec.value())));
            Promotion recorded = registry.promotions("m").get(0);
            assertThat(audit)
                    .singleElement()
                    .satisfies(
                            a -> {
                                assertThat(a.getKind()).isEqualTo(MonitoringKind.MODEL);
                                assertThat(a.getModelVersion()).isEqualTo("3");
                                assertThat(a.getWindowEnd())
                                        .isEqualTo(
                                                Instant.parse(recorded.at())
                                                        .truncatedTo(
                                                                java.time.temporal.ChronoUnit
                                                                        .MILLIS));
                                assertThat(a.getValues())
                                        .containsEntry("gate.batch_scores.min_rows", 12.0)
                                        .containsEntry("gate.batch_scores.max_decline_rate", 0.25);
                                assertThat(a.getThresholds())
                                        .containsEntry("gate.batch_scores.min_rows", 10.0);
                                assertThat(a.getNote())
                                        .isEqualTo(
                                                "promotion construct -> test by alice: shadow v3");
                            });
        }
    }

    /** {@code weir models COMMAND --registry R --name m ARGS}. */
    private WeirRun models(String command, List<String> args) {
        List<String> all =
                new ArrayList<>(
                        List.of(
                                "models",
                                command,
                                "--registry",
                                dir.resolve("registry").toString(),
                                "--name",
                                "m"));
        all.addAll(args);
        return weir(all.toArray(String[]::new));
    }

    private List<String> withCatalog(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(catalogArgs);
        return all;
    }

    @Test
    void rollbackAndChallengerStayUngatedButAreRecordedInTheRegistryIcebergAndOnTheTopic()
            throws Exception {
        // Champion 3 with v1 before it, both by code, which records nothing.
        registry.promote("m", "3");
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            broker.createTopics(1, "weir.model-control", "weir.monitoring");
            String bootstrap = broker.bootstrapServers();
            // v2 fails the default to_test fairness gate (0.70): set directly all the same.
            WeirRun challenger =
                    models(
                            "challenger",
                            withCatalog(
                                    "--version",
                                    "2",
                                    "--by",
                                    "bob",
                                    "--bootstrap",
                                    bootstrap,
                                    "--reason",
                                    "shadow v2"));
            assertThat(challenger.code()).as(challenger.out() + challenger.err()).isZero();
            assertThat(challenger.out())
                    .contains("m: champion 3, challenger 2, rollback history [1]\n")
                    .contains(
                            "recorded: m v2 construct -> test by bob (challenger set directly:"
                                    + " shadow scoring beside the champion, its decisions unused;"
                                    + " the to_test gates were not judged)\n")
                    .contains("sent the change to weir.monitoring\n");

            WeirRun rollback =
                    models(
                            "rollback",
                            withCatalog(
                                    "--by",
                                    "carol",
                                    "--bootstrap",
                                    bootstrap,
                                    "--reason",
                                    "incident 7"));
            assertThat(rollback.code()).as(rollback.out() + rollback.err()).isZero();
            assertThat(rollback.out())
                    .contains("m: champion 1, challenger 2, rollback history []\n")
                    .contains("sent USE_CHAMPION m v1 to weir.model-control\n");

            // Without --bootstrap and a catalog: the registry's record alone.
            WeirRun cleared = models("challenger", List.of("--version", "none", "--by", "bob"));
            assertThat(cleared.code()).as(cleared.out() + cleared.err()).isZero();
            WeirRun again = models("challenger", withCatalog("--version", "none", "--by", "bob"));
            assertThat(again.out()).contains("nothing changed, nothing recorded");

            List<Promotion> inRegistry = registry.promotions("m");
            assertThat(inRegistry)
                    .extracting(
                            Promotion::version,
                            Promotion::from,
                            Promotion::to,
                            Promotion::by,
                            Promotion::forced,
                            Promotion::reason,
                            p -> p.gates().size())
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(
                                    "2", Stage.CONSTRUCT, Stage.TEST, "bob", false, "shadow v2", 0),
                            org.assertj.core.groups.Tuple.tuple(
                                    "1",
                                    Stage.CONSTRUCT,
                                    Stage.LIVE,
                                    "carol",
                                    false,
                                    "incident 7",
                                    0),
                            org.assertj.core.groups.Tuple.tuple(
                                    "2",
                                    Stage.TEST,
                                    Stage.CONSTRUCT,
                                    "bob",
                                    false,
                                    "weir models",
                                    0));
            assertThat(inRegistry.get(1).ungated())
                    .isEqualTo(
                            "rollback: v1 replaces champion v3, which goes back to construct; an"
                                    + " emergency brake is not gated");
            assertThat(inRegistry.get(2).ungated())
                    .isEqualTo(
                            "challenger cleared directly: v2 is no longer scored beside the"
                                    + " champion");
            // Iceberg holds the two changes made with the catalog, exactly as the registry.
            assertThat(PromotionsTable.open(catalog, namespace).read("m"))
                    .containsExactlyElementsOf(inRegistry.subList(0, 2));

            List<ModelControl> commands = new ArrayList<>();
            KafkaClients.readToEnd(
                    bootstrap,
                    "weir.model-control",
                    Duration.ofSeconds(30),
                    rec -> commands.add(decode(ModelControl.getDecoder(), rec.value())));
            assertThat(commands)
                    .extracting(ModelControl::getCommand, ModelControl::getVersion)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(ModelCommand.SET_CHALLENGER, "2"),
                            org.assertj.core.groups.Tuple.tuple(ModelCommand.USE_CHAMPION, "1"));

            List<MonitoringRecord> audit = new ArrayList<>();
            KafkaClients.readToEnd(
                    bootstrap,
                    "weir.monitoring",
                    Duration.ofSeconds(30),
                    rec -> audit.add(decode(MonitoringRecord.getDecoder(), rec.value())));
            assertThat(audit)
                    .extracting(
                            MonitoringRecord::getKind,
                            MonitoringRecord::getModelVersion,
                            MonitoringRecord::getNote,
                            r -> r.getValues().isEmpty())
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(
                                    MonitoringKind.MODEL,
                                    "2",
                                    "ungated construct -> test by bob (challenger set directly:"
                                            + " shadow scoring beside the champion, its decisions"
                                            + " unused; the to_test gates were not judged): shadow"
                                            + " v2",
                                    true),
                            org.assertj.core.groups.Tuple.tuple(
                                    MonitoringKind.MODEL,
                                    "1",
                                    "ungated construct -> live by carol (rollback: v1 replaces"
                                            + " champion v3, which goes back to construct; an"
                                            + " emergency brake is not gated): incident 7",
                                    true));
        }
    }

    @Test
    void aPromotionsTableOfAnEarlierReleaseGainsTheUngatedColumn() throws Exception {
        Schema earlier =
                new Schema(
                        WeirTables.PROMOTIONS_SCHEMA.columns().stream()
                                .filter(f -> !f.name().equals("ungated"))
                                .toList());
        Table table = table(WeirTables.PROMOTIONS, earlier);
        GenericRecord old = GenericRecord.create(table.schema());
        old.setField("promoted_at", Instant.ofEpochMilli(T0).atOffset(ZoneOffset.UTC));
        old.setField("model_name", "m");
        old.setField("model_version", "1");
        old.setField("from_stage", "construct");
        old.setField("to_stage", "live");
        old.setField("promoted_by", "alice");
        old.setField("forced", true);
        old.setField("reason", null);
        old.setField("gates", List.of());
        IcebergRows.append(table, List.of(old));

        WeirRun challenger = models("challenger", withCatalog("--version", "3", "--by", "bob"));
        assertThat(challenger.code()).as(challenger.out() + challenger.err()).isZero();

        List<Promotion> rows = PromotionsTable.open(catalog, namespace).read("m");
        assertThat(rows)
                .containsExactly(
                        new Promotion(
                                "m",
                                "1",
                                Stage.CONSTRUCT,
                                Stage.LIVE,
                                "alice",
                                Instant.ofEpochMilli(T0).toString(),
                                true,
                                null,
                                List.of()),
                        registry.promotions("m").get(0));
        assertThat(rows.get(1).ungated()).startsWith(Promotion.CHALLENGER_SET + ": ");
    }

    private static <T> T decode(
            org.apache.avro.message.BinaryMessageDecoder<T> decoder, byte[] bytes) {
        try {
            return decoder.decode(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Batch scores of a version: {@code rows} rows, the first {@code declines} declined. */
    private void scores(String version, int rows, int declines) {
        Table table = table("scores_backfill", WeirTables.SCORES_SCHEMA);
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            GenericRecord r = GenericRecord.create(table.schema());
            r.setField("transaction_id", "t" + version + "-" + i);
            r.setField("account_id", "a");
            r.setField("merchant_id", "mm");
            r.setField("score", i < declines ? 0.9 : 0.1);
            r.setField("decision", i < declines ? "DECLINE" : "APPROVE");
            r.setField("model_name", "m");
            r.setField("model_version", version);
            r.setField("features", List.of(1.0));
            r.setField("event_time", Instant.ofEpochMilli(T0 + i).atOffset(ZoneOffset.UTC));
            r.setField("scoring_time", Instant.ofEpochMilli(T0 + i).atOffset(ZoneOffset.UTC));
            records.add(r);
        }
        IcebergRows.append(table, records);
    }

    private void monitoring(
            int window,
            String kind,
            String subject,
            String version,
            String model,
            Map<String, Double> values) {
        Table table = table(WeirTables.MONITORING, WeirTables.MONITORING_SCHEMA);
        GenericRecord r = GenericRecord.create(table.schema());
        r.setField("kind", kind);
        r.setField("subject", subject);
        r.setField(
                "window_start",
                Instant.ofEpochMilli(T0 + window * MINUTE).atOffset(ZoneOffset.UTC));
        r.setField(
                "window_end",
                Instant.ofEpochMilli(T0 + (window + 1) * MINUTE).atOffset(ZoneOffset.UTC));
        r.setField("model_name", model);
        r.setField("model_version", version);
        r.setField("alert", false);
        r.setField("values", values);
        r.setField("thresholds", Map.of());
        IcebergRows.append(table, List.of(r));
    }

    /** The pipeline's schema, unpartitioned: the readers do not depend on the partitioning. */
    private Table table(String name, Schema schema) {
        TableIdentifier id = TableIdentifier.of(namespace, name);
        return catalog.tableExists(id)
                ? catalog.loadTable(id)
                : catalog.createTable(id, schema, PartitionSpec.unpartitioned());
    }
}
