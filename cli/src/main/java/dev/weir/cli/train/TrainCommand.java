package dev.weir.cli.train;

import dev.weir.jobs.Args;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelMetadata;
import dev.weir.models.Trainer;
import dev.weir.models.TrainerConfig;
import dev.weir.state.features.FeatureSet;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code weir train}: trains the fraud network on synthetic data and writes a model directory. */
public final class TrainCommand {

    public static final Set<String> OPTIONS =
            Set.of(
                    "out",
                    "events",
                    "accounts",
                    "rate",
                    "fraud-share",
                    "seed",
                    "epochs",
                    "learning-rate",
                    "hidden",
                    "name",
                    "version",
                    "features",
                    "registry",
                    "from-iceberg",
                    "labels-topic");

    public static final String DEFAULT_NAME = "fraud-mlp";

    private TrainCommand() {}

    public static void run(String[] argv, PrintStream out) {
        Args args = Args.parse(argv, OPTIONS, Set.of(), Set.of());
        if (args.string("registry").isPresent() && args.string("out").isPresent()) {
            throw new Args.UsageException(
                    "train writes to --out DIR or registers in --registry DIR, not both");
        }
        Path dir;
        try {
            dir =
                    args.string("registry").isPresent()
                            ? java.nio.file.Files.createTempDirectory("weir-train")
                            : args.path("out").orElse(Path.of(".weir", "model"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        int events = (int) args.longValue("events", 100_000, 1_000);
        int accounts = (int) args.longValue("accounts", 5_000, 1);
        double rate = args.doubleValue("rate", 200, 0.001, 1e7);
        double fraudShare = args.doubleValue("fraud-share", 0.02, 0.001, 0.3);
        long seed = args.longValue("seed", 7, Long.MIN_VALUE);
        TrainerConfig defaults = TrainerConfig.defaults();
        List<Integer> hidden =
                args.string("hidden")
                        .map(
                                h ->
                                        Arrays.stream(h.split(","))
                                                .map(String::trim)
                                                .map(TrainCommand::positiveInt)
                                                .toList())
                        .orElse(defaults.hiddenLayers());
        TrainerConfig config =
                new TrainerConfig(
                        hidden,
                        (int) args.longValue("epochs", defaults.epochs(), 1),
                        args.doubleValue("learning-rate", defaults.learningRate(), 1e-6, 1),
                        defaults.batchSize(),
                        defaults.holdoutShare(),
                        seed);
        ModelMetadata metadata;
        if (args.string("from-iceberg").isPresent()) {
            // --from-iceberg PIPELINE_CONFIG: labels joined to the vectors the pipeline logged.
            dev.weir.jobs.config.PipelineConfig pipeline =
                    dev.weir.jobs.config.ConfigLoader.load(
                            Path.of(args.string("from-iceberg").get()), java.util.Map.of());
            PointInTimeTrainingSet set =
                    PointInTimeTrainingSet.build(
                            pipeline, args.string("labels-topic").orElse("weir.labels"));
            out.printf(
                    "training set: %d labelled vectors (%d labels without a logged vector) -> %s%n",
                    set.labels().length, set.unmatchedLabels(), set.source(pipeline.namespace()));
            ModelBundle bundle =
                    new Trainer(config)
                            .train(
                                    args.string("name").orElse(DEFAULT_NAME),
                                    args.string("version").orElse("1"),
                                    pipeline.featureSet().vectorNames(),
                                    set.features(),
                                    set.labels(),
                                    set.eventTimes());
            bundle =
                    bundle.withMetadata(
                            bundle.metadata().withTrainingSource(set.source(pipeline.namespace())));
            bundle.save(dir);
            metadata = bundle.metadata();
        } else {
            FeatureSet featureSet = FeatureSets.load(args.string("features").orElse(null));
            metadata =
                    train(
                            dir,
                            featureSet,
                            args.string("name").orElse(DEFAULT_NAME),
                            args.string("version").orElse("1"),
                            seed,
                            events,
                            accounts,
                            rate,
                            fraudShare,
                            config);
        }
        out.printf(
                "trained %s v%s on %d rows (hold-out %d): AUC %.4f, AUC-PR %.4f, precision %.3f, recall %.3f at threshold"
                        + " %.3f, Brier %.4f, calibration error %.4f%n"
                        + "written to %s%n",
                metadata.name(),
                metadata.version(),
                metadata.trainingRows(),
                metadata.holdoutRows(),
                metadata.holdoutAuc(),
                metadata.holdoutAucPr(),
                metadata.holdoutPrecision(),
                metadata.holdoutRecall(),
                metadata.threshold(),
                metadata.holdoutBrier(),
                metadata.holdoutEce(),
                dir.toAbsolutePath());
        if (args.string("registry").isPresent()) {
            // Trained into a scratch directory above, then registered as the next version; the
            // first version of a name becomes its champion.
            dev.weir.models.registry.ModelRegistry registry =
                    new dev.weir.models.registry.ModelRegistry(
                            Path.of(args.string("registry").get()));
            dev.weir.models.registry.ModelPointer pointer =
                    registry.register(ModelBundle.load(dir), null);
            if (registry.aliases(pointer.name()).champion() == null) {
                registry.promote(pointer.name(), pointer.version());
            }
            out.printf(
                    "registered %s v%s in %s (champion: v%s)%n",
                    pointer.name(),
                    pointer.version(),
                    registry.root(),
                    registry.aliases(pointer.name()).champion());
        }
    }

    public static ModelMetadata train(
            Path dir,
            FeatureSet featureSet,
            String name,
            String version,
            long seed,
            int events,
            int accounts,
            double rate,
            double fraudShare,
            TrainerConfig config) {
        SyntheticTrainingSet set =
                SyntheticTrainingSet.generate(featureSet, seed, events, accounts, rate, fraudShare);
        ModelBundle bundle =
                new Trainer(config)
                        .train(
                                name,
                                version,
                                featureSet.vectorNames(),
                                set.features(),
                                set.labels(),
                                set.eventTimes());
        bundle =
                bundle.withMetadata(
                        bundle.metadata()
                                .withTrainingSource(
                                        "synthetic generator, seed "
                                                + seed
                                                + ", "
                                                + events
                                                + " events"));
        // The profile covers the training rows, the earliest by event time (the set is in time
        // order).
        int profiled = (int) bundle.profile().rows();
        Map<String, String[]> inputs = new java.util.LinkedHashMap<>();
        set.inputs().forEach((field, values) -> inputs.put(field, Arrays.copyOf(values, profiled)));
        bundle =
                new ModelBundle(
                        bundle.metadata(), bundle.network(), bundle.profile().withInputs(inputs));
        bundle.save(dir);
        return bundle.metadata();
    }

    private static int positiveInt(String s) {
        try {
            int v = Integer.parseInt(s);
            if (v < 1) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new Args.UsageException(
                    "--hidden takes positive layer sizes such as 32,16; got '" + s + "'");
        }
    }
}
