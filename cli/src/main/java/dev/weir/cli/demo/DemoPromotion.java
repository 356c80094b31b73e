package dev.weir.cli.demo;

import dev.weir.cli.Weir;
import dev.weir.jobs.config.WeirOptions;
import dev.weir.models.ModelBundle;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The path to live at the end of the demo, on a registry of its own in the run's folder: the demo's
 * model is the champion, the same model registered again is the candidate, and {@code weir models
 * promote} is asked twice with the default gates. Straight to live it is refused (no live evidence:
 * the pipeline never scored it beside the champion); to test it passes its hold-out and fairness
 * gates, and the promotion is recorded in the registry and the warehouse's {@code promotions}
 * table.
 */
final class DemoPromotion {

    private DemoPromotion() {}

    static void show(PrintStream out, DemoOptions options, String bootstrap) throws Exception {
        Path dir = options.runDir().resolve("path-to-live");
        ModelRegistry registry = new ModelRegistry(dir);
        ModelBundle model = ModelBundle.load(options.modelDir());
        ModelPointer champion = registry.register(model, null);
        registry.promote(champion.name(), champion.version());
        ModelPointer candidate = registry.register(model, null);
        out.println();
        out.println(
                "The path to live (registry "
                        + dir
                        + "; champion v"
                        + champion.version()
                        + ", candidate v"
                        + candidate.version()
                        + " in construct):");
        Path equalOpportunity = dir.resolve("equal-opportunity-gates.yaml");
        Files.writeString(
                equalOpportunity,
                String.join(
                        "\n",
                        "# Fairness as equal opportunity: the true-positive rate of each country and",
                        "# channel within 0.20 of the reference's; decline rates may follow fraud.",
                        "# The hold-out has 20 to 60 frauds per foreign country, so a country's rate",
                        "# is known to about 0.1 either way: a smaller gap can be chance.",
                        "to_test:",
                        "  min_auc: 0.80",
                        "  fairness: {max_equal_opportunity_difference: 0.20, min_group_count: 50}",
                        ""));
        for (Path gates : new Path[] {null, equalOpportunity}) {
            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    "models",
                                    "promote",
                                    "--registry",
                                    dir.toString(),
                                    "--name",
                                    candidate.name(),
                                    "--version",
                                    candidate.version(),
                                    "--to",
                                    "test",
                                    "--by",
                                    "weir-demo",
                                    "--set",
                                    WeirOptions.KAFKA_BOOTSTRAP.key() + "=" + bootstrap,
                                    "--set",
                                    WeirOptions.WAREHOUSE.key() + "=" + options.warehouse(),
                                    "--set",
                                    WeirOptions.MODEL_DIR.key() + "=" + options.modelDir()));
            if (gates != null) {
                args.addAll(List.of("--gates", gates.toString()));
            }
            out.println(
                    "  $ weir models promote --name "
                            + candidate.name()
                            + " --version "
                            + candidate.version()
                            + " --to test"
                            + (gates == null ? "" : " --gates " + gates.getFileName())
                            + " ...");
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8);
            int code = Weir.execute(capture, capture, args.toArray(String[]::new));
            for (String line : printed.toString(StandardCharsets.UTF_8).split("\n")) {
                out.println("    " + line);
            }
            out.println("    (exit code " + code + ")");
        }
    }
}
