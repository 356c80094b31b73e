package dev.weir.cli.train;

import dev.weir.cli.Folders;
import dev.weir.cli.WeirCommand;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelMetadata;
import dev.weir.models.Trainer;
import dev.weir.models.TrainerConfig;
import dev.weir.models.fairness.AttributeFairness;
import dev.weir.models.fairness.FairnessReport;
import dev.weir.models.fairness.FairnessSettings;
import dev.weir.models.fairness.GroupFairness;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * {@code weir train}: trains the fraud network on synthetic data, or on the pipeline's Iceberg
 * tables, and writes a model directory or registers it.
 */
@Command(
        name = "train",
        description = {
            "Trains the fraud network and writes or registers the model.",
            "On labelled synthetic payments, the feature set computed with the "
                    + "stream's own engine; the model (model.zip + metadata.json) goes to "
                    + "--out, or into --registry as its next version.",
            "With --from-iceberg, trains point in time instead: labels from the "
                    + "labels topic joined to the vectors the pipeline logged in its features "
                    + "table when it scored each payment."
        },
        defaultValueProvider = TrainCommand.TrainerDefaults.class)
public final class TrainCommand extends WeirCommand {

    public static final String DEFAULT_NAME = "fraud-mlp";

    /** The most payments --warm-up may generate before the first row (minutes of CPU). */
    private static final long MAX_WARM_UP_PAYMENTS = 20_000_000;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            defaultValue = Folders.MODEL,
            description = "Model directory to write.%nDefault: ${DEFAULT-VALUE}.")
    Path outDir;

    @Option(
            names = "--registry",
            paramLabel = "DIR",
            arity = "0..1",
            fallbackValue = Folders.REGISTRY,
            description =
                    "Register the model in the registry DIR instead of writing --out, as the next"
                            + " version of --name; the first version becomes the champion."
                            + "%nWithout DIR: ${FALLBACK-VALUE}.")
    String registry;

    @Option(
            names = "--features",
            paramLabel = "FILE",
            description = "Feature set YAML.%nDefault: the bundled reference set.")
    String features;

    @Option(
            names = "--events",
            paramLabel = "N",
            defaultValue = "100000",
            description =
                    "Synthetic payments to train on, at least 1000.%nDefault: "
                            + "${DEFAULT-VALUE}.")
    int events;

    @Option(
            names = "--accounts",
            paramLabel = "N",
            defaultValue = "5000",
            description =
                    "Customer accounts of the synthetic payments.%nDefault: ${DEFAULT-VALUE}.")
    int accounts;

    @Option(
            names = "--rate",
            paramLabel = "N",
            defaultValue = "200",
            description =
                    "Payments per second of event time in the synthetic data.%nDefault: "
                            + "${DEFAULT-VALUE}.")
    double rate;

    @Option(
            names = "--warm-up",
            paramLabel = "DURATION",
            description =
                    "Simulated time the synthetic payments run through the features before the"
                            + " first training row, so that every row sees its windows as full as"
                            + " a pipeline that has run longer than them (the longest window of"
                            + " the feature set; it costs --rate payments per second of it)."
                            + "%nDefault: none.")
    Duration warmUp;

    @Option(
            names = "--fraud-share",
            paramLabel = "F",
            defaultValue = "0.02",
            description = "Share of fraudulent payments, 0.001 to 0.3.%nDefault: ${DEFAULT-VALUE}.")
    double fraudShare;

    @Option(
            names = "--seed",
            paramLabel = "S",
            defaultValue = "7",
            description =
                    "Seed of the synthetic customers and payments and of the network's "
                            + "initialisation.%nDefault: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
            names = "--epochs",
            paramLabel = "N",
            description = "Passes over the training rows.%nDefault: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(
            names = "--learning-rate",
            paramLabel = "R",
            description = "Adam learning rate.%nDefault: ${DEFAULT-VALUE}.")
    double learningRate;

    @Option(
            names = "--hidden",
            paramLabel = "SIZES",
            split = ",",
            description = "Sizes of the hidden layers, e.g. 64,32.%nDefault: ${DEFAULT-VALUE}.")
    List<Integer> hidden;

    @Option(
            names = "--name",
            paramLabel = "NAME",
            defaultValue = DEFAULT_NAME,
            description = "Model name.%nDefault: ${DEFAULT-VALUE}.")
    String name;

    @Option(
            names = "--version",
            paramLabel = "V",
            defaultValue = "1",
            description =
                    "Model version written to --out.%nDefault: ${DEFAULT-VALUE} (--registry "
                            + "numbers versions itself).")
    String version;

    @Option(
            names = "--from-iceberg",
            paramLabel = "PIPELINE_CONFIG",
            description =
                    "Train on the Iceberg tables of the pipeline this YAML file configures"
                            + " (point-in-time training set, written to its training_set table).")
    Path fromIceberg;

    @Option(
            names = "--labels-topic",
            paramLabel = "TOPIC",
            defaultValue = "weir.labels",
            description =
                    "With --from-iceberg, the topic of the labels.%nDefault: "
                            + "${DEFAULT-VALUE}.")
    String labelsTopic;

    @Option(
            names = "--fairness-attributes",
            paramLabel = "FIELDS",
            split = ",",
            description =
                    "Transaction fields whose values segment the fairness evaluation on the hold-out"
                            + " (decline rate, TPR, FPR, disparate impact, equal opportunity per value,"
                            + " in the metadata's fairness section); with --from-iceberg, columns of"
                            + " the events table, joined by transaction id; 'none' for no"
                            + " evaluation.%nDefault: ${DEFAULT-VALUE}.")
    List<String> fairnessAttributes;

    @Option(
            names = "--fairness-min-count",
            paramLabel = "N",
            description =
                    "Hold-out rows a value needs to enter the disparate-impact ratio, and frauds to"
                            + " enter the equal-opportunity difference.%nDefault: ${DEFAULT-VALUE}.")
    int fairnessMinCount;

    /** The trainer's own defaults, so the help shows the values training uses. */
    static final class TrainerDefaults implements IDefaultValueProvider {
        @Override
        public String defaultValue(ArgSpec argSpec) {
            if (!(argSpec instanceof OptionSpec option)) {
                return null;
            }
            TrainerConfig defaults = TrainerConfig.defaults();
            return switch (option.longestName()) {
                case "--epochs" -> String.valueOf(defaults.epochs());
                case "--learning-rate" -> String.valueOf(defaults.learningRate());
                case "--hidden" ->
                        defaults.hiddenLayers().stream()
                                .map(String::valueOf)
                                .collect(java.util.stream.Collectors.joining(","));
                case "--fairness-attributes" ->
                        String.join(",", FairnessSettings.DEFAULT_ATTRIBUTES);
                case "--fairness-min-count" -> String.valueOf(FairnessSettings.DEFAULT_MIN_COUNT);
                default -> null;
            };
        }
    }

    @Override
    protected void run() {
        if (registry != null && spec.commandLine().getParseResult().hasMatchedOption("--out")) {
            throw usage("train writes to --out DIR or registers in --registry DIR, not both");
        }
        atLeast("--events", events, 1_000);
        atLeast("--accounts", accounts, 1);
        within("--rate", rate, 0.001, 1e7);
        within("--fraud-share", fraudShare, 0.001, 0.3);
        checkWarmUp();
        atLeast("--epochs", epochs, 1);
        within("--learning-rate", learningRate, 1e-6, 1);
        for (int size : hidden) {
            if (size < 1) {
                throw usage("--hidden takes positive layer sizes such as 32,16; got " + size);
            }
        }
        FairnessSettings fairness = fairness();
        Path dir;
        try {
            dir = registry != null ? java.nio.file.Files.createTempDirectory("weir-train") : outDir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        TrainerConfig defaults = TrainerConfig.defaults();
        TrainerConfig config =
                new TrainerConfig(
                        hidden,
                        epochs,
                        learningRate,
                        defaults.batchSize(),
                        defaults.holdoutShare(),
                        seed);
        ModelMetadata metadata;
        if (fromIceberg != null) {
            // Labels joined to the vectors the pipeline logged.
            dev.weir.jobs.config.PipelineConfig pipeline =
                    dev.weir.jobs.config.ConfigLoader.load(fromIceberg, java.util.Map.of());
            PointInTimeTrainingSet set;
            try {
                set = PointInTimeTrainingSet.build(pipeline, labelsTopic, fairness.attributes());
            } catch (IllegalArgumentException e) {
                throw usage("--fairness-attributes: " + e.getMessage());
            }
            out.printf(
                    "training set: %d labelled vectors (%d labels without a logged vector) -> %s%n",
                    set.labels().length, set.unmatchedLabels(), set.source(pipeline.namespace()));
            if (set.eventsSnapshotId() != null) {
                out.printf(
                        "fairness segments %s from the events table (%d rows without an events"
                                + " row: value null)%n",
                        fairness.attributes(), set.rowsWithoutEvent());
            }
            ModelBundle bundle =
                    new Trainer(config)
                            .train(
                                    name,
                                    version,
                                    pipeline.featureSet().vectorNames(),
                                    set.features(),
                                    set.labels(),
                                    set.eventTimes(),
                                    set.segments(),
                                    fairness.attributes().isEmpty() ? null : fairness);
            ModelMetadata trained = bundle.metadata();
            bundle =
                    bundle.withMetadata(
                            trained.withTrainingSource(set.source(pipeline.namespace()))
                                    .withLineage(
                                            trained.lineage()
                                                    .withFeatureSet(
                                                            pipeline.featureSet().version(),
                                                            definitions(
                                                                    pipeline
                                                                            .featureDefinitions()))));
            bundle.save(dir);
            metadata = bundle.metadata();
        } else {
            FeatureSet featureSet = FeatureSets.load(features);
            metadata =
                    train(
                            dir,
                            featureSet,
                            name,
                            version,
                            seed,
                            events,
                            accounts,
                            rate,
                            fraudShare,
                            config,
                            fairness,
                            definitions(features),
                            warmUp == null ? Duration.ZERO : warmUp);
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
        printFairness(metadata.fairness());
        if (registry != null) {
            // Trained into a scratch directory above, then registered as the next version; the
            // first version of a name becomes its champion.
            dev.weir.models.registry.ModelRegistry models =
                    new dev.weir.models.registry.ModelRegistry(registry);
            dev.weir.models.registry.ModelPointer pointer =
                    models.register(ModelBundle.load(dir), null);
            if (models.aliases(pointer.name()).champion() == null) {
                models.promote(pointer.name(), pointer.version());
            }
            out.printf(
                    "registered %s v%s in %s (champion: v%s)%n",
                    pointer.name(),
                    pointer.version(),
                    models.root(),
                    models.aliases(pointer.name()).champion());
        }
    }

    /** Trains on synthetic payments with the default fairness evaluation. */
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
        return train(
                dir,
                featureSet,
                name,
                version,
                seed,
                events,
                accounts,
                rate,
                fraudShare,
                config,
                FairnessSettings.defaults());
    }

    /**
     * Trains on synthetic payments and writes the model into {@code dir}, with the fairness of its
     * hold-out decisions per value of {@code fairness}'s attributes.
     */
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
            TrainerConfig config,
            FairnessSettings fairness) {
        return train(
                dir,
                featureSet,
                name,
                version,
                seed,
                events,
                accounts,
                rate,
                fraudShare,
                config,
                fairness,
                null,
                Duration.ZERO);
    }

    /**
     * Trains on synthetic payments and writes the model into {@code dir}; its lineage records the
     * feature set's version and {@code featureDefinitions}, where the set was read from (null when
     * not known). The first row comes after {@code warmUp} of simulated time has filled the
     * windows.
     */
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
            TrainerConfig config,
            FairnessSettings fairness,
            String featureDefinitions,
            Duration warmUp) {
        SyntheticTrainingSet set =
                SyntheticTrainingSet.generate(
                        featureSet,
                        seed,
                        events,
                        accounts,
                        rate,
                        fraudShare,
                        fairness.attributes(),
                        warmUp);
        ModelBundle bundle =
                new Trainer(config)
                        .train(
                                name,
                                version,
                                featureSet.vectorNames(),
                                set.features(),
                                set.labels(),
                                set.eventTimes(),
                                set.inputs(),
                                fairness);
        ModelMetadata trained = bundle.metadata();
        bundle =
                bundle.withMetadata(
                        trained.withLineage(
                                        trained.lineage()
                                                .withFeatureSet(
                                                        featureSet.version(), featureDefinitions))
                                .withTrainingSource(
                                        "synthetic generator, seed "
                                                + seed
                                                + ", "
                                                + events
                                                + " events"
                                                + (warmUp.isZero()
                                                        ? ""
                                                        : " after a warm-up of "
                                                                + warmUp.toSeconds()
                                                                + " s")));
        // The profile covers the training rows, the earliest by event time (the set is in time
        // order).
        int profiled = (int) bundle.profile().rows();
        Map<String, String[]> inputs = new java.util.LinkedHashMap<>();
        for (String field : SyntheticTrainingSet.INPUTS) {
            inputs.put(field, Arrays.copyOf(set.inputs().get(field), profiled));
        }
        bundle =
                new ModelBundle(
                        bundle.metadata(), bundle.network(), bundle.profile().withInputs(inputs));
        bundle.save(dir);
        return bundle.metadata();
    }

    private void checkWarmUp() {
        if (warmUp == null) {
            return;
        }
        if (fromIceberg != null) {
            throw usage("--warm-up applies to synthetic payments, not to --from-iceberg");
        }
        double payments = warmUp.toMillis() / 1000.0 * rate;
        if (payments > MAX_WARM_UP_PAYMENTS) {
            throw usage(
                    String.format(
                            java.util.Locale.ROOT,
                            "--warm-up %d s at --rate %s is %,.0f payments before the first row;"
                                    + " at most %,d",
                            warmUp.toSeconds(),
                            rate,
                            payments,
                            MAX_WARM_UP_PAYMENTS));
        }
    }

    /** Where a feature set at {@code location} comes from: the file, or the bundled reference. */
    static String definitions(String location) {
        return location == null || location.isBlank()
                ? "bundled " + FeatureSets.REFERENCE
                : Path.of(location).toAbsolutePath().normalize().toString();
    }

    /**
     * The fairness settings of the options; fails on a field the transactions do not have (with
     * --from-iceberg, the events table's columns are checked when it is read).
     */
    private FairnessSettings fairness() {
        List<String> attributes =
                fairnessAttributes.equals(List.of("none")) ? List.of() : fairnessAttributes;
        for (String attribute : attributes) {
            if (fromIceberg == null && Transaction.getClassSchema().getField(attribute) == null) {
                throw usage(
                        "--fairness-attributes: transactions have no field '"
                                + attribute
                                + "' (fields: "
                                + Transaction.getClassSchema().getFields().stream()
                                        .map(org.apache.avro.Schema.Field::name)
                                        .collect(java.util.stream.Collectors.joining(", "))
                                + ")");
            }
        }
        atLeast("--fairness-min-count", fairnessMinCount, 1);
        try {
            return FairnessSettings.defaults()
                    .withAttributes(attributes)
                    .withMinCount(fairnessMinCount);
        } catch (IllegalArgumentException e) {
            throw usage("--fairness-attributes: " + e.getMessage());
        }
    }

    /** One line per segment value of the hold-out's fairness, flagged values marked. */
    private void printFairness(FairnessReport report) {
        if (report == null) {
            return;
        }
        out.printf(
                "fairness on the %s (%d rows, values with at least %d rows/frauds compared):%n",
                report.dataset(), report.rows(), report.minCount());
        for (AttributeFairness attribute : report.attributes()) {
            for (GroupFairness g : attribute.groups()) {
                out.printf(
                        "  %s=%s: %d rows, %d frauds, decline rate %s, TPR %s, FPR %s,"
                                + " disparate impact %s, equal opportunity %s%s%n",
                        attribute.attribute(),
                        g.value(),
                        g.rows(),
                        g.positives(),
                        number(g.declineRate()),
                        number(g.tpr()),
                        number(g.fpr()),
                        number(g.disparateImpact()),
                        number(g.equalOpportunityDifference()),
                        g.flagged() ? "  FLAGGED" : "");
            }
        }
    }

    private static String number(Double value) {
        return value == null ? "-" : String.format(java.util.Locale.ROOT, "%.3f", value);
    }
}
