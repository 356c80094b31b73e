package dev.weir.cli;

import dev.weir.jobs.Args;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelMetadata;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/** {@code weir models list|show|promote|rollback|challenger}: the model registry. */
public final class ModelsCommand {

    private ModelsCommand() {}

    public static void run(String[] argv, PrintStream out) {
        if (argv.length == 0) {
            throw new Args.UsageException(
                    "models takes list, show, promote, rollback or challenger");
        }
        String action = argv[0];
        Args args =
                Args.parse(
                        Arrays.copyOfRange(argv, 1, argv.length),
                        Set.of("registry", "name", "version", "bootstrap", "topic", "reason"),
                        Set.of(),
                        Set.of());
        ModelRegistry registry = new ModelRegistry(Path.of(args.required("registry")));
        switch (action) {
            case "list" -> {
                for (String name : registry.names()) {
                    ModelRegistry.Aliases a = registry.aliases(name);
                    out.printf(
                            "%s  versions %s  champion %s  challenger %s  rollback history %s%n",
                            name,
                            registry.versions(name),
                            a.champion(),
                            a.challenger(),
                            a.history());
                }
            }
            case "show" -> {
                String name = args.required("name");
                String version =
                        args.string("version").orElseGet(() -> registry.champion(name).version());
                ModelPointer pointer = registry.pointer(name, version);
                ModelMetadata m = ModelBundle.readMetadata(Path.of(pointer.location()));
                out.printf(
                        "%s v%s at %s%n  checksum %s%n  created %s, %d training rows, %d hold-out rows%n"
                                + "  hold-out AUC %.4f, AUC-PR %.4f, precision %.3f, recall %.3f at threshold %.4f,"
                                + " Brier %.4f, calibration error %.4f%n  features %s%n",
                        name,
                        version,
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
            case "promote" -> {
                print(
                        out,
                        args.required("name"),
                        registry.promote(args.required("name"), args.required("version")));
                announce(args, registry, out);
            }
            case "rollback" -> {
                print(out, args.required("name"), registry.rollback(args.required("name")));
                announce(args, registry, out);
            }
            case "challenger" -> {
                String name = args.required("name");
                String version = args.required("version");
                boolean clear = version.equals("none");
                print(out, name, registry.setChallenger(name, clear ? null : version));
                if (args.string("bootstrap").isPresent()) {
                    ModelPointer pointer = clear ? null : registry.pointer(name, version);
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
                                    .setReason(args.string("reason").orElse("weir models"))
                                    .build();
                    String topic = args.string("topic").orElse("weir.model-control");
                    publish(args.required("bootstrap"), topic, command);
                    out.printf("sent %s to %s%n", command.getCommand(), topic);
                }
            }
            default -> throw new Args.UsageException("unknown models action '" + action + "'");
        }
    }

    /**
     * With {@code --bootstrap}, tells running pipelines to score with the new champion: a
     * USE_CHAMPION command carrying its pointer on the model-control topic.
     */
    static void announce(Args args, ModelRegistry registry, PrintStream out) {
        if (args.string("bootstrap").isEmpty()) {
            out.println(
                    "(running pipelines switch on their next submission; add --bootstrap HOST:PORT to switch them now)");
            return;
        }
        String name = args.required("name");
        ModelPointer champion = registry.champion(name);
        dev.weir.schemas.ModelControl command =
                dev.weir.schemas.ModelControl.newBuilder()
                        .setCommand(dev.weir.schemas.ModelCommand.USE_CHAMPION)
                        .setModelName(name)
                        .setVersion(champion.version())
                        .setLocation(champion.location())
                        .setChecksum(champion.checksum())
                        .setIssuedAt(java.time.Instant.now())
                        .setReason(args.string("reason").orElse("weir models"))
                        .build();
        String topic = args.string("topic").orElse("weir.model-control");
        publish(args.required("bootstrap"), topic, command);
        out.printf("sent USE_CHAMPION %s v%s to %s%n", name, champion.version(), topic);
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
