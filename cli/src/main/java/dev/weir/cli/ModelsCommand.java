package dev.weir.cli;

import dev.weir.cli.promote.PromotionEvidence;
import dev.weir.cli.promote.PromotionsTable;
import dev.weir.cli.train.TrainCommand;
import dev.weir.gates.BatchEvidence;
import dev.weir.gates.Evidence;
import dev.weir.gates.GateCheck;
import dev.weir.gates.GateReport;
import dev.weir.gates.Gates;
import dev.weir.gates.LiveWindows;
import dev.weir.gates.ModelEvidence;
import dev.weir.gates.Promotion;
import dev.weir.gates.Stage;
import dev.weir.jobs.JobArguments;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelMetadata;
import dev.weir.models.Storage;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.iceberg.catalog.Catalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code weir models list|show|promote|rollback|challenger|lineage}: the model registry. */
@Command(
        name = "models",
        description = {
            "The model registry: versions, lineage, champion, challenger, rollback.",
            "Numbered versions with checksums, champion and challenger aliases that "
                    + "move atomically, rollback to the previous champion. With --bootstrap, "
                    + "promote, rollback and challenger also switch running pipelines at "
                    + "once, through the model-control topic."
        },
        subcommands = {
            ModelsCommand.ListModels.class,
            ModelsCommand.Show.class,
            ModelsCommand.Promote.class,
            ModelsCommand.Rollback.class,
            ModelsCommand.Challenger.class,
            ModelLineageCommand.class
        })
public final class ModelsCommand {

    /** The registry every subcommand works on. */
    static final class RegistryOption {
        @Option(
                names = "--registry",
                paramLabel = "DIR",
                defaultValue = Folders.REGISTRY,
                description =
                        "Model registry root (the one `weir train --registry` registers "
                                + "in).%nDefault: ${DEFAULT-VALUE}.")
        String registry;

        ModelRegistry open() {
            return new ModelRegistry(registry);
        }
    }

    /** The model a subcommand acts on. */
    static final class NameOption {
        @Option(
                names = "--name",
                paramLabel = "NAME",
                defaultValue = TrainCommand.DEFAULT_NAME,
                description = "Model name in the registry.%nDefault: ${DEFAULT-VALUE}.")
        String name;
    }

    /** Where a change is announced to running pipelines, when it is. */
    static final class ControlOptions {
        @Option(
                names = "--bootstrap",
                paramLabel = "HOST:PORT",
                description =
                        "Also tell running pipelines now, through the model-control topic of this"
                                + " Kafka; without it, they switch on their next submission.")
        String bootstrap;

        @Option(
                names = "--topic",
                paramLabel = "TOPIC",
                defaultValue = "weir.model-control",
                description = "The model-control topic.%nDefault: ${DEFAULT-VALUE}.")
        String topic;

        @Option(
                names = "--reason",
                paramLabel = "TEXT",
                defaultValue = "weir models",
                description = "Reason recorded with the command.%nDefault: ${DEFAULT-VALUE}.")
        String reason;
    }

    /** Who changes a version's stage, for the audit trail. */
    static final class ByOption {
        @Option(
                names = "--by",
                paramLabel = "WHO",
                description =
                        "Who makes the change, for the audit trail.%nDefault: $USER, else the"
                                + " account this runs as.")
        String by;

        /**
         * {@code --by}, else {@code $USER}, else the account's name (an emergency rollback is never
         * held up by an unset variable); null when none is known.
         */
        String who(java.util.function.Function<String, String> environment) {
            for (String who :
                    java.util.Arrays.asList(
                            by, environment.apply("USER"), System.getProperty("user.name"))) {
                if (who != null && !who.isBlank()) {
                    return who;
                }
            }
            return null;
        }
    }

    private ModelsCommand() {}

    @Command(
            name = "list",
            description = "Every model: its versions, champion, challenger and rollback history.")
    static final class ListModels extends WeirCommand {
        @Mixin RegistryOption registry;

        @Override
        protected void run() {
            ModelRegistry models = registry.open();
            if (models.names().isEmpty()) {
                out.println(
                        "no models in "
                                + models.root()
                                + " (register one with: weir train --registry "
                                + registry.registry
                                + ")");
            }
            for (String name : models.names()) {
                ModelRegistry.Aliases a = models.aliases(name);
                out.printf(
                        "%s  versions %s  champion %s  challenger %s  rollback history %s%n",
                        name, models.versions(name), a.champion(), a.challenger(), a.history());
            }
        }
    }

    @Command(name = "show", description = "A version's location, checksum and hold-out metrics.")
    static final class Show extends WeirCommand {
        @Mixin RegistryOption registry;
        @Mixin NameOption model;

        @Option(
                names = "--version",
                paramLabel = "V",
                description = "The version to show.%nDefault: the champion.")
        String version;

        @Override
        protected void run() {
            ModelRegistry models = registry.open();
            String name = model.name;
            String shown = version != null ? version : models.champion(name).version();
            ModelPointer pointer = models.pointer(name, shown);
            ModelMetadata m = ModelBundle.readMetadata(Storage.path(pointer.location()));
            out.printf(
                    "%s v%s at %s%n  checksum %s%n  created %s, %d training rows, %d hold-out rows%n"
                            + "  hold-out AUC %.4f, AUC-PR %.4f, precision %.3f, recall %.3f at threshold %.4f,"
                            + " Brier %.4f, calibration error %.4f%n  features %s%n",
                    name,
                    shown,
                    pointer.location(),
                    pointer.checksum(),
                    m.createdAt(),
                    m.trainingRows(),
                    m.holdoutRows(),
                    m.holdoutAuc(),
                    m.holdoutAucPr(),
                    m.holdoutPrecision(),
                    m.holdoutRecall(),
                    m.threshold(),
                    m.holdoutBrier(),
                    m.holdoutEce(),
                    m.featureNames());
            out.printf("  stage %s%n", models.stage(name, shown));
        }
    }

    @Command(
            name = "promote",
            description = {
                "Moves a version on the path to live: construct -> test -> live.",
                "--to test makes it the challenger (scored beside the champion on live traffic),"
                        + " --to live the champion. The gates of the step (--gates, else the"
                        + " defaults; models/README.md) are judged first: hold-out and fairness from"
                        + " the version's metadata, batch scores from a backfill scores table, live"
                        + " windows against the champion from the monitoring table. Every gate is"
                        + " printed with its number, threshold and count. A refused promotion changes"
                        + " nothing and exits "
                        + Promote.REFUSED
                        + "; an accepted one is recorded in the registry and in the Iceberg table"
                        + " promotions of the pipeline's catalog (--config)."
            })
    static final class Promote extends WeirCommand {

        /** The exit code when a gate fails and --force is not given. */
        static final int REFUSED = 4;

        @Mixin RegistryOption registry;
        @Mixin NameOption model;

        @Option(
                names = "--version",
                paramLabel = "V",
                required = true,
                description = "The version to promote.")
        String version;

        @Option(
                names = "--to",
                paramLabel = "STAGE",
                defaultValue = "live",
                description = "test (challenger) or live (champion).%nDefault: ${DEFAULT-VALUE}.")
        String to;

        @Option(
                names = "--gates",
                paramLabel = "FILE",
                description =
                        "The gates, a YAML file (models/README.md).%nDefault: the defaults in"
                                + " gates/src/main/resources/"
                                + Gates.DEFAULT_RESOURCE)
        Path gatesFile;

        @Option(
                names = "--force",
                description =
                        "Promote even when gates fail; the failing gates are recorded with the"
                                + " promotion, marked forced.")
        boolean force;

        @Mixin ByOption by;

        @Mixin JobArguments job;

        @Mixin ControlOptions control;

        @Override
        protected void run() {
            Stage target;
            try {
                target = Stage.parse(to);
            } catch (IllegalArgumentException e) {
                throw usage("--to: " + e.getMessage());
            }
            if (target == Stage.CONSTRUCT) {
                throw usage("--to must be test or live: a version is in construct once registered");
            }
            if (job.config() == null && job.settings().isEmpty()) {
                throw usage(
                        "give the pipeline's --config (or --set iceberg.*): promotions are"
                                + " recorded in its Iceberg catalog, and the gates read their"
                                + " evidence there");
            }
            String who = by.who(environment);
            if (who == null) {
                throw usage("--by is needed: neither $USER nor the account's name is known");
            }
            Gates gates = gatesFile == null ? Gates.DEFAULT : Gates.load(gatesFile);
            ModelRegistry models = registry.open();
            String name = model.name;
            ModelPointer pointer = models.pointer(name, version);
            Stage from = models.stage(name, version);
            if (target.compareTo(from) <= 0) {
                throw usage(
                        name + " v" + version + " is in " + from + " already; nothing to promote");
            }
            PipelineConfig config = job.load();
            Catalog catalog = Catalogs.loader(config).loadCatalog();
            PromotionsTable audit = PromotionsTable.open(catalog, config.namespace());

            GateReport report =
                    gates.evaluate(
                            target, evidence(gates.into(target), models, pointer, config, catalog));
            out.printf(
                    "%s v%s: %s -> %s, %d gate(s)%n",
                    name, version, from, target, report.checks().size());
            for (GateCheck c : report.checks()) {
                out.println("  " + c.describe());
            }
            if (!report.passed() && !force) {
                out.printf(
                        "refused: %d gate(s) failed; nothing changed (--force promotes anyway and"
                                + " records it)%n",
                        report.failures().size());
                exitCode = REFUSED;
                return;
            }
            Promotion promotion =
                    new Promotion(
                            name,
                            version,
                            from,
                            target,
                            who,
                            // Iceberg keeps microseconds: the same instant in both records.
                            Instant.now()
                                    .truncatedTo(java.time.temporal.ChronoUnit.MICROS)
                                    .toString(),
                            !report.passed(),
                            control.reason,
                            report.checks());
            ModelRegistry.Aliases aliases = models.promote(promotion);
            try {
                audit.append(promotion);
            } catch (RuntimeException e) {
                throw new IllegalStateException(
                        "promoted, but the audit row could not be written to "
                                + audit.name()
                                + " (the registry keeps the record beside the aliases): "
                                + e.getMessage(),
                        e);
            }
            out.printf(
                    "%s: %s v%s by %s, recorded in %s%n",
                    promotion.forced() ? "FORCED" : "promoted", name, version, who, audit.name());
            print(out, name, aliases);
            if (target == Stage.LIVE) {
                announce(control, name, models, out);
            } else if (control.bootstrap != null) {
                sendChallenger(control, name, pointer, out);
            }
            if (control.bootstrap != null) {
                publishAudit(control.bootstrap, config.monitoringTopic(), promotion);
                out.printf("sent the promotion to %s%n", config.monitoringTopic());
            }
        }

        /** What the step's gates need, and only that. */
        private static Evidence evidence(
                Gates.StageGates gates,
                ModelRegistry models,
                ModelPointer pointer,
                PipelineConfig config,
                Catalog catalog) {
            ModelEvidence metadata = metadataEvidence(pointer);
            PromotionEvidence tables = new PromotionEvidence(catalog, config.namespace());
            BatchEvidence batch =
                    gates.batchScores() == null
                            ? null
                            : tables.batch(
                                    gates.batchScores().table(), pointer.name(), pointer.version());
            LiveWindows.LiveEvidence live = null;
            String champion = models.aliases(pointer.name()).champion();
            if (gates.live() != null && champion != null) {
                live =
                        tables.live(
                                pointer.name(),
                                champion,
                                pointer.version(),
                                gates.live().minLabels());
            }
            return new Evidence(metadata, batch, live);
        }
    }

    @Command(
            name = "rollback",
            description = {
                "Makes the previous champion the champion again.",
                "Not gated (an emergency brake), but recorded in the audit trail as an ungated"
                        + " change: in the registry, in the Iceberg table promotions when the"
                        + " pipeline's --config (or --set iceberg.*) is given, and with --bootstrap"
                        + " as a MODEL record on its monitoring topic."
            })
    static final class Rollback extends WeirCommand {
        @Mixin RegistryOption registry;
        @Mixin NameOption model;
        @Mixin ByOption by;
        @Mixin JobArguments job;
        @Mixin ControlOptions control;

        @Override
        protected void run() {
            String who = by.who(environment);
            if (who == null) {
                throw usage("--by is needed: neither $USER nor the account's name is known");
            }
            PipelineConfig config = UngatedAudit.config(job);
            ModelRegistry models = registry.open();
            ModelRegistry.Recorded rolledBack = models.rollback(model.name, who, control.reason);
            print(out, model.name, rolledBack.aliases());
            // The brake first: running pipelines are told before the audit copies are written.
            announce(control, model.name, models, out);
            UngatedAudit.record(rolledBack.promotion(), config, control, out);
        }
    }

    @Command(
            name = "challenger",
            description = {
                "Sets the challenger, scored beside the champion, or clears it.",
                "Not gated (shadow scoring; weir models promote --to test is the gated way), but"
                        + " recorded in the audit trail as an ungated change: in the registry, in"
                        + " the Iceberg table promotions when the pipeline's --config (or --set"
                        + " iceberg.*) is given, and with --bootstrap as a MODEL record on its"
                        + " monitoring topic."
            })
    static final class Challenger extends WeirCommand {
        @Mixin RegistryOption registry;
        @Mixin NameOption model;

        @Option(
                names = "--version",
                paramLabel = "V|none",
                required = true,
                description = "The challenger's version, or none to clear it.")
        String version;

        @Mixin ByOption by;
        @Mixin JobArguments job;
        @Mixin ControlOptions control;

        @Override
        protected void run() {
            String who = by.who(environment);
            if (who == null) {
                throw usage("--by is needed: neither $USER nor the account's name is known");
            }
            PipelineConfig config = UngatedAudit.config(job);
            ModelRegistry models = registry.open();
            String name = model.name;
            boolean clear = version.equals("none");
            ModelRegistry.Recorded changed =
                    models.setChallenger(name, clear ? null : version, who, control.reason);
            print(out, name, changed.aliases());
            if (control.bootstrap != null) {
                // Sent even when nothing changed: telling the pipelines again is harmless.
                sendChallenger(control, name, clear ? null : models.pointer(name, version), out);
            }
            if (changed.promotion() == null) {
                out.println("nothing changed, nothing recorded");
                return;
            }
            UngatedAudit.record(changed.promotion(), config, control, out);
        }
    }

    /** Where an ungated change is recorded besides the registry, which wrote it first. */
    static final class UngatedAudit {

        private UngatedAudit() {}

        /** The pipeline's configuration when one is given, else null (registry and Kafka only). */
        static PipelineConfig config(JobArguments job) {
            return job.config() == null && job.settings().isEmpty() ? null : job.load();
        }

        /**
         * A row of the promotions table when the pipeline's catalog is configured, and with {@code
         * --bootstrap} a MODEL record on its monitoring topic (without a configuration, the default
         * monitoring topic).
         */
        static void record(
                Promotion change, PipelineConfig config, ControlOptions control, PrintStream out) {
            out.printf("recorded: %s (%s)%n", summary(change), change.ungated());
            if (config != null) {
                PromotionsTable audit =
                        PromotionsTable.open(
                                Catalogs.loader(config).loadCatalog(), config.namespace());
                try {
                    audit.append(change);
                } catch (RuntimeException e) {
                    throw new IllegalStateException(
                            "changed, but the audit row could not be written to "
                                    + audit.name()
                                    + " (the registry keeps the record beside the aliases): "
                                    + e.getMessage(),
                            e);
                }
                out.printf("recorded in %s%n", audit.name());
            }
            if (control.bootstrap != null) {
                String topic =
                        config != null
                                ? config.monitoringTopic()
                                : dev.weir.jobs.config.WeirOptions.TOPIC_MONITORING.defaultValue();
                publishAudit(control.bootstrap, topic, change);
                out.printf("sent the change to %s%n", topic);
            }
        }

        private static String summary(Promotion p) {
            return p.model()
                    + " v"
                    + p.version()
                    + " "
                    + p.from()
                    + " -> "
                    + p.to()
                    + " by "
                    + p.by();
        }
    }

    /**
     * Hold-out and fairness from a version's {@code metadata.json}, as the governor reads them;
     * null when the file cannot be read (every gate that needs it then fails with no evidence).
     */
    static ModelEvidence metadataEvidence(ModelPointer pointer) {
        try {
            return ModelEvidence.fromMetadataJson(
                    Storage.read(
                            new org.apache.flink.core.fs.Path(
                                    Storage.path(pointer.location()), ModelBundle.METADATA_FILE)));
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /** SET_CHALLENGER with the pointer, or CLEAR_CHALLENGER when it is null. */
    static void sendChallenger(
            ControlOptions control, String name, ModelPointer pointer, PrintStream out) {
        boolean clear = pointer == null;
        dev.weir.schemas.ModelControl command =
                dev.weir.schemas.ModelControl.newBuilder()
                        .setCommand(
                                clear
                                        ? dev.weir.schemas.ModelCommand.CLEAR_CHALLENGER
                                        : dev.weir.schemas.ModelCommand.SET_CHALLENGER)
                        .setModelName(name)
                        .setVersion(clear ? null : pointer.version())
                        .setLocation(clear ? null : pointer.location())
                        .setChecksum(clear ? null : pointer.checksum())
                        .setIssuedAt(java.time.Instant.now())
                        .setReason(control.reason)
                        .build();
        publish(control.bootstrap, control.topic, command);
        out.printf("sent %s to %s%n", command.getCommand(), control.topic);
    }

    /**
     * The change of stage as a MODEL monitoring record, as the governor writes its decisions:
     * subject the model, the version, every gate's measured value and threshold by gate name, the
     * stages, who, the failing gates and, for an ungated change, why it was not gated in the note.
     */
    static dev.weir.schemas.MonitoringRecord auditRecord(Promotion p) {
        List<String> failed =
                p.gates().stream().filter(g -> !g.passed()).map(GateCheck::gate).toList();
        return gateRecord(p.model(), p.version(), Instant.parse(p.at()), p.gates())
                .setAlert(p.forced())
                .setNote(
                        (p.ungated() == null ? "promotion " : "ungated ")
                                + p.from()
                                + " -> "
                                + p.to()
                                + " by "
                                + p.by()
                                + (p.forced() ? ", FORCED past failing gates " + failed : "")
                                + (p.ungated() == null ? "" : " (" + p.ungated() + ")")
                                + (p.reason() == null ? "" : ": " + p.reason()))
                .build();
    }

    /**
     * A refused promotion as a MODEL monitoring record, in the form of {@link #auditRecord}: every
     * gate's measured value and threshold by gate name, and in the note the stages, who, each
     * failing gate with its numbers and the version's stage, unchanged.
     */
    static dev.weir.schemas.MonitoringRecord refusalRecord(
            String model,
            String version,
            Stage from,
            Stage to,
            String by,
            Instant at,
            GateReport report,
            String reason) {
        return gateRecord(model, version, at, report.checks())
                .setAlert(false)
                .setNote(
                        "refused "
                                + from
                                + " -> "
                                + to
                                + " by "
                                + by
                                + ": "
                                + report.describeFailures()
                                + " (v"
                                + version
                                + " stays in "
                                + from
                                + ")"
                                + (reason == null ? "" : ": " + reason))
                .build();
    }

    /** A MODEL record at {@code at} with each gate's measured value and threshold. */
    private static dev.weir.schemas.MonitoringRecord.Builder gateRecord(
            String model, String version, Instant at, List<GateCheck> gates) {
        java.util.Map<String, Double> values = new java.util.LinkedHashMap<>();
        java.util.Map<String, Double> thresholds = new java.util.LinkedHashMap<>();
        for (GateCheck g : gates) {
            if (g.measured() != null) {
                values.put("gate." + g.gate(), g.measured());
            }
            thresholds.put("gate." + g.gate(), g.threshold());
        }
        return dev.weir.schemas.MonitoringRecord.newBuilder()
                .setKind(dev.weir.schemas.MonitoringKind.MODEL)
                .setSubject(model)
                .setWindowStart(at)
                .setWindowEnd(at)
                .setModelName(model)
                .setModelVersion(version)
                .setValues(values)
                .setThresholds(thresholds);
    }

    static void publishAudit(String bootstrap, String topic, Promotion p) {
        try {
            publishMonitoring(bootstrap, topic, auditRecord(p));
        } catch (IllegalStateException e) {
            throw new IllegalStateException("changed and recorded, but " + e.getMessage(), e);
        }
    }

    /** Sends one MODEL record, keyed {@code MODEL/<model>}, and waits for the acknowledgement. */
    static void publishMonitoring(
            String bootstrap, String topic, dev.weir.schemas.MonitoringRecord record) {
        try (var producer = dev.weir.cli.kafka.KafkaClients.byteProducer(bootstrap)) {
            byte[] value = dev.weir.schemas.MonitoringRecord.getEncoder().encode(record).array();
            producer.send(
                            new org.apache.kafka.clients.producer.ProducerRecord<>(
                                    topic,
                                    null,
                                    record.getWindowEnd().toEpochMilli(),
                                    ("MODEL/" + record.getModelName())
                                            .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                    value))
                    .get();
        } catch (Exception e) {
            throw new IllegalStateException(
                    "the record could not be sent to " + topic + ": " + e, e);
        }
    }

    /**
     * With {@code --bootstrap}, tells running pipelines to score with the new champion: a
     * USE_CHAMPION command carrying its pointer on the model-control topic.
     */
    static void announce(
            ControlOptions control, String name, ModelRegistry registry, PrintStream out) {
        if (control.bootstrap == null) {
            out.println(
                    "(running pipelines switch on their next submission; add --bootstrap HOST:PORT to switch them now)");
            return;
        }
        ModelPointer champion = registry.champion(name);
        dev.weir.schemas.ModelControl command =
                dev.weir.schemas.ModelControl.newBuilder()
                        .setCommand(dev.weir.schemas.ModelCommand.USE_CHAMPION)
                        .setModelName(name)
                        .setVersion(champion.version())
                        .setLocation(champion.location())
                        .setChecksum(champion.checksum())
                        .setIssuedAt(java.time.Instant.now())
                        .setReason(control.reason)
                        .build();
        publish(control.bootstrap, control.topic, command);
        out.printf("sent USE_CHAMPION %s v%s to %s%n", name, champion.version(), control.topic);
    }

    /** Sends one command, keyed by model name, and waits for the broker's acknowledgement. */
    public static void publish(
            String bootstrap, String topic, dev.weir.schemas.ModelControl command) {
        try (var producer = dev.weir.cli.kafka.KafkaClients.byteProducer(bootstrap)) {
            byte[] value = dev.weir.schemas.ModelControl.getEncoder().encode(command).array();
            producer.send(
                            new org.apache.kafka.clients.producer.ProducerRecord<>(
                                    topic,
                                    null,
                                    command.getIssuedAt().toEpochMilli(),
                                    command.getModelName()
                                            .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                    value))
                    .get();
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot send the model-control command to " + topic + ": " + e, e);
        }
    }

    private static void print(PrintStream out, String name, ModelRegistry.Aliases a) {
        out.printf(
                "%s: champion %s, challenger %s, rollback history %s%n",
                name, a.champion(), a.challenger(), a.history());
    }
}
