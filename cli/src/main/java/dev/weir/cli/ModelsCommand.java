package dev.weir.cli;

import dev.weir.cli.train.TrainCommand;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelMetadata;
import dev.weir.models.Storage;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import java.io.PrintStream;
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
        }
    }

    @Command(name = "promote", description = "Makes a version the champion.")
    static final class Promote extends WeirCommand {
        @Mixin RegistryOption registry;
        @Mixin NameOption model;

        @Option(
                names = "--version",
                paramLabel = "V",
                required = true,
                description = "The version to promote.")
        String version;

        @Mixin ControlOptions control;

        @Override
        protected void run() {
            ModelRegistry models = registry.open();
            print(out, model.name, models.promote(model.name, version));
            announce(control, model.name, models, out);
        }
    }

    @Command(name = "rollback", description = "Makes the previous champion the champion again.")
    static final class Rollback extends WeirCommand {
        @Mixin RegistryOption registry;
        @Mixin NameOption model;
        @Mixin ControlOptions control;

        @Override
        protected void run() {
            ModelRegistry models = registry.open();
            print(out, model.name, models.rollback(model.name));
            announce(control, model.name, models, out);
        }
    }

    @Command(
            name = "challenger",
            description = "Sets the challenger, scored beside the champion, or clears it.")
    static final class Challenger extends WeirCommand {
        @Mixin RegistryOption registry;
        @Mixin NameOption model;

        @Option(
                names = "--version",
                paramLabel = "V|none",
                required = true,
                description = "The challenger's version, or none to clear it.")
        String version;

        @Mixin ControlOptions control;

        @Override
        protected void run() {
            ModelRegistry models = registry.open();
            String name = model.name;
            boolean clear = version.equals("none");
            print(out, name, models.setChallenger(name, clear ? null : version));
            if (control.bootstrap != null) {
                ModelPointer pointer = clear ? null : models.pointer(name, version);
                dev.weir.schemas.ModelControl command =
                        dev.weir.schemas.ModelControl.newBuilder()
                                .setCommand(
                                        clear
                                                ? dev.weir.schemas.ModelCommand.CLEAR_CHALLENGER
                                                : dev.weir.schemas.ModelCommand.SET_CHALLENGER)
                                .setModelName(name)
                                .setVersion(clear ? null : version)
                                .setLocation(clear ? null : pointer.location())
                                .setChecksum(clear ? null : pointer.checksum())
                                .setIssuedAt(java.time.Instant.now())
                                .setReason(control.reason)
                                .build();
                publish(control.bootstrap, control.topic, command);
                out.printf("sent %s to %s%n", command.getCommand(), control.topic);
            }
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
