package dev.weir.jobs.cli;

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
            throw new Args.UsageException("models takes list, show, promote, rollback or challenger");
        }
        String action = argv[0];
        Args args = Args.parse(Arrays.copyOfRange(argv, 1, argv.length), Set.of("registry", "name", "version"),
                Set.of(), Set.of());
        ModelRegistry registry = new ModelRegistry(Path.of(args.required("registry")));
        switch (action) {
            case "list" -> {
                for (String name : registry.names()) {
                    ModelRegistry.Aliases a = registry.aliases(name);
                    out.printf("%s  versions %s  champion %s  challenger %s  rollback history %s%n", name,
                            registry.versions(name), a.champion(), a.challenger(), a.history());
                }
            }
            case "show" -> {
                String name = args.required("name");
                String version = args.string("version").orElseGet(() -> registry.champion(name).version());
                ModelPointer pointer = registry.pointer(name, version);
                ModelMetadata m = ModelBundle.readMetadata(Path.of(pointer.location()));
                out.printf("%s v%s at %s%n  checksum %s%n  created %s, %d training rows, %d hold-out rows%n"
                                + "  hold-out AUC %.4f, precision %.3f, recall %.3f at threshold %.4f%n  features %s%n",
                        name, version, pointer.location(), pointer.checksum(), m.createdAt(), m.trainingRows(),
                        m.holdoutRows(), m.holdoutAuc(), m.holdoutPrecision(), m.holdoutRecall(), m.threshold(),
                        m.featureNames());
            }
            case "promote" -> print(out, args.required("name"),
                    registry.promote(args.required("name"), args.required("version")));
            case "rollback" -> print(out, args.required("name"), registry.rollback(args.required("name")));
            case "challenger" -> {
                String version = args.required("version");
                print(out, args.required("name"),
                        registry.setChallenger(args.required("name"), version.equals("none") ? null : version));
            }
            default -> throw new Args.UsageException("unknown models action '" + action + "'");
        }
    }

    private static void print(PrintStream out, String name, ModelRegistry.Aliases a) {
        out.printf("%s: champion %s, challenger %s, rollback history %s%n", name, a.champion(), a.challenger(),
                a.history());
    }
}
